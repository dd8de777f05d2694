// Request ids (issue 10): a client's x-request-id is kept (a sensible token: 1-128 characters of
// letters, digits and - _ . : / + = @) or the gateway makes one; either way it is echoed on the
// response (streams and errors too), written on every log line of the request, put in the gateway's
// own error bodies, and sent upstream on every attempt, forwarded or translated.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, TEST_TIMEOUT_MS, assertCompletionFrom, chatBody, rawExchange, sleep } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const GENERATED = /^[0-9a-f]{12}-[0-9a-f]{8}$/;


// Waits until the log holds a line matching `predicate` (the writer flushes every ~50 ms).
async function waitForLine(gw, predicate, what) {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    const found = gw.logLines().find(predicate);
    if (found) return found;
    await sleep(30);
  }
  assert.fail(`no log line ${what} in:\n${gw.child.stdout.slice(-3000)}`);
}

describe('request ids', { timeout: 90_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let x;
  let gw;

  before(async () => {
    [a, b, x] = await Promise.all([stack.sim('A'), stack.sim('B'), stack.sim('X')]);
    gw = await stack.gateway({
      limits: { max_body_bytes: 4096 },
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'key-a' },
        b: { kind: 'openai', base_url: b.baseUrl, api_key: 'key-b' },
        x: { kind: 'anthropic', base_url: x.url, api_key: 'key-x' },
      },
      routes: {
        pair: { targets: ['a/model-a', 'b/model-b'], retry: { max_attempts: 2, backoff_base: '5ms' } },
        claude: { targets: ['x/claude-x'] },
      },
    });
  }, opts);

  after(() => stack.stop());

  beforeEach(async () => {
    await Promise.all([a.reset(), b.reset(), x.reset()]);
  });

  const lastUpstreamId = async (sim) => {
    const requests = await sim.chatRequests();
    assert.ok(requests.length > 0, `${sim.name} received no chat request`);
    return requests.at(-1).headers['x-request-id'];
  };

  it("echoes a client's id, logs it on the request line and sends it upstream", opts, async () => {
    const id = 'client-req_42.abc:1';
    const res = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': id } });
    assertCompletionFrom(res, 'A');
    assert.equal(res.headers['x-request-id'], id);
    assert.equal(await lastUpstreamId(a), id);
    const line = await waitForLine(gw, (l) => l.msg === 'request' && l.request_id === id, `request_id=${id}`);
    assert.equal(line.outcome, 'ok');
    assert.equal(line.stream, false, 'stream is a JSON bool');
    assert.equal(typeof line.status, 'number');
    assert.equal(typeof line.ms, 'number');
  });

  it('every attempt carries the id upstream, and the attempt line names it', opts, async () => {
    const id = 'failover-1';
    await a.setFaults([{ status: 503 }]);
    const res = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': id } });
    assertCompletionFrom(res, 'B');
    assert.equal(res.headers['x-request-id'], id);
    assert.equal(await lastUpstreamId(a), id, 'the failed attempt');
    assert.equal(await lastUpstreamId(b), id, 'the attempt that served');
    const failed = await waitForLine(gw, (l) => l.msg === 'attempt failed' && l.request_id === id, 'attempt failed');
    assert.equal(failed.target, 'a/model-a');
    assert.equal(failed.level, 'warning');
    const request = await waitForLine(gw, (l) => l.msg === 'request' && l.request_id === id, 'request');
    assert.equal(request.outcome, 'failed_over');
  });

  it('makes an id when the client sends none, a fresh one per request', opts, async () => {
    const first = await gw.chat(chatBody('pair'));
    const second = await gw.chat(chatBody('pair'));
    const id = first.headers['x-request-id'];
    assert.match(id, GENERATED);
    assert.match(second.headers['x-request-id'], GENERATED);
    assert.notEqual(second.headers['x-request-id'], id);
    assert.equal(await lastUpstreamId(a), second.headers['x-request-id']);
    await waitForLine(gw, (l) => l.msg === 'request' && l.request_id === id, `generated ${id}`);
  });

  it('replaces an unacceptable id with its own instead of failing the request', opts, async () => {
    for (const bad of ['has space', 'quote"d', 'x'.repeat(129), 'semi;colon', 'é']) {
      const res = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': bad } });
      assert.equal(res.status, 200, `${bad}: ${res.text}`);
      assert.match(res.headers['x-request-id'], GENERATED, `id for ${JSON.stringify(bad)}`);
      assert.equal(await lastUpstreamId(a), res.headers['x-request-id']);
    }
    const longest = 'y'.repeat(128);
    const res = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': longest } });
    assert.equal(res.headers['x-request-id'], longest, '128 characters are accepted');
  });

  it('streams carry the id in their head, upstream and on the log line', opts, async () => {
    const id = 'stream-7';
    const res = await gw.stream(chatBody('pair'), { headers: { 'x-request-id': id } });
    assert.equal(res.status, 200);
    assert.ok(res.done, res.raw);
    assert.equal(res.headers['x-request-id'], id);
    assert.equal(await lastUpstreamId(a), id);
    const line = await waitForLine(gw, (l) => l.msg === 'request' && l.request_id === id, 'stream request');
    assert.equal(line.stream, true, 'stream is a JSON bool');
  });

  it('a translated request (OpenAI client, Anthropic target) sends the id upstream too', opts, async () => {
    const id = 'translated-9';
    const res = await gw.chat(chatBody('claude'), { headers: { 'x-request-id': id } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-request-id'], id);
    const upstream = (await x.requests()).filter((r) => String(r.target).includes('/messages')).at(-1);
    assert.ok(upstream, 'X received the request');
    assert.equal(upstream.headers['x-request-id'], id);
    const stream = await gw.stream(chatBody('claude'), { headers: { 'x-request-id': `${id}-s` } });
    assert.equal(stream.headers['x-request-id'], `${id}-s`);
    const streamed = (await x.requests()).filter((r) => String(r.target).includes('/messages')).at(-1);
    assert.equal(streamed.headers['x-request-id'], `${id}-s`);
  });

  it("an Anthropic client's request forwarded to an Anthropic target carries it", opts, async () => {
    const id = 'anthropic-fwd';
    const res = await gw.post(
      '/v1/messages',
      { model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-request-id': id, 'anthropic-version': '2023-06-01' } },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-request-id'], id);
    const upstream = (await x.requests()).filter((r) => String(r.target).includes('/messages')).at(-1);
    assert.equal(upstream.headers['x-request-id'], id);
    assert.equal(upstream.headers['anthropic-version'], '2023-06-01');
  });

  it("the gateway's own errors carry the id in the header and in the body, in the client's dialect", opts, async () => {
    await a.setFaults([{ status: 503 }]);
    await b.setFaults([{ status: 500 }]);
    const failed = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': 'all-failed' } });
    assert.equal(failed.status, 503, failed.text);
    assert.equal(failed.headers['x-request-id'], 'all-failed');
    assert.equal(failed.json.error.request_id, 'all-failed', failed.text);
    assert.equal(typeof failed.json.error.message, 'string');
    await waitForLine(gw, (l) => l.msg === 'request' && l.request_id === 'all-failed' && l.outcome === 'failed', 'failed');

    const unknown = await gw.chat(chatBody('nope'), { headers: { 'x-request-id': 'unknown-route' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.request_id, 'unknown-route');
    await waitForLine(gw, (l) => l.msg === 'request rejected' && l.request_id === 'unknown-route', 'rejected');

    const badJson = await gw.post('/v1/chat/completions', '{"model":', { headers: { 'x-request-id': 'bad-json' } });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.headers['x-request-id'], 'bad-json');
    assert.equal(badJson.json.error.request_id, 'bad-json');

    const anthropic = await gw.post(
      '/v1/messages',
      { model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-request-id': 'anthropic-404' } },
    );
    assert.equal(anthropic.status, 404);
    assert.equal(anthropic.json.type, 'error');
    assert.equal(anthropic.json.request_id, 'anthropic-404', 'Anthropic puts request_id at the top level');
    assert.equal(anthropic.headers['x-request-id'], 'anthropic-404');
  });

  it('requests refused before any handler (too large, malformed) still get an id', opts, async () => {
    const big = await gw.chat(chatBody('pair', 'z'.repeat(8000)), { headers: { 'x-request-id': 'too-big' } });
    assert.equal(big.status, 413);
    assert.match(big.headers['x-request-id'], GENERATED);
    assert.equal(big.json.error.request_id, big.headers['x-request-id']);
    await waitForLine(
      gw,
      (l) => l.msg === 'request rejected' && l.request_id === big.headers['x-request-id'] && l.status === 413,
      '413 rejected',
    );
    const malformed = await rawExchange(gw.port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', {
      until: (text) => text.includes('\r\n\r\n'),
    });
    assert.match(malformed.text, /^HTTP\/1\.1 400/);
    assert.match(malformed.text, /\r\nx-request-id: [0-9a-f]{12}-[0-9a-f]{8}\r\n/i);
  });

  it('other endpoints echo it too', opts, async () => {
    const health = await gw.get('/healthz', { headers: { 'x-request-id': 'probe-1' } });
    assert.equal(health.headers['x-request-id'], 'probe-1');
    const models = await gw.get('/v1/models');
    assert.match(models.headers['x-request-id'], GENERATED);
  });
});

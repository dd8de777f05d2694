// Production hardening found by probing the binary (issue 10), each a test that failed before its
// fix: request framing that a front proxy could read the other way, an upstream whose extra bytes
// poisoned the next request's answer, numbers no provider's JSON can carry, a second gateway that
// silently shared the port, all-failed errors that invited the SDK's own retries, and /admin numbers
// printed as 1.3E0.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { HOST, Stack, TEST_TIMEOUT_MS, assertCompletionFrom, chatBody, rawExchange, rawStatus, runCli, sleep, writeTempFile } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

// An upstream that answers every request with a valid completion whose Content-Length is honest,
// followed (first connection only) by bytes that look like a second answer: a lying or buggy server.
function poisoningUpstream() {
  let connections = 0;
  const server = net.createServer((socket) => {
    const id = ++connections;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.slice(end + 4 + length);
      const answer = JSON.stringify({
        id: `chatcmpl-${id}`,
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: `honest answer ${id}` }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      });
      const poison = JSON.stringify({ ...JSON.parse(answer), choices: [{ index: 0, message: { role: 'assistant', content: 'POISON' }, finish_reason: 'stop' }] });
      let bytes = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(answer)}\r\n\r\n${answer}`;
      if (id === 1) bytes += `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(poison)}\r\n\r\n${poison}`;
      socket.write(bytes);
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, HOST, () => resolve(server)));
}

describe('hardening', { timeout: 90_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let x;
  let liar;
  let gw;

  before(async () => {
    [a, b, x] = await Promise.all([stack.sim('A'), stack.sim('B'), stack.sim('X')]);
    liar = await poisoningUpstream();
    gw = await stack.gateway({
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'key-a' },
        b: { kind: 'openai', base_url: b.baseUrl, api_key: 'key-b' },
        x: { kind: 'anthropic', base_url: x.url, api_key: 'key-x' },
        liar: { kind: 'openai', base_url: `http://${HOST}:${liar.address().port}/v1` },
      },
      routes: {
        pair: { targets: ['a/model-a', 'b/model-b'], retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '20ms' } },
        claude: { targets: ['x/claude'] },
        liar: { targets: ['liar/m'] },
      },
      workers: 1,
    });
  }, opts);

  after(async () => {
    await stack.stop();
    liar.close();
  });

  beforeEach(() => Promise.all([a.reset(), b.reset(), x.reset()]));

  for (const [name, lines] of [
    ['gzip', 'Transfer-Encoding: gzip\r\n'],
    ['identity', 'Transfer-Encoding: identity\r\n'],
    ['xchunked', 'Transfer-Encoding: xchunked\r\n'],
    ['chunked, chunked', 'Transfer-Encoding: chunked, chunked\r\n'],
    ['two header lines', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n'],
  ]) {
    it(`a request with Transfer-Encoding ${name} gets 400 and the connection closes; nothing is smuggled upstream`, opts, async () => {
      const smuggled = JSON.stringify(chatBody('pair'));
      const request =
        `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${lines}\r\n` +
        `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`;
      const res = await rawExchange(gw.port, request, { timeoutMs: 5000 });
      assert.equal(rawStatus(res.text), 400, res.text);
      assert.ok(res.closed, 'the connection is closed after the 400');
      assert.equal((res.text.match(/HTTP\/1\.1/g) || []).length, 1, `one answer only: ${res.text}`);
      assert.equal((await a.chatRequests()).length, 0, 'nothing reached the upstream');
    });
  }

  it('a chunked request is still read', opts, async () => {
    const body = JSON.stringify(chatBody('pair'));
    const request =
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n` +
      `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const res = await rawExchange(gw.port, request, { timeoutMs: 5000 });
    assert.equal(rawStatus(res.text), 200, res.text);
  });

  it('an upstream that sends bytes after its Content-Length body never answers the next request', opts, async () => {
    const first = await gw.chat(chatBody('liar'));
    assert.equal(first.json?.choices?.[0]?.message?.content, 'honest answer 1', first.text);
    const second = await gw.chat(chatBody('liar'));
    assert.equal(second.status, 200, second.text);
    assert.notEqual(second.json?.choices?.[0]?.message?.content, 'POISON', 'the extra bytes were not taken as an answer');
    assert.match(second.json.choices[0].message.content, /^honest answer/);
  });

  it('a number no double can hold is a 400 on a translated route, not "inf" sent upstream', opts, async () => {
    const body = '{"model":"claude","messages":[{"role":"user","content":"hi"}],"top_p":1e999999}';
    const res = await gw.post('/v1/chat/completions', body, { headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.error.message, /top_p/);
    assert.equal((await x.requests()).filter((r) => r.method === 'POST').length, 0);
  });

  it('every target rate limited: 429 with the soonest Retry-After, and x-should-retry: false', opts, async () => {
    await a.setFaults([{ status: 429, retry_after: '7' }]);
    await b.setFaults([{ status: 429, retry_after: '3' }]);
    const res = await gw.chat(chatBody('pair'));
    assert.equal(res.status, 429, res.text);
    assert.equal(res.json.error.code, 'rate_limit_exceeded');
    assert.equal(res.headers['retry-after'], '3');
    assert.equal(res.headers['x-should-retry'], 'false');
  });

  it('every target failed: 503 tells the SDK not to retry what the gateway already retried', opts, async () => {
    await a.setFaults([{ status: 503 }]);
    await b.setFaults([{ status: 500 }]);
    const res = await gw.chat(chatBody('pair'));
    assert.equal(res.status, 503, res.text);
    assert.equal(res.headers['x-should-retry'], 'false');
    assert.equal(res.headers['retry-after'], undefined);
  });

  it('the request log line says what the client got, and a lost request is a warning', opts, async () => {
    const requestLines = () =>
      gw.child.stdout
        .split('\n')
        .filter((line) => line.includes('"msg":"request"'))
        .map((line) => JSON.parse(line));
    const waitFor = async (predicate) => {
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        const found = requestLines().find(predicate);
        if (found) return found;
        await sleep(50);
      }
      assert.fail(`no such request line in:\n${gw.child.stdout.slice(-3000)}`);
    };
    await a.setFaults([{ status: 503 }]);
    assert.equal((await gw.chat(chatBody('pair', 'failed over'))).status, 200);
    const failedOver = await waitFor((l) => l.outcome === 'failed_over');
    assert.equal(failedOver.level, 'info');
    assert.equal(failedOver.target, 'b/model-b');
    await a.setFaults([{ status: 503 }]);
    await b.setFaults([{ status: 503 }]);
    assert.equal((await gw.chat(chatBody('pair'))).status, 503);
    const failed = await waitFor((l) => l.outcome === 'failed');
    assert.equal(failed.level, 'warning');
    assert.equal(failed.failure, 'upstream_status');
    assert.equal((await gw.chat(chatBody('claude', 'hi', { n: 2 }))).status, 400);
    assert.ok(requestLines().some((l) => l.outcome === 'ok'), 'plain successes are ok');
  });

  it('/admin/targets writes plain decimal numbers', opts, async () => {
    await gw.chat(chatBody('pair'));
    const res = await gw.get('/admin/targets');
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.text, /\d[eE][+-]?\d/, res.text);
    assert.ok(res.json.targets.length > 0);
  });

  it('a second gateway on an address already served refuses to start, saying why', opts, async () => {
    const config = writeTempFile(
      `listen: ${HOST}:${gw.port}\nproviders:\n  a: {kind: openai, base_url: "${a.baseUrl}"}\nroutes:\n  chat: {targets: [a/m]}\n`,
    );
    const result = await runCli(['serve', '--config', config], { timeoutMs: 8000 });
    assert.equal(result.code, 1, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.match(result.stderr, /address already in use/);
    assert.doesNotMatch(result.stderr, /\/usr\/include|\.hpp/, 'no library source paths');
    assertCompletionFrom(await gw.chat(chatBody('pair')), 'A');
  });
});

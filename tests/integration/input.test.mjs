// Bad client input: every rejection is an OpenAI-shaped error and never reaches an upstream.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  HOST,
  Stack,
  TEST_TIMEOUT_MS,
  assertCompletionFrom,
  assertOpenAIError,
  chatBody,
  rawExchange,
  rawJsonBody,
  rawStatus,
  sleep,
} from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const MAX_BODY = 4096;
const MAX_HEADER = 4096;

describe('bad input', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let gw;

  before(async () => {
    a = await stack.sim('A');
    gw = await stack.gateway({
      limits: { max_body_bytes: MAX_BODY, max_header_bytes: MAX_HEADER, idle_timeout: '5s' },
      providers: { a: { kind: 'openai', base_url: a.baseUrl } },
      routes: { chat: { targets: ['a/model-a'] } },
    });
  }, opts);

  after(() => stack.stop());

  beforeEach(() => a.reset());

  async function assertNoUpstreamCall() {
    assert.equal((await a.chatRequests()).length, 0, 'the upstream was not called');
  }

  it('rejects malformed JSON with 400 invalid_request_error', opts, async () => {
    const res = await gw.post('/v1/chat/completions', '{"model": "chat", "messages": [');
    assertOpenAIError(res, 400, { type: 'invalid_request_error', requireParamAndCode: true });
    await assertNoUpstreamCall();
  });

  it('rejects a JSON body that is not an object with 400', opts, async () => {
    const res = await gw.post('/v1/chat/completions', '["chat"]');
    assertOpenAIError(res, 400, { type: 'invalid_request_error' });
    await assertNoUpstreamCall();
  });

  it('rejects a request without model with 400', opts, async () => {
    const res = await gw.chat({ messages: [{ role: 'user', content: 'hi' }] });
    const err = assertOpenAIError(res, 400, { type: 'invalid_request_error', requireParamAndCode: true });
    assert.match(err.message, /model/, err.message);
    await assertNoUpstreamCall();
  });

  it('rejects a non-string model with 400', opts, async () => {
    const res = await gw.chat({ model: 42, messages: [{ role: 'user', content: 'hi' }] });
    const err = assertOpenAIError(res, 400, { type: 'invalid_request_error' });
    assert.match(err.message, /model/, err.message);
    await assertNoUpstreamCall();
  });

  it('rejects a body that is not application/json with 400 or 415', opts, async () => {
    const res = await gw.post('/v1/chat/completions', JSON.stringify(chatBody('chat')), {
      headers: { 'content-type': 'text/plain' },
    });
    assertOpenAIError(res, [400, 415], { type: 'invalid_request_error' });
    await assertNoUpstreamCall();
  });

  it('answers Expect: 100-continue before the client sends its body', opts, async () => {
    const body = JSON.stringify(chatBody('chat'));
    const text = await new Promise((resolve, reject) => {
      const socket = net.connect({ host: HOST, port: gw.port });
      let received = '';
      let sentBody = false;
      const timer = setTimeout(() => { socket.destroy(); reject(new Error(`timed out: ${received}`)); }, 5000);
      socket.setEncoding('latin1');
      socket.on('data', (chunk) => {
        received += chunk;
        if (!sentBody && received.includes('100 Continue\r\n\r\n')) {
          sentBody = true;
          socket.write(body);
        }
        if (/\r\n\r\n[\s\S]*"object":"chat\.completion"[\s\S]*\}$/.test(received)) {
          clearTimeout(timer);
          socket.destroy();
          resolve(received);
        }
      });
      socket.on('error', reject);
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
      );
    });
    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/, text.slice(0, 300));
  });

  it('logs a request it refuses before routing', opts, async () => {
    assertOpenAIError(await gw.chat({ model: 'no-such-route', messages: [] }), 404);
    let line;
    for (let i = 0; i < 40 && !line; i++) {
      line = gw.child.stdout.split('\n').find((l) => l.includes('"request rejected"') && l.includes('no-such-route'));
      if (!line) await sleep(25);
    }
    assert.ok(line, `no "request rejected" line in:\n${gw.child.stdout.slice(-2000)}`);
    assert.equal(JSON.parse(line).status, 404);
  });

  it('takes a body sent without any Content-Type as JSON', opts, async () => {
    const body = JSON.stringify(chatBody('chat'));
    const request =
      `POST /v1/chat/completions HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`;
    const res = await rawExchange(gw.port, request, { timeoutMs: 5000 });
    assert.equal(rawStatus(res.text), 200, res.text.slice(0, 500));
    assert.equal(rawJsonBody(res.text).object, 'chat.completion');
  });

  it('accepts application/json with a charset parameter', opts, async () => {
    const res = await gw.post('/v1/chat/completions', JSON.stringify(chatBody('chat')), {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assertCompletionFrom(res, 'A');
  });

  it('rejects a body over limits.max_body_bytes with 413', opts, async () => {
    const body = chatBody('chat', 'x'.repeat(MAX_BODY * 3));
    const res = await gw.chat(body);
    assertOpenAIError(res, 413, { type: 'invalid_request_error' });
    await assertNoUpstreamCall();
  });

  it('accepts a body just under limits.max_body_bytes', opts, async () => {
    const text = 'y'.repeat(MAX_BODY - 200);
    const res = await gw.chat(chatBody('chat', text));
    assertCompletionFrom(res, 'A', text);
  });

  it('rejects oversize request headers with 431', opts, async () => {
    const request =
      `POST /v1/chat/completions HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\n` +
      `X-Huge: ${'h'.repeat(MAX_HEADER * 2)}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`;
    const res = await rawExchange(gw.port, request, { timeoutMs: 5000 });
    assert.equal(res.timedOut, false, `the gateway answered or closed: ${res.text.slice(0, 500)}`);
    assert.equal(rawStatus(res.text), 431, `status line: ${res.text.slice(0, 500)}`);
    const body = rawJsonBody(res.text);
    assert.ok(body?.error?.message, `OpenAI error body: ${res.text.slice(0, 1000)}`);
    await assertNoUpstreamCall();
  });

  it('keeps serving after a burst of bad requests', opts, async () => {
    await gw.post('/v1/chat/completions', '{');
    await gw.chat({ model: 7 });
    await rawExchange(gw.port, 'GARBAGE / HTTP/9.9\r\n\r\n', { timeoutMs: 3000 });
    const res = await gw.chat(chatBody('chat'));
    assertCompletionFrom(res, 'A');
  });

  it('answers an unknown path with 404', opts, async () => {
    const res = await gw.get('/v1/not-a-thing');
    assert.equal(res.status, 404, res.text);
  });
});

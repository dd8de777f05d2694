// What the gateway changes and keeps on the way through: model, body, credentials, headers;
// plus the routes listing and the health endpoints.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  HOST,
  Stack,
  TEST_TIMEOUT_MS,
  assertCompletionFrom,
  assertOpenAIError,
  chatBody,
  simReply,
  sleep,
} from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

describe('proxying', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let gw;

  before(async () => {
    [a, b] = await Promise.all([stack.sim('A'), stack.sim('B')]);
    gw = await stack.gateway(
      {
        providers: {
          a: { kind: 'openai', base_url: a.baseUrl, api_key: '${SY_IT_KEY_A}' },
          nokey: { kind: 'openai', base_url: b.baseUrl },
        },
        routes: {
          chat: { targets: ['a/gpt-upstream-1'] },
          slashy: { targets: ['a/meta-llama/Llama-3.1-8B-Instruct'] },
          open: { targets: ['nokey/local-model'] },
        },
      },
      { env: { SY_IT_KEY_A: 'sk-provider-a-secret' } },
    );
  }, opts);

  after(() => stack.stop());

  beforeEach(() => Promise.all([a.reset(), b.reset()]));

  it('answers a chat completion and names route, target and attempts in x-switchyard-* headers', opts, async () => {
    const res = await gw.chat(chatBody('chat'));
    assertCompletionFrom(res, 'A');
    assert.equal(res.headers['x-switchyard-route'], 'chat');
    assert.equal(res.headers['x-switchyard-target'], 'a/gpt-upstream-1');
    assert.equal(res.headers['x-switchyard-attempts'], '1');
  });

  it('sends the request to the provider base_url path + /chat/completions', opts, async () => {
    await gw.chat(chatBody('chat'));
    const [seen] = await a.chatRequests();
    assert.equal(seen.method, 'POST');
    assert.equal(seen.target, '/v1/chat/completions');
  });

  it('rewrites model to the upstream model and forwards every other body field unchanged', opts, async () => {
    const sent = {
      model: 'chat',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'héllo "quoted" \\ wörld ✓' },
      ],
      temperature: 0.25,
      top_p: 1,
      max_tokens: 17,
      seed: 42,
      stop: ['\n\n', 'END'],
      user: 'u-123',
      metadata: { nested: { deep: [1, 2.5, null, true, 'x'] } },
      x_vendor_extension: { any: 'thing' },
      logit_bias: { 50256: -100 },
    };
    const res = await gw.chat(sent);
    assert.equal(res.status, 200, res.text);
    const [seen] = await a.chatRequests();
    const forwarded = JSON.parse(seen.body);
    assert.equal(forwarded.model, 'gpt-upstream-1');
    for (const [key, value] of Object.entries(sent)) {
      if (key === 'model') continue;
      assert.deepEqual(forwarded[key], value, `field ${key} forwarded unchanged`);
    }
    assert.deepEqual(Object.keys(forwarded).sort(), Object.keys(sent).sort(), 'no field added or dropped');
  });

  it('keeps the rest of the body byte for byte (only the model value changes)', opts, async () => {
    const raw = '{"model":"chat","messages":[{"role":"user","content":"hi there"}],"temperature":1.50,"z":{"b":1,"a":2}}';
    const res = await gw.post('/v1/chat/completions', raw);
    assert.equal(res.status, 200, res.text);
    const [seen] = await a.chatRequests();
    assert.equal(seen.body, raw.replace('"model":"chat"', '"model":"gpt-upstream-1"'));
  });

  it('rewrites model to an upstream model that contains a slash', opts, async () => {
    const res = await gw.chat(chatBody('slashy'));
    assertCompletionFrom(res, 'A');
    assert.equal(res.headers['x-switchyard-target'], 'a/meta-llama/Llama-3.1-8B-Instruct');
    const [seen] = await a.chatRequests();
    assert.equal(JSON.parse(seen.body).model, 'meta-llama/Llama-3.1-8B-Instruct');
  });

  it("never forwards the client's Authorization and sends the provider's api_key as Bearer", opts, async () => {
    const res = await gw.chat(chatBody('chat'), {
      headers: { authorization: 'Bearer client-secret-token', 'x-api-key': 'client-secret-token' },
    });
    assert.equal(res.status, 200, res.text);
    const [seen] = await a.chatRequests();
    assert.equal(seen.headers.authorization, 'Bearer sk-provider-a-secret');
    assert.ok(!JSON.stringify(seen.headers).includes('client-secret-token'), `client secret leaked: ${JSON.stringify(seen.headers)}`);
  });

  it('sends no Authorization to a provider without an api_key', opts, async () => {
    const res = await gw.chat(chatBody('open'), { headers: { authorization: 'Bearer client-secret-token' } });
    assertCompletionFrom(res, 'B');
    const [seen] = await b.chatRequests();
    assert.equal(seen.headers.authorization, undefined, `headers: ${JSON.stringify(seen.headers)}`);
  });

  it('answers 404 for an unknown route, naming the known routes', opts, async () => {
    const res = await gw.chat(chatBody('no-such-route'));
    const err = assertOpenAIError(res, 404);
    for (const route of ['chat', 'slashy', 'open']) assert.match(err.message, new RegExp(`\\b${route}\\b`), err.message);
    assert.equal((await a.chatRequests()).length + (await b.chatRequests()).length, 0, 'no upstream was called');
  });

  it('lists the routes at GET /v1/models in the OpenAI list shape', opts, async () => {
    const res = await gw.get('/v1/models');
    assert.equal(res.status, 200, res.text);
    assert.match(String(res.headers['content-type']), /application\/json/);
    assert.equal(res.json.object, 'list');
    assert.ok(Array.isArray(res.json.data), res.text);
    assert.deepEqual(res.json.data.map((m) => m.id).sort(), ['chat', 'open', 'slashy']);
    for (const model of res.json.data) {
      assert.equal(model.object, 'model');
      assert.equal(model.owned_by, 'switchyard');
      assert.ok(Number.isInteger(model.created), `created is an integer: ${JSON.stringify(model)}`);
    }
  });

  it('retrieves one route at GET /v1/models/{id}, and 404s an unknown one', opts, async () => {
    const res = await gw.get('/v1/models/chat');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, 'chat');
    assert.equal(res.json.object, 'model');
    assert.equal((await gw.get('/v1/models/ch%61t')).status, 200, 'ids are URL-decoded');
    assertOpenAIError(await gw.get('/v1/models/nope'), 404);
  });

  it('answers GET /healthz with 200 {"status":"ok"}', opts, async () => {
    const res = await gw.get('/healthz');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { status: 'ok' });
  });

  it('answers GET /readyz with 200 {"status":"ready"} once serving', opts, async () => {
    const res = await gw.get('/readyz');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { status: 'ready' });
  });

  it('serves several requests in a row on one keep-alive connection', opts, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set();
      for (let i = 0; i < 3; i++) {
        const res = await keepAliveChat(agent, gw.port, chatBody('chat', `k${i}`));
        assert.equal(res.status, 200, res.text);
        assert.equal(JSON.parse(res.text).choices[0].message.content, simReply('A', `k${i}`));
        sockets.add(res.socket);
      }
      assert.equal(sockets.size, 1, 'the three requests shared one connection');
    } finally {
      agent.destroy();
    }
  });

  it('serves several concurrent requests across workers', opts, async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => gw.chat(chatBody('chat', `n${i}`))));
    results.forEach((res, i) => assert.equal(res.json?.choices?.[0]?.message?.content, simReply('A', `n${i}`), res.text));
    assert.equal((await a.chatRequests()).length, 8);
  });
});

// A pooled upstream connection is reused only when nothing arrived on it while it was idle: bytes an
// upstream sends past the answer it announced (a Content-Length too short, a buggy or hostile server)
// would otherwise be read as the next request's answer, which may be another client's.
describe('upstream connection reuse', { timeout: 60_000 }, () => {
  const stack = new Stack();
  let a;
  let gw;

  before(async () => {
    a = await stack.sim('A');
    // One worker: both requests use the same pool, so the second would get the first's connection.
    gw = await stack.gateway({
      workers: 1,
      providers: { a: { kind: 'openai', base_url: a.baseUrl } },
      routes: { chat: { targets: ['a/gpt-upstream-1'], retry: { max_attempts: 1 } } },
    });
  }, opts);

  after(() => stack.stop());

  it("bytes an upstream sends after its answer never become the next request's answer", opts, async () => {
    const fake = JSON.stringify({
      id: 'chatcmpl-stray',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-upstream-1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'STRAY' }, finish_reason: 'stop' }],
    });
    const stray = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(fake)}\r\n\r\n${fake}`;
    // Sent 30 ms after the answer: they arrive while the connection waits in the pool, read by no one.
    await a.setFaults([{ extra_bytes: stray, extra_bytes_after_ms: 30 }]);
    assertCompletionFrom(await gw.chat(chatBody('chat', 'first')), 'A', 'first');
    await sleep(150);
    for (let i = 0; i < 3; i++) {
      const res = await gw.chat(chatBody('chat', `next ${i}`));
      assertCompletionFrom(res, 'A', `next ${i}`);
    }
    assert.equal((await a.chatRequests()).length, 4, 'every request reached the upstream');
  });
});

// One POST through a keep-alive agent; resolves with {status, text, socket}.
function keepAliveChat(agent, port, body) {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: HOST,
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: 5000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text, socket: req.socket }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('keep-alive request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

// Governance (issue 12): client keys, admin auth, the admin keys API and its store, audit records,
// data classes, PII handling, and secrets that never leak. Black box: the gateway is the real
// binary, the upstreams are sims whose recorded requests show what left the gateway.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import {
  Stack,
  TEST_TIMEOUT_MS,
  assertCleanStreamFrom,
  assertCompletionFrom,
  chatBody,
  parseSse,
  runCli,
  simReply,
  sleep,
  streamRequest,
  toYaml,
  writeTempFile,
} from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
const bearer = (key) => ({ authorization: `Bearer ${key}` });
const xApiKey = (key) => ({ 'x-api-key': key });
const served = (res) => res.headers['x-switchyard-target'];
const sha256Hex = (text) => crypto.createHash('sha256').update(text).digest('hex');

function messagesBody(model, text = 'hi there', extra = {}) {
  return { model, max_tokens: 256, messages: [{ role: 'user', content: text }], ...extra };
}

function postMessages(gw, body, headers = {}) {
  return gw.post('/v1/messages', body, { headers: { ...ANTHROPIC, ...headers } });
}

// The text of an Anthropic stream (text_delta events).
function anthropicStreamText(raw) {
  let text = '';
  for (const ev of parseSse(raw)) {
    let obj;
    try {
      obj = JSON.parse(ev.data);
    } catch {
      continue;
    }
    if (obj?.type === 'content_block_delta' && obj.delta?.type === 'text_delta') text += obj.delta.text;
  }
  return text;
}

// POSTs (chat requests only) a sim received.
async function posts(sim) {
  return (await sim.requests()).filter((r) => r.method === 'POST');
}

// OpenAI-shape error: {"error":{"message","type","param","code","request_id"}}.
function assertOpenAIErr(res, status, type, code) {
  const where = `${res.status} ${res.text}`;
  assert.equal(res.status, status, where);
  assert.match(String(res.headers['content-type'] || ''), /application\/json/, where);
  const err = res.json?.error;
  assert.ok(err && typeof err === 'object', where);
  assert.equal(typeof err.message, 'string', where);
  assert.ok(err.message.length > 0, where);
  if (type !== undefined) assert.equal(err.type, type, where);
  if (code !== undefined) assert.equal(err.code, code, where);
  return err;
}

// The contract's 401 in the OpenAI shape, exactly.
function assertOpenAI401(res) {
  const err = assertOpenAIErr(res, 401, 'authentication_error', 'invalid_api_key');
  assert.ok('param' in err && err.param === null, `param null: ${res.text}`);
  assert.equal(typeof err.request_id, 'string', `request_id: ${res.text}`);
  assert.equal(err.request_id, res.headers['x-request-id'], `request_id matches the header: ${res.text}`);
  return err;
}

// Anthropic-shape error: {"type":"error","error":{"type","message"},"request_id"}.
function assertAnthropicErr(res, status, type) {
  const where = `${res.status} ${res.text}`;
  assert.equal(res.status, status, where);
  assert.equal(res.json?.type, 'error', where);
  assert.equal(res.json.error?.type, type, where);
  assert.equal(typeof res.json.error.message, 'string', where);
  assert.equal(typeof res.json.request_id, 'string', where);
  assert.equal(res.json.request_id, res.headers['x-request-id'], where);
  return res.json.error;
}

// The audit record of a request: written in batches every 100 ms, so polled for up to ~2.5 s.
async function auditRecord(gw, id, headers = {}) {
  const deadline = Date.now() + 2500;
  let last;
  while (Date.now() < deadline) {
    last = await gw.get(`/admin/requests/${encodeURIComponent(id)}`, { headers });
    if (last.status === 200) return last.json;
    assert.equal(last.status, 404, `GET /admin/requests/${id}: ${last.status} ${last.text}`);
    await sleep(50);
  }
  assert.fail(`no audit record for ${id} within 2.5 s: last ${last?.status} ${last?.text}`);
}

// One request to a non-loopback address of this machine (the harness only talks to 127.0.0.1).
function remoteRequest(host, port, path, { method = 'GET', headers = {}, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

function nonLoopbackIPv4() {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs || []) {
      if ((a.family === 'IPv4' || a.family === 4) && !a.internal && !a.address.startsWith('127.')) return a.address;
    }
  }
  return null;
}

// Asserts that nothing the sim received (any header, the body) holds `secret`.
async function assertNeverForwarded(sim, secret) {
  const seen = await sim.requests();
  assert.ok(seen.length > 0, `${sim.name} received something`);
  for (const r of seen) {
    for (const [name, value] of Object.entries(r.headers || {})) {
      assert.ok(!String(value).includes(secret), `header ${name} sent to ${sim.name} holds the client key: ${value}`);
    }
    assert.ok(!String(r.body || '').includes(secret), `body sent to ${sim.name} holds the client key`);
  }
}

const ALPHA = 'ck-alpha-9f2b7c1e5d8a4b3c6e0f1a2b';
const BETA = 'ck-beta-3e8d1c0b9a7f6e5d4c3b2a1f';
const DISABLED = 'ck-off-0a1b2c3d4e5f60718293a4b5';
const EXPIRED = 'ck-old-5b4a39281706f5e4d3c2b1a0';
const WRONG = 'ck-wrong-77777777777777777777777';

describe('client keys', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let x;
  let gw;

  before(async () => {
    [a, x] = await Promise.all([stack.sim('A'), stack.sim('X')]);
    gw = await stack.gateway({
      auth: { anonymous: false },
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'prov-key-a-000000' },
        x: { kind: 'anthropic', base_url: x.url, api_key: 'prov-key-x-000000' },
      },
      routes: {
        chat: { targets: ['a/model-a'], retry: { max_attempts: 1 } },
        claude: { targets: ['x/claude-x'], retry: { max_attempts: 1 } },
        secret: { targets: ['a/model-secret'], retry: { max_attempts: 1 } },
      },
      keys: {
        alpha: { key: ALPHA, routes: ['chat', 'claude'] },
        beta: { key: BETA },
        off: { key: DISABLED, enabled: false },
        old: { key: EXPIRED, expires: '2020-01-01' },
      },
    });
  }, opts);

  after(() => stack.stop());
  beforeEach(() => Promise.all([a.reset(), x.reset()]));

  it('a config key works with Authorization: Bearer and with x-api-key, in both API shapes', opts, async () => {
    assertCompletionFrom(await gw.chat(chatBody('chat'), { headers: bearer(ALPHA) }), 'A');
    assertCompletionFrom(await gw.chat(chatBody('chat'), { headers: xApiKey(ALPHA) }), 'A');
    for (const headers of [xApiKey(ALPHA), bearer(ALPHA)]) {
      const res = await postMessages(gw, messagesBody('claude'), headers);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.type, 'message', res.text);
      assert.equal(res.json.content[0].text, simReply('X'), res.text);
    }
    // A key without `routes` may use every route.
    assertCompletionFrom(await gw.chat(chatBody('secret'), { headers: bearer(BETA) }), 'A');
  });

  it('the client key is never forwarded upstream: the provider key is sent instead', opts, async () => {
    await gw.chat(chatBody('chat'), { headers: bearer(ALPHA) });
    await gw.chat(chatBody('chat'), { headers: xApiKey(ALPHA) });
    await gw.stream(chatBody('chat'), { headers: bearer(ALPHA) });
    await postMessages(gw, messagesBody('claude'), xApiKey(ALPHA));
    await postMessages(gw, messagesBody('claude'), bearer(ALPHA));
    await gw.chat(chatBody('claude'), { headers: bearer(ALPHA) }); // OpenAI client, Anthropic target
    await gw.post('/v1/messages/count_tokens', { model: 'claude', messages: [{ role: 'user', content: 'hi' }] }, {
      headers: { ...ANTHROPIC, ...xApiKey(ALPHA) },
    });
    await assertNeverForwarded(a, ALPHA);
    await assertNeverForwarded(x, ALPHA);
    const [toA] = await posts(a);
    assert.equal(toA.headers.authorization, 'Bearer prov-key-a-000000', JSON.stringify(toA.headers));
    assert.equal(toA.headers['x-api-key'], undefined, JSON.stringify(toA.headers));
    for (const r of await posts(x)) {
      assert.equal(r.headers['x-api-key'], 'prov-key-x-000000', JSON.stringify(r.headers));
      assert.equal(r.headers.authorization, undefined, JSON.stringify(r.headers));
    }
  });

  it('no key with anonymous: false -> 401 in both API shapes', opts, async () => {
    assertOpenAI401(await gw.chat(chatBody('chat')));
    assertAnthropicErr(await postMessages(gw, messagesBody('claude')), 401, 'authentication_error');
    assert.equal((await posts(a)).length + (await posts(x)).length, 0, 'nothing went upstream');
  });

  for (const [what, key] of [
    ['an unknown key', WRONG],
    ['a disabled key', DISABLED],
    ['an expired key', EXPIRED],
  ]) {
    it(`${what} -> 401 in both API shapes, on every client endpoint, and nothing goes upstream`, opts, async () => {
      assertOpenAI401(await gw.chat(chatBody('chat'), { headers: bearer(key) }));
      assertOpenAI401(await gw.chat(chatBody('chat'), { headers: xApiKey(key) }));
      const streamed = await gw.stream(chatBody('chat'), { headers: bearer(key) });
      assert.equal(streamed.status, 401, streamed.raw);
      assertAnthropicErr(await postMessages(gw, messagesBody('claude'), xApiKey(key)), 401, 'authentication_error');
      assertAnthropicErr(await postMessages(gw, messagesBody('claude'), bearer(key)), 401, 'authentication_error');
      const counted = await gw.post('/v1/messages/count_tokens', { model: 'claude', messages: [{ role: 'user', content: 'hi' }] }, {
        headers: { ...ANTHROPIC, ...xApiKey(key) },
      });
      assertAnthropicErr(counted, 401, 'authentication_error');
      const models = await gw.get('/v1/models', { headers: bearer(key) });
      assert.equal(models.status, 401, models.text);
      assert.equal((await posts(a)).length + (await posts(x)).length, 0, 'nothing went upstream');
      // The 401 never echoes the key.
      for (const res of [counted, models]) assert.ok(!res.text.includes(key), res.text);
    });
  }

  it('a key not allowed on the route -> 403 permission_error / route_not_allowed (both shapes)', opts, async () => {
    const res = await gw.chat(chatBody('secret'), { headers: bearer(ALPHA) });
    assertOpenAIErr(res, 403, 'permission_error', 'route_not_allowed');
    assert.equal(res.json.error.request_id, res.headers['x-request-id'], res.text);
    assertAnthropicErr(await postMessages(gw, messagesBody('secret'), xApiKey(ALPHA)), 403, 'permission_error');
    assert.equal((await posts(a)).length, 0, 'nothing went upstream');
  });

  it('/v1/models answers a valid key', opts, async () => {
    const models = await gw.get('/v1/models', { headers: bearer(ALPHA) });
    assert.equal(models.status, 200, models.text);
  });
});

describe('client keys: anonymous allowed (loopback default)', { timeout: 60_000 }, () => {
  const stack = new Stack();
  let a;
  let withKeys;
  let noKeys;

  before(async () => {
    a = await stack.sim('A');
    const base = {
      providers: { a: { kind: 'openai', base_url: a.baseUrl, api_key: 'prov-key-a-000000' } },
      routes: { chat: { targets: ['a/model-a'], retry: { max_attempts: 1 } } },
    };
    [withKeys, noKeys] = await Promise.all([
      stack.gateway({ ...base, keys: { alpha: { key: ALPHA } } }),
      stack.gateway(base),
    ]);
  }, opts);

  after(() => stack.stop());
  beforeEach(() => a.reset());

  it('with client keys: no key is anonymous (200), a wrong key is still 401', opts, async () => {
    assertCompletionFrom(await withKeys.chat(chatBody('chat')), 'A');
    assertOpenAI401(await withKeys.chat(chatBody('chat'), { headers: bearer('sk-dummy-client-key') }));
    assertCompletionFrom(await withKeys.chat(chatBody('chat'), { headers: bearer(ALPHA) }), 'A');
  });

  it('without any client key: SDK dummy keys are ignored (both headers, both shapes) and never forwarded', opts, async () => {
    assertCompletionFrom(await noKeys.chat(chatBody('chat'), { headers: bearer('sk-dummy-client-key') }), 'A');
    assertCompletionFrom(await noKeys.chat(chatBody('chat'), { headers: xApiKey('sk-ant-dummy') }), 'A');
    assertCompletionFrom(await noKeys.chat(chatBody('chat')), 'A');
    const res = await postMessages(noKeys, messagesBody('chat'), xApiKey('sk-ant-dummy'));
    assert.equal(res.status, 200, res.text);
    await assertNeverForwarded(a, 'sk-dummy-client-key');
    await assertNeverForwarded(a, 'sk-ant-dummy');
  });

  it('once an admin-made key exists, dummy keys are refused; deleting it lets them in again', opts, async () => {
    const created = await noKeys.post('/admin/keys', { name: 'first', routes: ['chat'] });
    assert.equal(created.status, 201, created.text);
    try {
      assertOpenAI401(await noKeys.chat(chatBody('chat'), { headers: bearer('sk-dummy-client-key') }));
      assertCompletionFrom(await noKeys.chat(chatBody('chat'), { headers: bearer(created.json.key) }), 'A');
      assertCompletionFrom(await noKeys.chat(chatBody('chat')), 'A'); // still anonymous without a key
    } finally {
      const deleted = await noKeys.request(`/admin/keys/${created.json.id}`, { method: 'DELETE' });
      assert.equal(deleted.status, 200, deleted.text);
    }
    assertCompletionFrom(await noKeys.chat(chatBody('chat'), { headers: bearer('sk-dummy-client-key') }), 'A');
  });
});

const ADMIN = 'adm-secret-4c1d9e8f7a6b5c4d3e2f1a0b';

describe('admin auth', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let base;

  before(async () => {
    a = await stack.sim('A');
    base = {
      providers: { a: { kind: 'openai', base_url: a.baseUrl } },
      routes: { chat: { targets: ['a/model-a'] } },
    };
  }, opts);

  after(() => stack.stop());

  const ADMIN_GETS = ['/admin/targets', '/admin/incidents', '/admin/keys', '/admin/requests'];

  it('with admin_keys: loopback needs the key too (401 invalid_admin_key without / with a wrong one)', opts, async () => {
    const gw = await stack.gateway({ ...base, auth: { admin_keys: [ADMIN] } });
    for (const p of ADMIN_GETS) {
      assertOpenAIErr(await gw.get(p), 401, undefined, 'invalid_admin_key');
      assertOpenAIErr(await gw.get(p, { headers: bearer('not-the-admin-key-000000') }), 401, undefined, 'invalid_admin_key');
      assertOpenAIErr(await gw.get(p, { headers: bearer(ALPHA) }), 401, undefined, 'invalid_admin_key');
      const ok = await gw.get(p, { headers: bearer(ADMIN) });
      assert.equal(ok.status, 200, `${p}: ${ok.text}`);
      const ok2 = await gw.get(p, { headers: xApiKey(ADMIN) });
      assert.equal(ok2.status, 200, `${p} with x-api-key: ${ok2.text}`);
    }
    assertOpenAIErr(await gw.post('/admin/reload', ''), 401, undefined, 'invalid_admin_key');
    assertOpenAIErr(await gw.post('/admin/keys', { name: 'x' }), 401, undefined, 'invalid_admin_key');
    const reloaded = await gw.post('/admin/reload', '', { headers: bearer(ADMIN) });
    assert.equal(reloaded.status, 200, reloaded.text);
    // The admin key is no client key... and chat still works anonymously on loopback.
    assertCompletionFrom(await gw.chat(chatBody('chat')), 'A');
  });

  it('an admin key given as sha256:<hex> works', opts, async () => {
    const gw = await stack.gateway({ ...base, auth: { admin_keys: [`sha256:${sha256Hex(ADMIN)}`] } });
    assert.equal((await gw.get('/admin/targets', { headers: bearer(ADMIN) })).status, 200);
    assertOpenAIErr(await gw.get('/admin/targets', { headers: bearer(sha256Hex(ADMIN)) }), 401, undefined, 'invalid_admin_key');
  });

  it('without admin keys: loopback clients are allowed', opts, async () => {
    const gw = await stack.gateway(base);
    for (const p of ADMIN_GETS) {
      const res = await gw.get(p);
      assert.equal(res.status, 200, `${p}: ${res.text}`);
    }
  });

  it('from a non-loopback address: refused without a key (admin_key_required / invalid_admin_key)', opts, async (t) => {
    const ip = nonLoopbackIPv4();
    if (!ip) {
      t.skip('this machine has no non-loopback IPv4 address');
      return;
    }
    // No admin keys, anonymous clients allowed explicitly (so `serve` starts on 0.0.0.0).
    const open = await stack.gateway({ ...base, listen: '0.0.0.0:0', auth: { anonymous: true } });
    const refused = await remoteRequest(ip, open.port, '/admin/targets');
    assertOpenAIErr(refused, 401, undefined, 'admin_key_required');
    const refusedKeys = await remoteRequest(ip, open.port, '/admin/keys', { headers: bearer('anything-at-all-0000') });
    assertOpenAIErr(refusedKeys, 401, undefined, 'admin_key_required');
    assert.equal((await open.get('/admin/targets')).status, 200, 'loopback still allowed');
    // With admin keys: the key is needed from there, and works.
    const keyed = await stack.gateway({ ...base, listen: '0.0.0.0:0', auth: { admin_keys: [ADMIN] } });
    assertOpenAIErr(await remoteRequest(ip, keyed.port, '/admin/targets'), 401, undefined, 'invalid_admin_key');
    assertOpenAIErr(
      await remoteRequest(ip, keyed.port, '/admin/targets', { headers: bearer('wrong-admin-key-000000') }),
      401,
      undefined,
      'invalid_admin_key',
    );
    const ok = await remoteRequest(ip, keyed.port, '/admin/targets', { headers: bearer(ADMIN) });
    assert.equal(ok.status, 200, ok.text);
  });

  it('serve refuses to start on 0.0.0.0 without credentials (exit 1, names auth.admin_keys)', opts, async () => {
    const file = writeTempFile(toYaml({ listen: '0.0.0.0:0', workers: 1, ...base }));
    const res = await runCli(['serve', '--config', file]);
    assert.equal(res.code, 1, `exit code: ${res.code}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
    assert.match(res.stderr, /auth\.admin_keys/, res.stderr);
    assert.match(res.stderr, /auth\.anonymous/, res.stderr);
  });

  for (const [what, extra] of [
    ['auth.anonymous: false', { auth: { anonymous: false } }],
    ['auth.anonymous: true', { auth: { anonymous: true } }],
    ['admin keys', { auth: { admin_keys: [ADMIN] } }],
    ['client keys', { keys: { alpha: { key: ALPHA } } }],
  ]) {
    it(`serve starts on 0.0.0.0 with ${what}`, opts, async () => {
      const gw = await stack.gateway({ ...base, listen: '0.0.0.0:0', ...extra });
      assert.equal((await gw.get('/readyz')).status, 200);
      await gw.stop();
    });
  }

  it('on 0.0.0.0 with client keys and auth.anonymous unset, keyless clients get 401 (anonymous defaults to false)', opts, async () => {
    const gw = await stack.gateway({ ...base, listen: '0.0.0.0:0', keys: { alpha: { key: ALPHA } } });
    assertOpenAI401(await gw.chat(chatBody('chat')));
    assertCompletionFrom(await gw.chat(chatBody('chat'), { headers: bearer(ALPHA) }), 'A');
    await gw.stop();
  });
});

describe('admin keys API', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let gw;
  const admin = { headers: bearer(ADMIN) };
  const adminReq = (p, method, body) => gw.request(p, { method, body, headers: bearer(ADMIN) });

  before(async () => {
    a = await stack.sim('A');
    gw = await stack.gateway({
      workers: 2,
      auth: { admin_keys: [ADMIN] },
      data_classes: { phi: { requires: ['hipaa_baa'] } },
      providers: { a: { kind: 'openai', base_url: a.baseUrl, compliance: ['hipaa_baa'] } },
      routes: {
        chat: { targets: ['a/model-a'], retry: { max_attempts: 1 } },
        other: { targets: ['a/model-o'], retry: { max_attempts: 1 } },
      },
      keys: { cfg: { key: ALPHA } },
    });
  }, opts);

  after(() => stack.stop());
  beforeEach(() => a.reset());

  async function createKey(body) {
    const res = await adminReq('/admin/keys', 'POST', body);
    assert.equal(res.status, 201, res.text);
    return res.json;
  }

  // Several requests, each on its own connection: with two workers both see the change.
  async function statuses(key, route = 'chat', n = 8) {
    const out = [];
    for (let i = 0; i < n; i++) out.push((await gw.chat(chatBody(route), { headers: bearer(key) })).status);
    return out;
  }

  it('POST creates a key: the secret is shown once and works at once on every worker', opts, async () => {
    const k = await createKey({ name: 'team-x', routes: ['chat'] });
    assert.match(k.id, /^key_[0-9a-f]{16}$/);
    assert.match(k.key, /^sy-[0-9a-f]{48}$/);
    assert.equal(k.name, 'team-x');
    assert.deepEqual(k.routes, ['chat']);
    assert.deepEqual(k.data_classes, []);
    assert.ok('pii' in k && 'expires_at' in k, JSON.stringify(k));
    assert.equal(k.expires_at, null);
    assert.equal(k.enabled, true);
    assert.equal(k.source, 'admin');
    assert.equal(typeof k.created_at, 'number');
    assert.ok(Math.abs(k.created_at - Date.now() / 1000) < 120, `created_at in unix seconds: ${k.created_at}`);
    assert.deepEqual(await statuses(k.key), Array(8).fill(200));
    assert.deepEqual(await statuses(k.key, 'other', 4), Array(4).fill(403));
    // Other fields: data_class as a string, pii shorthand, expires_at as a date.
    const k2 = await createKey({ name: 'phi-team', data_class: 'phi', pii: 'audit', expires_at: '2099-01-01' });
    assert.deepEqual(k2.data_classes, ['phi']);
    assert.ok(k2.pii === 'audit' || k2.pii?.action === 'audit', `pii: ${JSON.stringify(k2.pii)}`);
    assert.equal(k2.expires_at, Date.UTC(2099, 0, 1) / 1000);
    const k3 = await createKey({ name: 'multi', data_classes: ['phi'], expires_at: 4102444800 });
    assert.deepEqual(k3.data_classes, ['phi']);
    assert.equal(k3.expires_at, 4102444800);
    assert.notEqual(k3.key, k2.key);
    assert.notEqual(k3.id, k2.id);
  });

  it('GET lists config and admin keys, never a secret or its hash', opts, async () => {
    const k = await createKey({ name: 'listed', routes: ['chat', 'other'] });
    const res = await gw.get('/admin/keys', admin);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.object, 'list');
    const cfg = res.json.data.find((d) => d.id === 'cfg');
    assert.ok(cfg, res.text);
    assert.equal(cfg.source, 'config');
    assert.equal(cfg.name, 'cfg');
    const listed = res.json.data.find((d) => d.id === k.id);
    assert.ok(listed, res.text);
    assert.equal(listed.source, 'admin');
    assert.equal(listed.name, 'listed');
    assert.deepEqual(listed.routes, ['chat', 'other']);
    for (const entry of res.json.data) assert.ok(!('key' in entry), `no "key" field: ${JSON.stringify(entry)}`);
    for (const secret of [k.key, ALPHA, ADMIN]) {
      assert.ok(!res.text.includes(secret), 'no secret in the listing');
      assert.ok(!res.text.toLowerCase().includes(sha256Hex(secret)), 'no secret hash in the listing');
    }
    assertOpenAIErr(await gw.get('/admin/keys'), 401, undefined, 'invalid_admin_key');
  });

  it('PATCH enabled:false -> 401 at once; enabled:true -> works; expires_at in the past -> 401', opts, async () => {
    const k = await createKey({ name: 'toggled', routes: ['chat'] });
    assert.deepEqual(await statuses(k.key, 'chat', 2), [200, 200]);
    const off = await adminReq(`/admin/keys/${k.id}`, 'PATCH', { enabled: false });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.enabled, false);
    assert.equal(off.json.id, k.id);
    assert.ok(!('key' in off.json), off.text);
    assert.deepEqual(await statuses(k.key), Array(8).fill(401));
    assertOpenAI401(await gw.chat(chatBody('chat'), { headers: bearer(k.key) }));
    const on = await adminReq(`/admin/keys/${k.id}`, 'PATCH', { enabled: true });
    assert.equal(on.status, 200, on.text);
    assert.deepEqual(await statuses(k.key), Array(8).fill(200));
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = await adminReq(`/admin/keys/${k.id}`, 'PATCH', { expires_at: past });
    assert.equal(expired.status, 200, expired.text);
    assert.equal(expired.json.expires_at, past);
    assert.deepEqual(await statuses(k.key), Array(8).fill(401));
  });

  it('DELETE -> 401 at once; 404 for unknown ids, 409 for config keys, 400 for unknown routes/classes', opts, async () => {
    const k = await createKey({ name: 'doomed' });
    assert.deepEqual(await statuses(k.key, 'chat', 2), [200, 200]);
    const del = await adminReq(`/admin/keys/${k.id}`, 'DELETE');
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.json, { id: k.id, deleted: true });
    assert.deepEqual(await statuses(k.key), Array(8).fill(401));
    assert.equal((await adminReq(`/admin/keys/${k.id}`, 'DELETE')).status, 404);
    assert.equal((await adminReq('/admin/keys/key_0000000000000000', 'PATCH', { enabled: false })).status, 404);
    assert.equal((await adminReq('/admin/keys/cfg', 'DELETE')).status, 409);
    assert.equal((await adminReq('/admin/keys/cfg', 'PATCH', { enabled: false })).status, 409);
    assertCompletionFrom(await gw.chat(chatBody('chat'), { headers: bearer(ALPHA) }), 'A');
    const listed = (await gw.get('/admin/keys', admin)).json.data;
    assert.ok(!listed.some((d) => d.id === k.id), 'the deleted key is gone from the list');
    for (const body of [
      { name: 'bad-route', routes: ['no-such-route'] },
      { name: 'bad-class', data_class: 'no-such-class' },
      { name: 'bad-class2', data_classes: ['phi', 'no-such-class'] },
    ]) {
      const res = await adminReq('/admin/keys', 'POST', body);
      assertOpenAIErr(res, 400);
      assert.ok(!('key' in (res.json || {})), res.text);
    }
  });

  it('keys survive kill -9 and a restart on the same config file (same store)', opts, async () => {
    const kept = await createKey({ name: 'kept', routes: ['chat'] });
    const disabled = await createKey({ name: 'disabled' });
    const removed = await createKey({ name: 'removed' });
    assert.equal((await adminReq(`/admin/keys/${disabled.id}`, 'PATCH', { enabled: false })).status, 200);
    assert.equal((await adminReq(`/admin/keys/${removed.id}`, 'DELETE')).status, 200);
    const pid = gw.child.pid;
    process.kill(pid, 'SIGKILL');
    const exit = await gw.child.exited;
    assert.equal(exit.signal, 'SIGKILL');
    gw = await stack.restart(gw);
    assertCompletionFrom(await gw.chat(chatBody('chat'), { headers: bearer(kept.key) }), 'A');
    assert.equal((await gw.chat(chatBody('other'), { headers: bearer(kept.key) })).status, 403);
    assertOpenAI401(await gw.chat(chatBody('chat'), { headers: bearer(disabled.key) }));
    assertOpenAI401(await gw.chat(chatBody('chat'), { headers: bearer(removed.key) }));
    const listed = (await gw.get('/admin/keys', admin)).json.data;
    const again = listed.find((d) => d.id === kept.id);
    assert.ok(again, JSON.stringify(listed));
    assert.equal(again.name, 'kept');
    assert.deepEqual(again.routes, ['chat']);
    assert.equal(again.created_at, kept.created_at);
    assert.equal(listed.find((d) => d.id === disabled.id)?.enabled, false);
    assert.ok(!listed.some((d) => d.id === removed.id));
  });
});

describe('audit records', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let gw;

  before(async () => {
    [a, b] = await Promise.all([stack.sim('A'), stack.sim('B')]);
    gw = await stack.gateway({
      providers: { a: { kind: 'openai', base_url: a.baseUrl }, b: { kind: 'openai', base_url: b.baseUrl } },
      routes: {
        pair: { targets: ['a/model-a', 'b/model-b'], retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '20ms' } },
        solo: { targets: ['a/model-s'], retry: { max_attempts: 1 } },
      },
      keys: { auditor: { key: ALPHA } },
    });
  }, opts);

  after(() => stack.stop());
  beforeEach(() => Promise.all([a.reset(), b.reset()]));

  it('a served request: every field of the record', opts, async () => {
    const before = Date.now();
    const res = await gw.chat(chatBody('pair'), { headers: bearer(ALPHA) });
    assertCompletionFrom(res, 'A');
    const id = res.headers['x-request-id'];
    assert.ok(id, 'x-request-id header');
    const r = await auditRecord(gw, id);
    assert.equal(r.request_id, id);
    assert.equal(typeof r.time_ms, 'number');
    assert.ok(r.time_ms >= before - 5000 && r.time_ms <= Date.now() + 5000, `time_ms: ${r.time_ms}`);
    assert.equal(r.api, 'openai');
    assert.equal(typeof r.endpoint, 'string');
    assert.equal(r.key_id, 'auditor');
    assert.equal(r.route, 'pair');
    assert.equal(r.stream, false);
    assert.equal(r.status, 200);
    assert.equal(r.outcome, 'ok');
    assert.equal(r.attempts, 1);
    assert.equal(r.served_by, 'a/model-a');
    assert.equal(r.continued_by, null);
    assert.equal(typeof r.latency_ms, 'number');
    assert.ok(r.latency_ms >= 0);
    assert.deepEqual(r.data_classes, []);
    assert.equal(r.pii, null);
    assert.equal(r.targets.length, 1, JSON.stringify(r.targets));
    const { usage, cost_usd: cost, ...verdict } = r.targets[0];
    assert.deepEqual(verdict, { target: 'a/model-a', verdict: 'tried', attempt: 1, result: 'ok', status: 200 });
    assert.equal(typeof usage.input_tokens, 'number', 'the attempt records the provider usage');
    assert.equal(typeof cost, 'number');
    assert.equal(typeof r.cost_usd, 'number');
    assert.equal(r.tokens, usage.input_tokens + usage.output_tokens);
    assert.ok(!JSON.stringify(r).includes(ALPHA), 'the key secret is not in the record');
  });

  it('failover, anonymous, a client-chosen id, a stream and the Anthropic API', opts, async () => {
    await a.setFaults([{ status: 503 }]);
    const res = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': 'audit-failover-1' } });
    assertCompletionFrom(res, 'B');
    assert.equal(res.headers['x-request-id'], 'audit-failover-1');
    const r = await auditRecord(gw, 'audit-failover-1');
    assert.equal(r.key_id, null);
    assert.equal(r.outcome, 'failed_over');
    assert.equal(r.attempts, 2);
    assert.equal(r.served_by, 'b/model-b');
    assert.equal(r.targets.length, 2, JSON.stringify(r.targets));
    assert.equal(r.targets[0].target, 'a/model-a');
    assert.equal(r.targets[0].verdict, 'tried');
    assert.equal(r.targets[0].attempt, 1);
    assert.equal(r.targets[0].status, 503);
    assert.notEqual(r.targets[0].result, 'ok');
    assert.equal(typeof r.targets[0].result, 'string');
    const { usage: servedUsage, cost_usd: servedCost, ...served } = r.targets[1];
    assert.deepEqual(served, { target: 'b/model-b', verdict: 'tried', attempt: 2, result: 'ok', status: 200 });
    assert.ok(servedUsage && typeof servedCost === 'number', JSON.stringify(r.targets[1]));

    const s = await gw.stream(chatBody('pair'), { headers: { ...bearer(ALPHA), 'x-request-id': 'audit-stream-1' } });
    assertCleanStreamFrom(s, 'A');
    const rs = await auditRecord(gw, 'audit-stream-1');
    assert.equal(rs.stream, true);
    assert.equal(rs.outcome, 'ok');
    assert.equal(rs.status, 200);

    const m = await postMessages(gw, messagesBody('pair'), { ...xApiKey(ALPHA), 'x-request-id': 'audit-anthropic-1' });
    assert.equal(m.status, 200, m.text);
    const rm = await auditRecord(gw, 'audit-anthropic-1');
    assert.equal(rm.api, 'anthropic');
    assert.equal(rm.key_id, 'auditor');
    assert.notEqual(rm.endpoint, r.endpoint, 'the endpoint tells the APIs apart');
  });

  it('a failed request and a client error are recorded with their outcome', opts, async () => {
    await a.setFaults([{ status: 503 }], { loop: true });
    const failed = await gw.chat(chatBody('solo'), { headers: { 'x-request-id': 'audit-failed-1' } });
    await a.clearFaults();
    assert.equal(failed.status, 503, failed.text);
    const rf = await auditRecord(gw, 'audit-failed-1');
    assert.equal(rf.outcome, 'failed');
    assert.equal(rf.status, 503);
    assert.equal(rf.served_by, null);
    await a.setFaults([{ status: 400, body: JSON.stringify({ error: { message: 'bad', type: 'invalid_request_error' } }) }]);
    const bad = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': 'audit-client-error-1' } });
    assert.equal(bad.status, 400, bad.text);
    const rc = await auditRecord(gw, 'audit-client-error-1');
    assert.equal(rc.outcome, 'client_error');
    assert.equal(rc.status, 400);
    await a.clearFaults();
  });

  it('GET /admin/requests filters by route, outcome, key, since and limit, newest first', opts, async () => {
    await a.setFaults([{ status: 503 }]);
    const fo = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': 'list-failover' } });
    assert.equal(fo.status, 200);
    for (let i = 0; i < 3; i++) {
      assert.equal((await gw.chat(chatBody('solo'), { headers: { ...bearer(ALPHA), 'x-request-id': `list-solo-${i}` } })).status, 200);
    }
    await auditRecord(gw, 'list-solo-2');
    await auditRecord(gw, 'list-failover');

    const solo = await gw.get('/admin/requests?route=solo&limit=2');
    assert.equal(solo.status, 200, solo.text);
    assert.equal(solo.json.object, 'list');
    assert.equal(solo.json.data.length, 2, solo.text);
    assert.deepEqual(
      solo.json.data.map((d) => d.request_id),
      ['list-solo-2', 'list-solo-1'],
      'newest first, limited to 2',
    );
    for (const d of solo.json.data) assert.equal(d.route, 'solo');

    const all = (await gw.get('/admin/requests?limit=1000')).json.data;
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].time_ms >= all[i].time_ms, 'newest first');

    const failedOver = (await gw.get('/admin/requests?outcome=failed_over')).json.data;
    assert.ok(failedOver.some((d) => d.request_id === 'list-failover'));
    for (const d of failedOver) assert.equal(d.outcome, 'failed_over');

    const byKey = (await gw.get('/admin/requests?key=auditor&route=solo')).json.data;
    assert.ok(byKey.length >= 3);
    for (const d of byKey) assert.equal(d.key_id, 'auditor');

    const recent = (await gw.get('/admin/requests?since=1h&route=solo')).json.data;
    assert.ok(recent.some((d) => d.request_id === 'list-solo-0'));
    const future = Math.floor(Date.now() / 1000) + 3600;
    assert.deepEqual((await gw.get(`/admin/requests?since=${future}`)).json.data, []);
    assert.deepEqual((await gw.get('/admin/requests?route=no-such-route')).json.data, []);
    assert.equal((await gw.get('/admin/requests/no-such-request-id')).status, 404);
  });
});

describe('data classes', { timeout: 180_000 }, () => {
  const stack = new Stack();
  const sims = {};
  let gw;
  const ALL = ['N', 'H', 'E', 'HE'];

  before(async () => {
    const started = await Promise.all(ALL.map((n) => stack.sim(n)));
    ALL.forEach((n, i) => (sims[n] = started[i]));
    const retry = { max_attempts: 3, backoff_base: '10ms', backoff_max: '20ms' };
    gw = await stack.gateway({
      data_classes: {
        phi: { requires: ['hipaa_baa'] },
        eu: { labels: { region: ['eu-west-1', 'eu-central-1'] } },
      },
      providers: {
        n: { kind: 'openai', base_url: sims.N.baseUrl, labels: { region: 'us-east-1' } },
        h: { kind: 'openai', base_url: sims.H.baseUrl, compliance: ['hipaa_baa'], labels: { region: 'us-east-1' } },
        e: { kind: 'openai', base_url: sims.E.baseUrl, labels: { region: 'eu-west-1' } },
        he: { kind: 'anthropic', base_url: sims.HE.url, compliance: ['hipaa_baa'], labels: { region: 'eu-central-1' } },
      },
      routes: {
        phi: { targets: ['n/m', 'h/m'], data_class: 'phi', retry },
        phi_none: { targets: ['n/m', 'e/m'], data_class: 'phi', retry },
        open: { targets: ['n/m', 'h/m', 'e/m'], retry },
        baa_pair: { targets: ['h/m', 'he/m'], data_class: 'phi', retry },
        hedged: {
          targets: ['h/m', 'n/m', 'he/m'],
          data_class: 'phi',
          retry,
          hedge: { delay: '50ms', max_ratio: 1 },
          timeouts: { attempt: '4s', first_token: '4s', total: '10s' },
        },
      },
      keys: {
        phikey: { key: ALPHA, data_class: 'phi' },
        plain: { key: BETA },
      },
    });
  }, opts);

  after(() => stack.stop());
  beforeEach(() => Promise.all(ALL.map((n) => sims[n].reset())));

  async function neverContacted(...names) {
    for (const n of names) assert.deepEqual(await posts(sims[n]), [], `${n} must never be contacted`);
  }

  it('a phi route skips the primary without hipaa_baa: served by the BAA target; audit says skipped_policy', opts, async () => {
    const res = await gw.chat(chatBody('phi'), { headers: bearer(BETA) });
    assertCompletionFrom(res, 'H');
    assert.equal(served(res), 'h/m');
    const s = await gw.stream(chatBody('phi'), { headers: bearer(BETA) });
    assertCleanStreamFrom(s, 'H');
    const m = await postMessages(gw, messagesBody('phi'), xApiKey(BETA));
    assert.equal(m.status, 200, m.text);
    await neverContacted('N');
    const r = await auditRecord(gw, res.headers['x-request-id']);
    assert.deepEqual(r.data_classes, [{ class: 'phi', source: 'route' }]);
    const skipped = r.targets.find((t) => t.target === 'n/m');
    assert.ok(skipped, JSON.stringify(r.targets));
    assert.equal(skipped.verdict, 'skipped_policy');
    assert.equal(r.served_by, 'h/m');
  });

  it('the BAA target fails with 503: the primary is still never contacted; 503 allowed_targets_failed', opts, async () => {
    await sims.H.setFaults([{ status: 503 }], { loop: true });
    for (const stream of [false, true]) {
      const res = stream
        ? await gw.stream(chatBody('phi'), { headers: bearer(BETA) })
        : await gw.chat(chatBody('phi'), { headers: bearer(BETA) });
      const json = stream ? JSON.parse(res.raw) : res.json;
      const where = `${res.status} ${stream ? res.raw : res.text}`;
      assert.equal(res.status, 503, where);
      assert.equal(json.error.code, 'allowed_targets_failed', where);
      assert.match(
        json.error.message,
        /every target allowed for data class 'phi' failed \(1 of 2 targets excluded by policy, not contacted\)/,
        where,
      );
      assert.equal(res.headers['x-switchyard-policy-excluded'], '1', where);
    }
    const m = await postMessages(gw, messagesBody('phi'), xApiKey(BETA));
    assert.equal(m.status, 503, m.text);
    assert.equal(m.json.type, 'error', m.text);
    assert.match(m.json.error.message, /phi/);
    assert.match(m.json.error.message, /1 of 2 targets excluded by policy/);
    assert.ok((await posts(sims.H)).length >= 3, 'H was tried');
    await neverContacted('N');
  });

  it('no allowed target: 403 data_class_unroutable naming the class and the excluded count', opts, async () => {
    const res = await gw.chat(chatBody('phi_none'));
    assertOpenAIErr(res, 403, undefined, 'data_class_unroutable');
    assert.match(res.json.error.message, /phi/);
    assert.match(res.json.error.message, /2 of 2 targets excluded by policy/);
    assert.equal(res.headers['x-switchyard-policy-excluded'], '2');
    const s = await gw.stream(chatBody('phi_none'));
    assert.equal(s.status, 403, s.raw);
    const m = await postMessages(gw, messagesBody('phi_none'));
    assert.equal(m.status, 403, m.text);
    assert.equal(m.json.type, 'error');
    assert.match(m.json.error.message, /2 of 2 targets excluded by policy/);
    await neverContacted('N', 'E');
    const r = await auditRecord(gw, res.headers['x-request-id']);
    assert.equal(r.outcome, 'refused');
    assert.equal(r.status, 403);
  });

  it('the x-switchyard-data-class header adds classes; an unknown one -> 400 unknown_data_class', opts, async () => {
    assertCompletionFrom(await gw.chat(chatBody('open')), 'N');
    const phi = await gw.chat(chatBody('open'), { headers: { 'x-switchyard-data-class': 'phi' } });
    assertCompletionFrom(phi, 'H');
    const eu = await gw.chat(chatBody('open'), { headers: { 'x-switchyard-data-class': 'eu' } });
    assertCompletionFrom(eu, 'E');
    const both = await gw.chat(chatBody('open'), { headers: { 'x-switchyard-data-class': 'phi,eu' } });
    assertOpenAIErr(both, 403, undefined, 'data_class_unroutable');
    assert.equal(both.headers['x-switchyard-policy-excluded'], '3');
    const r = await auditRecord(gw, phi.headers['x-request-id']);
    assert.deepEqual(r.data_classes, [{ class: 'phi', source: 'header' }]);
    await sims.N.reset();
    const unknown = await gw.chat(chatBody('open'), { headers: { 'x-switchyard-data-class': 'phi,nonsense' } });
    assertOpenAIErr(unknown, 400, undefined, 'unknown_data_class');
    const unknownM = await postMessages(gw, messagesBody('open'), { 'x-switchyard-data-class': 'nonsense' });
    assert.equal(unknownM.status, 400, unknownM.text);
    await neverContacted('N');
    // On a phi route, the header can only add: eu too leaves only he, which is not on this route.
    const phiEu = await gw.chat(chatBody('baa_pair'), { headers: { 'x-switchyard-data-class': 'eu' } });
    assertCompletionFrom(phiEu, 'HE');
    assert.equal(served(phiEu), 'he/m');
  });

  it("a key's data_class applies to every route it uses", opts, async () => {
    const res = await gw.chat(chatBody('open'), { headers: bearer(ALPHA) });
    assertCompletionFrom(res, 'H');
    await neverContacted('N', 'E');
    const r = await auditRecord(gw, res.headers['x-request-id']);
    assert.deepEqual(r.data_classes, [{ class: 'phi', source: 'key' }]);
    assert.equal(r.key_id, 'phikey');
    const none = await gw.chat(chatBody('phi_none'), { headers: bearer(ALPHA) });
    assert.equal(none.status, 403, none.text);
  });

  it('hedging never hedges onto an excluded target', opts, async () => {
    await sims.H.setFaults([{ delay_ms: 400 }]);
    const res = await gw.chat(chatBody('hedged'));
    assert.equal(res.status, 200, res.text);
    assert.ok(['h/m', 'he/m'].includes(served(res)), served(res));
    assert.equal((await posts(sims.HE)).length, 1, 'the hedge went to the next allowed target, he/m');
    await sims.H.setFaults([{ delay_ms: 400, status: 503 }, { status: 503 }]);
    await sims.HE.setFaults([{ delay_ms: 300, status: 503 }, { status: 503 }], { loop: true });
    const failed = await gw.chat(chatBody('hedged'));
    assert.equal(failed.status, 503, failed.text);
    assert.equal(failed.json.error.code, 'allowed_targets_failed', failed.text);
    await neverContacted('N');
  });

  it('a content-policy 400 from the primary reaches the client; the secondary is not contacted', opts, async () => {
    const body = JSON.stringify({
      error: {
        message: 'This request was rejected by our content policy.',
        type: 'invalid_request_error',
        param: null,
        code: 'content_policy_violation',
      },
    });
    await sims.H.setFaults([{ status: 400, body }]);
    const res = await gw.chat(chatBody('baa_pair'), { headers: bearer(BETA) });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.text, body);
    assert.equal((await posts(sims.H)).length, 1);
    await neverContacted('HE', 'N');
  });

  it('a stream cut mid-way on the only allowed target is not continued on an excluded one', opts, async () => {
    await sims.H.setFaults([{ truncate_after: 2 }]);
    const res = await gw.stream(chatBody('phi', 'one two three four five six seven eight'), {
      headers: { 'x-request-id': 'phi-cut-1' },
    });
    assert.equal(res.status, 200, res.raw);
    assert.ok(res.errors.length >= 1, `an honest error event: ${res.raw}`);
    assert.ok(simReply('H', 'one two three four five six seven eight').startsWith(res.content), res.raw);
    await neverContacted('N');
    const r = await auditRecord(gw, 'phi-cut-1');
    assert.equal(r.continued_by, null);
    assert.ok(!r.targets.some((t) => t.target === 'n/m' && t.verdict === 'tried'), JSON.stringify(r.targets));
  });

  it('count_tokens never asks an excluded target', opts, async () => {
    const res = await gw.post('/v1/messages/count_tokens', { model: 'phi', messages: [{ role: 'user', content: 'hello there' }] }, {
      headers: ANTHROPIC,
    });
    assert.equal(res.status, 200, res.text);
    await neverContacted('N');
  });
});

describe('data classes with breakers', { timeout: 60_000 }, () => {
  const stack = new Stack();
  let n;
  let h;
  let gw;

  before(async () => {
    [n, h] = await Promise.all([stack.sim('N'), stack.sim('H')]);
    gw = await stack.gateway({
      resilience: {
        breaker: { consecutive_failures: 1, min_requests: 1000, open: '60s', open_max: '60s' },
        retry_budget: { min_per_second: 1000000 },
      },
      data_classes: { phi: { requires: ['hipaa_baa'] } },
      providers: {
        n: { kind: 'openai', base_url: n.baseUrl },
        h: { kind: 'openai', base_url: h.baseUrl, compliance: ['hipaa_baa'] },
      },
      routes: { phi: { targets: ['n/m', 'h/m'], data_class: 'phi', retry: { max_attempts: 3, backoff_base: '10ms', backoff_max: '20ms' } } },
    });
  }, opts);

  after(() => stack.stop());

  it("the only allowed target's breaker is open: the forced attempt goes to it, never to the excluded one", opts, async () => {
    await h.setFaults([{ status: 503 }], { loop: true });
    for (let i = 0; i < 4; i++) {
      const res = await gw.chat(chatBody('phi'));
      assertOpenAIErr(res, 503, undefined, 'allowed_targets_failed');
      assert.equal(res.headers['x-switchyard-policy-excluded'], '1');
    }
    await h.clearFaults();
    const res = await gw.chat(chatBody('phi'));
    assert.ok(
      (res.status === 200 && served(res) === 'h/m') || res.json?.error?.code === 'allowed_targets_failed',
      `${res.status} ${res.text}`,
    );
    assert.deepEqual(await posts(n), [], 'N must never be contacted');
  });
});

describe('PII', { timeout: 180_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let gw;
  const EMAIL = 'bob.smith@example.org';
  const EMAIL2 = 'carol.jones@example.net';
  const CARD = '4111 1111 1111 1111';

  before(async () => {
    [a, b] = await Promise.all([stack.sim('A'), stack.sim('B')]);
    const retry = { max_attempts: 2, backoff_base: '10ms', backoff_max: '20ms' };
    gw = await stack.gateway({
      data_classes: { pii: { requires: ['pii_ok'] } },
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl },
        b: { kind: 'openai', base_url: b.baseUrl, compliance: ['pii_ok'] },
        x: { kind: 'anthropic', base_url: a.url },
      },
      routes: {
        block: { targets: ['a/m'], pii: { action: 'block' }, retry },
        redact: {
          targets: ['a/m'],
          pii: { action: 'redact', patterns: { employee_id: 'EMP-[0-9]{6}' } },
          retry,
        },
        redact_x: { targets: ['x/claude'], pii: { action: 'redact' }, retry },
        escalate: { targets: ['a/m', 'b/m'], pii: { action: 'escalate' }, retry },
        audit: { targets: ['a/m'], pii: { action: 'audit' }, retry },
        plain: { targets: ['a/m'], retry },
      },
      keys: { redactor: { key: ALPHA, pii: { action: 'redact' } } },
    });
  }, opts);

  after(() => stack.stop());
  beforeEach(() => Promise.all([a.reset(), b.reset()]));

  async function upstreamBodies(sim) {
    return (await posts(sim)).map((r) => r.body);
  }

  it('block: 400 pii_detected naming the kinds, never the values; nothing goes upstream', opts, async () => {
    const text = `write to ${EMAIL} and charge ${CARD}`;
    const res = await gw.chat(chatBody('block', text));
    const err = assertOpenAIErr(res, 400, undefined, 'pii_detected');
    assert.match(err.message, /email/);
    assert.match(err.message, /card/);
    // Forms of the values that could leak; not a bare '4111', which a random request id may contain.
    const leaks = [EMAIL, 'bob.smith', CARD, CARD.replaceAll(' ', ''), '4111 1111'];
    for (const value of leaks) assert.ok(!res.text.includes(value), `no value in: ${res.text}`);
    const m = await postMessages(gw, messagesBody('block', text));
    assert.equal(m.status, 400, m.text);
    assert.equal(m.json.type, 'error', m.text);
    for (const value of leaks) assert.ok(!m.text.includes(value), `no value in: ${m.text}`);
    assert.deepEqual(await posts(a), []);
    // Text without PII passes.
    assertCompletionFrom(await gw.chat(chatBody('block', 'nothing personal here')), 'A', 'nothing personal here');
  });

  it('redact: the upstream gets [EMAIL_1]-style placeholders, the client gets the values back', opts, async () => {
    const text = `mail ${EMAIL} and ${EMAIL2}, again ${EMAIL}, employee EMP-123456`;
    const res = await gw.chat(chatBody('redact', text));
    assertCompletionFrom(res, 'A', text);
    const [sent] = await upstreamBodies(a);
    const content = JSON.parse(sent).messages[0].content;
    assert.equal(content, 'mail [EMAIL_1] and [EMAIL_2], again [EMAIL_1], employee [EMPLOYEE_ID_1]', sent);
    for (const value of [EMAIL, EMAIL2, 'EMP-123456']) assert.ok(!sent.includes(value), sent);
    const r = await auditRecord(gw, res.headers['x-request-id']);
    assert.equal(r.pii.action, 'redact');
    assert.equal(r.pii.redacted, true);
    assert.equal(r.pii.found.email, 3);
    assert.equal(r.pii.found.employee_id, 1);
    assert.ok(!JSON.stringify(r).includes(EMAIL), 'the audit record holds no value');
  });

  it('redact in a stream: the upstream gets placeholders, the client the values', opts, async () => {
    const text = `please reach ${EMAIL} or ${EMAIL2} today`;
    const res = await gw.stream(chatBody('redact', text));
    assertCleanStreamFrom(res, 'A', text);
    const bodies = await upstreamBodies(a);
    assert.equal(bodies.length, 1);
    assert.ok(bodies[0].includes('[EMAIL_1]') && bodies[0].includes('[EMAIL_2]'), bodies[0]);
    assert.ok(!bodies[0].includes(EMAIL) && !bodies[0].includes(EMAIL2), bodies[0]);
  });

  it('redact through the Anthropic API and an Anthropic target, stream and not', opts, async () => {
    const text = `contact ${EMAIL} now`;
    const res = await postMessages(gw, messagesBody('redact_x', text));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.content[0].text, simReply('A', text), res.text);
    const s = await streamRequest(`${gw.url}/v1/messages`, {
      headers: ANTHROPIC,
      body: messagesBody('redact_x', text, { stream: true }),
    });
    assert.equal(s.status, 200, s.raw);
    assert.equal(anthropicStreamText(s.raw), simReply('A', text), s.raw);
    const bodies = await upstreamBodies(a);
    assert.equal(bodies.length, 2);
    for (const body of bodies) {
      assert.ok(body.includes('[EMAIL_1]'), body);
      assert.ok(!body.includes(EMAIL), body);
    }
  });

  it("a key's pii action applies on a route without one", opts, async () => {
    const text = `note ${EMAIL}`;
    const res = await gw.chat(chatBody('plain', text), { headers: bearer(ALPHA) });
    assertCompletionFrom(res, 'A', text);
    const [sent] = await upstreamBodies(a);
    assert.ok(sent.includes('[EMAIL_1]') && !sent.includes(EMAIL), sent);
  });

  it('escalate: a request with PII goes only to the target cleared for class pii', opts, async () => {
    const text = `ssn 123-45-6789 for ${EMAIL}`;
    const res = await gw.chat(chatBody('escalate', text));
    assertCompletionFrom(res, 'B', text);
    assert.equal(served(res), 'b/m');
    assert.deepEqual(await posts(a), []);
    const r = await auditRecord(gw, res.headers['x-request-id']);
    assert.ok(r.data_classes.some((c) => c.class === 'pii' && c.source === 'pii'), JSON.stringify(r.data_classes));
    await b.setFaults([{ status: 503 }], { loop: true });
    const failed = await gw.chat(chatBody('escalate', text));
    assertOpenAIErr(failed, 503, undefined, 'allowed_targets_failed');
    assert.deepEqual(await posts(a), [], 'never to A, even when B fails');
    await b.clearFaults();
    // Without PII the first target serves.
    const clean = await gw.chat(chatBody('escalate', 'nothing personal'));
    assertCompletionFrom(clean, 'A', 'nothing personal');
  });

  it('audit: forwarded unchanged; the audit record counts what was found', opts, async () => {
    const text = `mail ${EMAIL} about ${CARD}`;
    const res = await gw.chat(chatBody('audit', text));
    assertCompletionFrom(res, 'A', text);
    const [sent] = await upstreamBodies(a);
    assert.equal(JSON.parse(sent).messages[0].content, text);
    const r = await auditRecord(gw, res.headers['x-request-id']);
    assert.equal(r.pii.action, 'audit');
    assert.deepEqual(r.pii.found, { email: 1, card: 1 });
    assert.equal(r.pii.redacted, false);
    assert.ok(!JSON.stringify(r).includes(EMAIL), 'the audit record holds no value');
  });
});

describe('canaries: secrets never leak', { timeout: 120_000 }, () => {
  const stack = new Stack();
  const PROV = 'CANARYPROV7f3a9e1c0b5d';
  const CLIENT = 'CANARYCLIENT2b8c4d6e0f1a';
  const ADMINC = 'CANARYADMIN5e6f7a8b9c0d';
  const EMAIL = 'canary.person@canary-mail.example';
  const canaries = [PROV, CLIENT, ADMINC, EMAIL, 'canary.person', sha256Hex(CLIENT), sha256Hex(ADMINC)];
  let a;
  let b;
  let gw;

  before(async () => {
    [a, b] = await Promise.all([stack.sim('A'), stack.sim('B')]);
    gw = await stack.gateway(
      {
        auth: { admin_keys: [ADMINC], anonymous: false },
        data_classes: { phi: { requires: ['hipaa_baa'] } },
        providers: {
          a: { kind: 'openai', base_url: a.baseUrl, api_key: PROV },
          b: { kind: 'anthropic', base_url: b.url, api_key: PROV },
        },
        routes: {
          chat: { targets: ['a/m', 'b/claude'], pii: { action: 'redact' }, retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '20ms' } },
          phi: { targets: ['a/m'], data_class: 'phi' },
          forbidden: { targets: ['a/m'] },
        },
        keys: { canary: { key: CLIENT, routes: ['chat', 'phi'] } },
      },
      { args: ['--log-level', 'debug'] },
    );
  }, opts);

  after(() => stack.stop());

  it('no canary in logs, admin JSON or error bodies after traffic, failures and refusals', opts, async () => {
    const key = bearer(CLIENT);
    const admin = bearer(ADMINC);
    const text = `please write to ${EMAIL} soon`;
    const bodies = [];
    const keep = (res) => {
      bodies.push(res.text ?? res.raw);
      return res;
    };
    // Served, non-stream and stream, both APIs.
    assertCompletionFrom(keep(await gw.chat(chatBody('chat', text), { headers: key })), 'A', text);
    assertCleanStreamFrom(keep(await gw.stream(chatBody('chat', text), { headers: key })), 'A', text);
    assert.equal(keep(await postMessages(gw, messagesBody('chat', text), xApiKey(CLIENT))).status, 200);
    // Failover, then total failure (503 / provider refusing the provider key).
    await a.setFaults([{ status: 401 }, { status: 503 }, { reset: true }]);
    await b.setFaults([{ status: 503 }]);
    keep(await gw.chat(chatBody('chat', text), { headers: key }));
    keep(await gw.chat(chatBody('chat', text), { headers: key }));
    await a.setFaults([{ status: 400, body: '{"error":{"message":"refused","type":"invalid_request_error"}}' }]);
    keep(await gw.chat(chatBody('chat', text), { headers: key }));
    await a.setFaults([{ truncate_after: 2 }]);
    await b.setFaults([{ status: 503 }]);
    keep(await gw.stream(chatBody('chat', text), { headers: key }));
    await a.clearFaults();
    await b.clearFaults();
    // Refusals: 401 (a wrong key, the admin key as a client key), 403 route, 403 policy, 400s.
    assert.equal(keep(await gw.chat(chatBody('chat', text), { headers: bearer(`${CLIENT}x`) })).status, 401);
    assert.equal(keep(await gw.chat(chatBody('chat', text), { headers: admin })).status, 401);
    assert.equal(keep(await gw.chat(chatBody('forbidden', text), { headers: key })).status, 403);
    assert.equal(keep(await gw.chat(chatBody('phi', text), { headers: key })).status, 403);
    assert.equal(keep(await gw.chat(chatBody('chat', text), { headers: { ...key, 'x-switchyard-data-class': 'bogus' } })).status, 400);
    keep(await gw.post('/v1/chat/completions', `{"model":"chat","messages":[{"role":"user","content":"${EMAIL}"}`, { headers: key }));
    assert.equal(keep(await gw.get('/admin/targets', { headers: key })).status, 401);
    assert.equal(keep(await gw.get('/admin/targets', { headers: bearer(`${ADMINC}x`) })).status, 401);
    // An admin-made key: its secret is shown once (that answer is the one place it may appear).
    const made = await gw.post('/admin/keys', { name: 'made', routes: ['chat'] }, { headers: admin });
    assert.equal(made.status, 201, made.text);
    assert.equal((await gw.chat(chatBody('chat', text), { headers: bearer(made.json.key) })).status, 200);
    await sleep(400); // audit batches

    const outputs = {};
    for (const p of ['/admin/targets', '/admin/incidents', '/admin/keys', '/admin/requests?limit=1000']) {
      const res = await gw.get(p, { headers: admin });
      assert.equal(res.status, 200, `${p}: ${res.text}`);
      outputs[p] = res.text;
    }
    const records = JSON.parse(outputs['/admin/requests?limit=1000']).data;
    assert.ok(records.length >= 10, `audit records: ${records.length}`);
    for (const record of records.slice(0, 5)) {
      outputs[`/admin/requests/${record.request_id}`] = (
        await gw.get(`/admin/requests/${encodeURIComponent(record.request_id)}`, { headers: admin })
      ).text;
    }
    const metrics = await gw.get('/metrics');
    if (metrics.status === 200) outputs['/metrics'] = metrics.text;
    outputs['/v1/models'] = (await gw.get('/v1/models', { headers: key })).text;
    await gw.stop();
    outputs.stdout = gw.child.stdout;
    outputs.stderr = gw.child.stderr;
    bodies.forEach((body, i) => (outputs[`response ${i}`] = body));
    const secrets = [...canaries, made.json.key, sha256Hex(made.json.key)];
    const leaks = [];
    for (const [where, output] of Object.entries(outputs)) {
      for (const secret of secrets) {
        if (String(output).toLowerCase().includes(secret.toLowerCase())) leaks.push(`${secret} in ${where}`);
      }
    }
    // The one expected place for the e-mail: answers restored to their own client (the sim echoes
    // the prompt, so every answer that got through carries it back by design). Never an error body.
    const isAnswer = (body) =>
      body.includes('"chat.completion') || body.includes('"type":"message"') || body.includes('message_start');
    const expected = (leak) => {
      const match = /^(canary\.person@canary-mail\.example|canary\.person) in response (\d+)$/.exec(leak);
      return match !== null && isAnswer(String(bodies[Number(match[2])] ?? ''));
    };
    const restoredAnswers = bodies.filter((body) => String(body).includes(EMAIL)).length;
    assert.ok(restoredAnswers >= 3, 'the successful answers carry the restored e-mail back');
    const unexpected = leaks.filter((leak) => !expected(leak));
    assert.deepEqual(unexpected, [], `canaries leaked:\n${unexpected.join('\n')}`);
    assert.ok(outputs.stdout.length > 0, 'the gateway logged something');
  });
});

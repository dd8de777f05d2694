// Graceful lifecycle (issue 10, item 3), each a test that failed before: SIGTERM used to exit in about
// 100 ms, cutting streams without an error event and leaving non-stream requests with an empty reply;
// SIGHUP killed the process; there was no way to change the configuration without dropping traffic.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Stack, TEST_TIMEOUT_MS, assertCompletionFrom, assertCleanStreamFrom, chatBody, sleep, toYaml, HOST, STATELESS } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

async function waitFor(predicate, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await sleep(50);
  }
  return false;
}

describe('SIGTERM drains', { timeout: 60_000 }, () => {
  const stack = new Stack();
  after(() => stack.stop());

  it('finishes requests in flight, answers new work with a retryable 503 and /readyz 503, then exits 0', opts, async () => {
    const a = await stack.sim('A');
    const gw = await stack.gateway({
      providers: { a: { kind: 'openai', base_url: a.baseUrl } },
      routes: { chat: { targets: ['a/model-a'] } },
      shutdown_grace: '10s',
    });
    // A stream of about 1.2 s and a non-stream answer that takes 800 ms.
    const stream = gw.stream(chatBody('chat', 'hi there', { sim_fault: { token_delay_ms: 200 } }));
    const whole = gw.chat(chatBody('chat', 'hi there', { sim_fault: { delay_ms: 800 } }));
    await sleep(250);
    process.kill(gw.child.pid, 'SIGTERM');
    assert.ok(await waitFor(() => gw.logLines().some((l) => l.msg === 'draining')), gw.diagnostics());
    const ready = await gw.get('/readyz');
    assert.equal(ready.status, 503, ready.text);
    const fresh = await gw.chat(chatBody('chat'));
    assert.equal(fresh.status, 503, fresh.text);
    assert.equal(fresh.json?.error?.code, 'shutting_down', fresh.text);
    assert.equal(fresh.headers['x-should-retry'], 'true');
    assertCleanStreamFrom(await stream, 'A');
    assertCompletionFrom(await whole, 'A');
    const exit = await gw.child.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, gw.diagnostics());
    const drained = gw.logLines().find((l) => l.msg === 'drained');
    assert.ok(drained, gw.diagnostics());
    assert.equal(drained.cut_at_grace, 0, gw.diagnostics());
  });

  it('ends what is still in flight at shutdown_grace with the dialect error event, and exits 0', opts, async () => {
    const a = await stack.sim('A2');
    const gw = await stack.gateway({
      providers: { a: { kind: 'openai', base_url: a.baseUrl }, x: { kind: 'anthropic', base_url: a.url, api_key: 'k' } },
      routes: { chat: { targets: ['a/model-a'] }, claude: { targets: ['x/claude'] } },
      shutdown_grace: '300ms',
    });
    const slow = { sim_fault: { token_delay_ms: 1000 } };
    const stream = gw.stream(chatBody('chat', 'one two three four five six', slow), { timeoutMs: 15_000 });
    const anthropic = gw.post('/v1/messages', { model: 'claude', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'one two three four five' }], ...slow },
      { headers: { 'anthropic-version': '2023-06-01' }, timeoutMs: 15_000 });
    await sleep(1500);
    process.kill(gw.child.pid, 'SIGTERM');
    const cut = await stream;
    assert.equal(cut.done, false, cut.raw);
    assert.equal(cut.errors.length, 1, cut.raw);
    const messages = await anthropic;
    assert.match(messages.text, /event: error/, messages.text);
    assert.doesNotMatch(messages.text, /message_stop/, messages.text);
    const exit = await gw.child.exited;
    assert.equal(exit.code, 0, gw.diagnostics());
    const drained = gw.logLines().find((l) => l.msg === 'drained');
    assert.ok(drained && drained.cut_at_grace >= 1, gw.diagnostics());
    assert.equal(drained.level, 'warning');
  });
});

describe('reload', { timeout: 60_000 }, () => {
  const stack = new Stack();
  after(() => stack.stop());

  const config = (a, b, routes) =>
    toYaml({
      listen: `${HOST}:0`,
      workers: 2,
      resilience: { ...STATELESS, breaker: { consecutive_failures: 1, open: '60s' } },
      providers: { a: { kind: 'openai', base_url: a.baseUrl }, b: { kind: 'openai', base_url: b.baseUrl } },
      routes,
    });

  it('SIGHUP applies a new file without dropping a stream in flight; targets keep their breaker state', opts, async () => {
    const [a, b] = await Promise.all([stack.sim('A'), stack.sim('B')]);
    const gw = await stack.gateway(config(a, b, { chat: { targets: ['a/model-a', 'b/model-b'] } }));
    // Trip a/model-a's breaker (one failure opens it for 60 s).
    await a.setFaults([{ status: 503 }]);
    assertCompletionFrom(await gw.chat(chatBody('chat')), 'B');
    const stream = gw.stream(chatBody('chat', 'hi there', { sim_fault: { token_delay_ms: 150 } }));
    await sleep(100);
    fs.writeFileSync(gw.configPath, config(a, b, { chat: { targets: ['a/model-a', 'b/model-b'] }, second: { targets: ['b/model-b'] } }));
    process.kill(gw.child.pid, 'SIGHUP');
    assert.ok(await waitFor(async () => (await gw.get('/v1/models')).json?.data?.some((m) => m.id === 'second')), gw.diagnostics());
    assertCompletionFrom(await gw.chat(chatBody('second')), 'B');
    assertCleanStreamFrom(await stream, 'B');
    const targets = (await gw.get('/admin/targets')).json.targets;
    const primary = targets.find((t) => t.target === 'a/model-a');
    assert.equal(primary?.breaker, 'open', JSON.stringify(targets));
    assert.equal(gw.child.exit, null, 'still running after SIGHUP');
    assert.ok(gw.logLines().some((l) => l.msg === 'config reloaded'), gw.diagnostics());
  });

  it('a bad file is refused and logged; the running configuration keeps serving', opts, async () => {
    const [a, b] = await Promise.all([stack.sim('A3'), stack.sim('B3')]);
    const gw = await stack.gateway(config(a, b, { chat: { targets: ['a/model-a'] } }));
    fs.writeFileSync(gw.configPath, 'routes: {chat: {targets: [nowhere/model]}}\n');
    process.kill(gw.child.pid, 'SIGHUP');
    assert.ok(await waitFor(() => gw.logLines().some((l) => l.msg.startsWith('config reload refused'))), gw.diagnostics());
    const refused = gw.logLines().find((l) => l.msg.startsWith('config reload refused'));
    assert.equal(refused.level, 'error');
    assertCompletionFrom(await gw.chat(chatBody('chat')), 'A3');
  });

  it('POST /admin/reload does the same and says what happened', opts, async () => {
    const [a, b] = await Promise.all([stack.sim('A4'), stack.sim('B4')]);
    const gw = await stack.gateway(config(a, b, { chat: { targets: ['a/model-a'] } }));
    fs.writeFileSync(gw.configPath, config(a, b, { chat: { targets: ['b/model-b'] } }));
    const ok = await gw.post('/admin/reload', '');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.status, 'reloaded');
    assert.match(ok.json.message, /added 1, removed 1/);
    assertCompletionFrom(await gw.chat(chatBody('chat')), 'B4');
    fs.writeFileSync(gw.configPath, 'listen: [not, an, address]\n');
    const bad = await gw.post('/admin/reload', '');
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json.status, 'failed');
    assert.match(bad.json.error, /listen/);
    assertCompletionFrom(await gw.chat(chatBody('chat')), 'B4');
  });
});

describe('thread names', { timeout: 30_000 }, () => {
  const stack = new Stack();
  after(() => stack.stop());

  it('name every thread but the main one by its job, so that top -H and perf tell them apart', opts, async () => {
    const a = await stack.sim('T');
    const gw = await stack.gateway({
      workers: 2,
      providers: { a: { kind: 'openai', base_url: a.baseUrl } },
      routes: { chat: { targets: ['a/model-a'] } },
    });
    assertCompletionFrom(await gw.chat(chatBody('chat')), 'T');
    const taskDir = `/proc/${gw.child.pid}/task`;
    const names = fs.readdirSync(taskDir).map((tid) => fs.readFileSync(`${taskDir}/${tid}/comm`, 'utf8').trim());
    // The main thread runs worker 0 and keeps the process's name, which ps and pgrep show.
    assert.equal(fs.readFileSync(`/proc/${gw.child.pid}/comm`, 'utf8').trim(), 'switchyard');
    for (const name of ['sy-worker-1', 'sy-store', 'sy-log', 'sy-control']) {
      assert.ok(names.includes(name), `no thread named ${name}: ${names.join(', ')}`);
    }
  });
});

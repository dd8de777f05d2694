// Logs people can operate with (issue 10): a breaker's opening, half-opening and closing and its
// incident's opening and closing are each logged once, at warning for what went wrong and info for
// the recovery; --log-level debug shows each attempt's plan decision; JSON values are typed; a
// burst of requests loses no request line.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Stack, TEST_TIMEOUT_MS, assertCompletionFrom, chatBody, sleep } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };


async function waitForLines(gw, predicate, count, what, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = gw.logLines().filter(predicate);
    if (found.length >= count) return found;
    if (Date.now() >= deadline) assert.fail(`${what}: ${found.length} of ${count} lines in:\n${gw.child.stdout.slice(-4000)}`);
    await sleep(30);
  }
}

async function breakerState(gw, id) {
  const res = await gw.get('/admin/targets');
  return res.json.targets.find((t) => t.target === id).breaker;
}

describe('logs', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let p;
  let s;
  const gateways = [];

  before(async () => {
    [p, s] = await Promise.all([stack.sim('P'), stack.sim('S')]);
  }, opts);

  after(() => stack.stop());

  beforeEach(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.stop()));
    await Promise.all([p.reset(), s.reset()]);
  });

  async function gateway(resilience, args = []) {
    const gw = await stack.gateway(
      {
        resilience,
        providers: {
          p: { kind: 'openai', base_url: p.baseUrl, api_key: 'key-p' },
          s: { kind: 'openai', base_url: s.baseUrl, api_key: 'key-s' },
        },
        routes: { pair: { targets: ['p/model-p', 's/model-s'], retry: { max_attempts: 2, backoff_base: '5ms' } } },
      },
      { args },
    );
    gateways.push(gw);
    return gw;
  }

  it('a breaker opening and closing, and its incident, are each logged once at the right level', opts, async () => {
    const gw = await gateway({
      breaker: { consecutive_failures: 3, min_requests: 1000, open: '1s', open_max: '5s', probes_to_close: 2 },
      retry_budget: { min_per_second: 1000000 },
    });
    await p.setFaults([{ status: 503 }], { loop: true });
    for (let i = 0; i < 6; i++) assertCompletionFrom(await gw.chat(chatBody('pair')), 'S');
    const [opened] = await waitForLines(gw, (l) => l.msg === 'breaker opened', 1, 'breaker opened');
    assert.equal(opened.level, 'warning');
    assert.equal(opened.target, 'p/model-p');
    assert.equal(opened.from, 'closed');
    assert.equal(opened.failure, 'upstream_status');
    assert.equal(typeof opened.open_ms, 'number');
    const [incident] = await waitForLines(gw, (l) => l.msg === 'incident opened', 1, 'incident opened');
    assert.equal(incident.level, 'warning');
    assert.equal(typeof incident.incident, 'number');

    await p.clearFaults();
    await sleep(1100);  // the open interval passes
    for (let i = 0; i < 3; i++) assertCompletionFrom(await gw.chat(chatBody('pair')), 'P');
    assert.equal(await breakerState(gw, 'p/model-p'), 'closed');
    const [closed] = await waitForLines(gw, (l) => l.msg === 'breaker closed', 1, 'breaker closed');
    assert.equal(closed.level, 'info');
    assert.equal(closed.target, 'p/model-p');
    const [incidentClosed] = await waitForLines(gw, (l) => l.msg === 'incident closed', 1, 'incident closed');
    assert.equal(incidentClosed.level, 'info');
    assert.equal(incidentClosed.incident, incident.incident);
    assert.ok(incidentClosed.failed_over >= 1, JSON.stringify(incidentClosed));
    assert.equal(typeof incidentClosed.duration_ms, 'number');
    await sleep(150);  // one more flush: nothing logged twice
    const lines = gw.logLines();
    const count = (msg) => lines.filter((l) => l.msg === msg && (l.target === 'p/model-p')).length;
    assert.equal(count('breaker opened'), 1, 'opened once');
    assert.equal(count('breaker half-open'), 1, 'half-open once');
    assert.equal(count('breaker closed'), 1, 'closed once');
    assert.equal(count('incident opened'), 1);
    assert.equal(count('incident closed'), 1);
    assert.equal(count('breaker opened') + count('breaker closed'), 2);
  });

  it('--log-level debug shows each attempt and why targets were passed over', opts, async () => {
    const gw = await gateway(
      {
        breaker: { consecutive_failures: 1, min_requests: 1000, open: '30s' },
        retry_budget: { min_per_second: 1000000 },
      },
      ['--log-level', 'debug'],
    );
    await p.setFaults([{ status: 503 }]);
    const first = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': 'debug-1' } });
    assertCompletionFrom(first, 'S');
    const mine = (id) => (l) => l.request_id === id;
    const [plan] = await waitForLines(gw, (l) => l.msg === 'plan' && l.request_id === 'debug-1', 1, 'plan');
    assert.equal(plan.level, 'debug');
    assert.equal(plan.order, 'p/model-p,s/model-s');
    assert.equal(plan.forced, false);
    const attempts = await waitForLines(gw, (l) => l.msg === 'attempt' && l.request_id === 'debug-1', 2, 'attempts');
    assert.deepEqual(
      attempts.map((l) => [l.target, l.attempt, l.reason, l.path]),
      [
        ['p/model-p', 1, 'first', 'forwarded'],
        ['s/model-s', 2, 'next_target', 'forwarded'],
      ],
    );
    const all = gw.logLines().filter(mine('debug-1')).map((l) => l.msg);
    assert.deepEqual(all, ['plan', 'attempt', 'attempt failed', 'attempt', 'request'], all.join(', '));

    // P's breaker is open now: the next request's plan leaves it out, and says why.
    const second = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': 'debug-2' } });
    assertCompletionFrom(second, 'S');
    const [skipped] = await waitForLines(
      gw,
      (l) => l.msg === 'target skipped' && l.request_id === 'debug-2',
      1,
      'target skipped',
    );
    assert.equal(skipped.target, 'p/model-p');
    assert.equal(skipped.reason, 'breaker_open');
    assert.equal(skipped.hedge, false);
  });

  it('at the default level there are no debug lines', opts, async () => {
    const gw = await gateway({ breaker: { consecutive_failures: 1000000, min_requests: 1000000 } });
    await gw.chat(chatBody('pair'), { headers: { 'x-request-id': 'quiet' } });
    await waitForLines(gw, (l) => l.msg === 'request' && l.request_id === 'quiet', 1, 'request');
    assert.equal(gw.logLines().filter((l) => l.level === 'debug').length, 0);
  });

  it('lines logged just before the process stops are written (flushed at exit)', opts, async () => {
    const gw = await gateway({ breaker: { consecutive_failures: 1000000, min_requests: 1000000 } });
    gateways.splice(gateways.indexOf(gw), 1);
    const res = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': 'last-words' } });
    assert.equal(res.status, 200);
    await gw.stop();  // at once: the line may still be in its worker's buffer
    assert.equal(gw.child.exit.code, 0, gw.diagnostics());
    assert.ok(
      gw.logLines().some((l) => l.msg === 'request' && l.request_id === 'last-words'),
      `the last request's line:\n${gw.child.stdout.slice(-2000)}`,
    );
  });

  it('a line too long for the thread\'s kept render storage is written whole, and the next line as usual', opts, async () => {
    const gw = await gateway({ breaker: { consecutive_failures: 1000000, min_requests: 1000000 } });
    // 20,000 model characters with quotes: over 64 KiB in the worst case the line is sized for.
    const model = 'q"'.repeat(10_000);
    const res = await gw.chat({ ...chatBody('pair'), model }, { headers: { 'x-request-id': 'long-line' } });
    assert.equal(res.status, 404, res.text);
    const [rejected] = await waitForLines(gw, (l) => l.msg === 'request rejected' && l.request_id === 'long-line', 1, 'long line');
    assert.equal(rejected.reason, `unknown route '${model}'`);
    const ok = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': 'after-long' } });
    assert.equal(ok.status, 200, ok.text);
    await waitForLines(gw, (l) => l.msg === 'request' && l.request_id === 'after-long', 1, 'line after the long one');
  });

  it('the listening line names the heap allocator the process really runs on', opts, async () => {
    const gw = await gateway({});
    const [listening] = await waitForLines(gw, (l) => l.msg === 'listening', 1, 'listening');
    // glibc's malloc by default; tcmalloc on a build made with -DSY_TCMALLOC=ON.
    const maps = fs.readFileSync(`/proc/${gw.child.pid}/maps`, 'utf8');
    assert.equal(listening.allocator, maps.includes('libtcmalloc') ? 'tcmalloc' : 'glibc', listening.allocator);
  });

  it('a burst of concurrent requests loses no request line', opts, async () => {
    const gw = await gateway({ breaker: { consecutive_failures: 1000000, min_requests: 1000000 } });
    const total = 150;
    const ids = Array.from({ length: total }, (_, i) => `burst-${i}`);
    for (let i = 0; i < total; i += 20) {
      await Promise.all(ids.slice(i, i + 20).map((id) => gw.chat(chatBody('pair'), { headers: { 'x-request-id': id } })));
    }
    const lines = await waitForLines(gw, (l) => l.msg === 'request' && l.request_id.startsWith('burst-'), total, 'burst');
    assert.equal(new Set(lines.map((l) => l.request_id)).size, total);
    assert.equal(gw.logLines().filter((l) => l.msg === 'log lines dropped').length, 0);
  });
});

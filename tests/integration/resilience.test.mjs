// The resilience engine seen from outside: circuit breakers (skip, half-open probes, incidents), a
// route whose every target is open, the gateway-wide retry budget, context-window fallback,
// failure-domain diversity, a domain down as a whole, and failover in the middle of a stream.
//
// Every test starts its own gateway: breakers, incidents and the retry budget are gateway-wide
// state, and a test must not inherit what another one did. Each gateway sets `resilience` itself
// (the harness's STATELESS default would keep every breaker closed).
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  HOST,
  Stack,
  TEST_TIMEOUT_MS,
  assertCleanStreamFrom,
  assertCompletionFrom,
  assertExactStream,
  chatBody,
  simReply,
  sleep,
} from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

// Breakers that only a run of consecutive failures trips (the failure-rate rule needs more
// requests than these tests send), with a long open interval unless a test shortens it.
function breaker(overrides = {}) {
  return {
    breaker: {
      consecutive_failures: 3,
      min_requests: 1000,
      open: '30s',
      open_max: '60s',
      half_open_probes: 2,
      probes_to_close: 2,
      ...overrides,
    },
    retry_budget: { min_per_second: 1000000 },
  };
}

// Breakers that never trip: for tests about the retry budget alone.
const NO_BREAKERS = { breaker: { consecutive_failures: 1000000, min_requests: 1000000 } };

const RETRY = { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' };
const TIMEOUTS = { attempt: '2s', first_token: '2s', total: '10s' };

function provider(sim, labels) {
  return { kind: 'openai', base_url: sim.baseUrl, api_key: `key-${sim.name}`, labels };
}

// The harness's YAML emitter writes lists of scalars only; targets with a context_window are maps,
// so such configs go to the gateway as JSON (which is YAML too).
function jsonConfig(config) {
  return JSON.stringify({ listen: `${HOST}:0`, workers: 2, ...config }, null, 2) + '\n';
}

async function adminTargets(gw) {
  const res = await gw.get('/admin/targets');
  assert.equal(res.status, 200, `/admin/targets: ${res.status} ${res.text}`);
  assert.ok(res.json && Array.isArray(res.json.targets), `/admin/targets shape: ${res.text}`);
  return res.json.targets;
}

async function adminTarget(gw, id) {
  const targets = await adminTargets(gw);
  const target = targets.find((t) => t.target === id);
  assert.ok(target, `/admin/targets has no ${id}: ${JSON.stringify(targets)}`);
  return target;
}

async function adminIncidents(gw) {
  const res = await gw.get('/admin/incidents');
  assert.equal(res.status, 200, `/admin/incidents: ${res.status} ${res.text}`);
  assert.ok(res.json && Array.isArray(res.json.incidents), `/admin/incidents shape: ${res.text}`);
  return res.json.incidents;
}

// Polls until `predicate(target)` holds for the target's /admin/targets entry; returns it.
async function waitForTarget(gw, id, predicate, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await adminTarget(gw, id);
    if (predicate(last)) return last;
    await sleep(25);
  }
  assert.fail(`${id} did not become ${what} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

const served = (res) => res.headers['x-switchyard-target'];
const attempts = (res) => res.headers['x-switchyard-attempts'];

describe('resilience', { timeout: 180_000 }, () => {
  const stack = new Stack();
  let p;
  let s;
  let t;
  let twin;  // the same model as P at another provider: it answers as P does
  const gateways = [];

  before(async () => {
    [p, s, t, twin] = await Promise.all([
      stack.sim('P'),
      stack.sim('S'),
      stack.sim('T'),
      stack.sim('Q', { voice: 'P' }),
    ]);
  }, opts);

  after(() => stack.stop());

  beforeEach(async () => {
    // Each test's gateway is done with once the test ends.
    await Promise.all(gateways.splice(0).map((gw) => gw.stop()));
    await Promise.all([p.reset(), s.reset(), t.reset(), twin.reset()]);
  });

  async function gateway(config) {
    const gw = await stack.gateway(config);
    gateways.push(gw);
    return gw;
  }

  // A route [p/model-p, s/model-s] with the given breaker settings.
  function pairGateway(breakerOverrides, route = {}) {
    return gateway({
      resilience: breaker(breakerOverrides),
      providers: { p: provider(p), s: provider(s) },
      routes: { pair: { targets: ['p/model-p', 's/model-s'], retry: RETRY, timeouts: TIMEOUTS, ...route } },
    });
  }

  describe('hedging', () => {
    it('a slow primary is out-raced: the hedge answers first and the primary is cancelled', opts, async () => {
      const gw = await pairGateway({}, { hedge: { delay: '100ms' } });
      await p.setFaults([{ delay_ms: 1500 }], { loop: true });
      const started = Date.now();
      const res = await gw.chat(chatBody('pair'));
      const elapsed = Date.now() - started;
      assertCompletionFrom(res, 'S');
      assert.equal(served(res), 's/model-s');
      assert.equal(attempts(res), '2', 'the primary and its hedge');
      assert.ok(elapsed < 1200, `the hedge did not wait for the primary: ${elapsed} ms`);
      assert.equal((await p.chatRequests()).length, 1, 'the primary was tried first');
      const stream = await gw.stream(chatBody('pair'));
      assertCleanStreamFrom(stream, 'S');
    });

    it('a primary that answers within the hedge delay is never hedged', opts, async () => {
      const gw = await pairGateway({}, { hedge: { delay: '500ms' } });
      const res = await gw.chat(chatBody('pair'));
      assertCompletionFrom(res, 'P');
      assert.equal(attempts(res), '1');
      assert.equal((await s.chatRequests()).length, 0);
    });

    it('the hedge budget caps hedges: with max_ratio 0 the slow primary is waited for', opts, async () => {
      const gw = await pairGateway({}, { hedge: { delay: '100ms', max_ratio: 0 } });
      await p.setFaults([{ delay_ms: 400 }], { loop: true });
      const res = await gw.chat(chatBody('pair'));
      assertCompletionFrom(res, 'P');
      assert.equal((await s.chatRequests()).length, 0);
    });
  });

  describe('circuit breaker', () => {
    it('opens after consecutive_failures failures; the open primary is then skipped without an attempt', opts, async () => {
      const gw = await pairGateway({});
      await p.setFaults([{ status: 503 }], { loop: true });

      for (let i = 0; i < 3; i++) {
        const res = await gw.chat(chatBody('pair'));
        assertCompletionFrom(res, 'S');
        assert.equal(served(res), 's/model-s');
        assert.equal(attempts(res), '2', `request ${i + 1} tried P first`);
      }
      assert.equal((await p.chatRequests()).length, 3);
      const open = await adminTarget(gw, 'p/model-p');
      assert.equal(open.breaker, 'open', JSON.stringify(open));
      assert.equal(open.trips, 1, JSON.stringify(open));
      assert.ok(open.reopens_in_ms > 0 && open.reopens_in_ms <= 30_000, JSON.stringify(open));
      assert.equal(typeof open.open_incident, 'number', `an incident is open: ${JSON.stringify(open)}`);
      assert.equal((await adminTarget(gw, 's/model-s')).breaker, 'closed');

      for (let i = 0; i < 5; i++) {
        const res = await gw.chat(chatBody('pair'));
        assertCompletionFrom(res, 'S');
        assert.equal(attempts(res), '1', `request ${i + 1} after the trip went straight to S`);
        assert.ok(res.elapsedMs < 1000, `no wait on the open target: ${res.elapsedMs} ms`);
      }
      const streamed = await gw.stream(chatBody('pair'));
      assertCleanStreamFrom(streamed, 'S');
      assert.equal(attempts(streamed), '1');
      assert.equal((await p.chatRequests()).length, 3, 'P saw nothing after its breaker opened');
    });

    it('half-opens after `open`, closes on healthy probes, and records one closed incident', opts, async () => {
      const gw = await pairGateway({ open: '800ms', open_max: '5s' });
      await p.setFaults([{ status: 503 }], { loop: true });
      for (let i = 0; i < 3; i++) assertCompletionFrom(await gw.chat(chatBody('pair')), 'S');
      assert.equal((await adminTarget(gw, 'p/model-p')).breaker, 'open');
      // Requests while open fail over at once; they count in the incident.
      for (let i = 0; i < 2; i++) {
        const res = await gw.chat(chatBody('pair'));
        assertCompletionFrom(res, 'S');
        assert.equal(attempts(res), '1');
      }
      const during = (await adminIncidents(gw)).filter((i) => i.target === 'p/model-p');
      assert.equal(during.length, 1, JSON.stringify(during));
      assert.equal(during[0].state, 'open');
      assert.equal(during[0].closed_at, null);

      await p.clearFaults();
      await p.clearRequests();
      await waitForTarget(gw, 'p/model-p', (target) => target.breaker !== 'open', 'half-open');

      // probes_to_close: 2 healthy probes close it; the probes are real requests served by P.
      for (let i = 0; i < 2; i++) {
        const res = await gw.chat(chatBody('pair'));
        assertCompletionFrom(res, 'P');
        assert.equal(attempts(res), '1');
      }
      assert.equal((await p.chatRequests()).length, 2, 'the half-open probes reached P');
      const closed = await adminTarget(gw, 'p/model-p');
      assert.equal(closed.breaker, 'closed', JSON.stringify(closed));
      assert.equal(closed.open_incident, null, JSON.stringify(closed));
      assertCompletionFrom(await gw.chat(chatBody('pair')), 'P');

      const incidents = (await adminIncidents(gw)).filter((i) => i.target === 'p/model-p');
      assert.equal(incidents.length, 1, `one incident for P: ${JSON.stringify(incidents)}`);
      const [incident] = incidents;
      const where = JSON.stringify(incident);
      assert.equal(incident.state, 'closed', where);
      assert.ok(Date.parse(incident.opened_at) < Date.parse(incident.closed_at), `opened_at < closed_at: ${where}`);
      assert.match(incident.first_error, /upstream_status|503/, `first_error names the failure: ${where}`);
      // The incident starts with the failure that tripped the breaker: earlier failures are not in it.
      assert.ok(incident.errors_by_kind.upstream_status >= 1, `errors_by_kind counts the 503s: ${where}`);
      assert.ok(incident.requests.failed_over > 0, `requests.failed_over: ${where}`);
      assert.equal(incident.requests.lost, 0, `no request was lost: ${where}`);
      assert.equal((await adminIncidents(gw)).filter((i) => i.target === 's/model-s').length, 0, 'S had no incident');
    });

    it('re-opens when a half-open probe fails, for a longer interval', opts, async () => {
      const gw = await pairGateway({ open: '500ms', open_max: '5s' });
      await p.setFaults([{ status: 503 }], { loop: true });
      for (let i = 0; i < 3; i++) assertCompletionFrom(await gw.chat(chatBody('pair')), 'S');
      const first = await adminTarget(gw, 'p/model-p');
      assert.equal(first.breaker, 'open');
      await waitForTarget(gw, 'p/model-p', (target) => target.breaker !== 'open', 'half-open');
      await p.clearRequests();
      const res = await gw.chat(chatBody('pair'));
      assertCompletionFrom(res, 'S');
      assert.equal(attempts(res), '2', 'the probe went to P and failed over to S');
      assert.equal((await p.chatRequests()).length, 1, 'one probe');
      const again = await adminTarget(gw, 'p/model-p');
      assert.equal(again.breaker, 'open', JSON.stringify(again));
      assert.ok(again.trips >= 2, `a second trip: ${JSON.stringify(again)}`);
      assert.ok(again.reopens_in_ms > 500, `the open interval grew past 500 ms: ${JSON.stringify(again)}`);
    });

    // Trips S first, then P (both answer 503 to everything): both are open and S reopens first.
    async function allOpenGateway() {
      const gw = await gateway({
        resilience: breaker({ consecutive_failures: 2, open: '20s', open_max: '60s' }),
        providers: { p: provider(p), s: provider(s) },
        routes: {
          pair: { targets: ['p/model-p', 's/model-s'], retry: RETRY, timeouts: TIMEOUTS },
          only_p: { targets: ['p/model-p'], retry: { max_attempts: 1 }, timeouts: TIMEOUTS },
          only_s: { targets: ['s/model-s'], retry: { max_attempts: 1 }, timeouts: TIMEOUTS },
        },
      });
      await Promise.all([p.setFaults([{ status: 503 }], { loop: true }), s.setFaults([{ status: 503 }], { loop: true })]);
      for (let i = 0; i < 2; i++) assert.equal((await gw.chat(chatBody('only_s'))).status, 503);
      await sleep(50);
      for (let i = 0; i < 2; i++) assert.equal((await gw.chat(chatBody('only_p'))).status, 503);
      const both = (await adminTargets(gw))
        .filter((x) => x.target === 'p/model-p' || x.target === 's/model-s')
        .sort((x, y) => x.reopens_in_ms - y.reopens_in_ms);
      assert.deepEqual(
        both.map((x) => [x.target, x.breaker]),
        [
          ['s/model-s', 'open'],
          ['p/model-p', 'open'],
        ],
        `both open, S reopens first: ${JSON.stringify(both)}`,
      );
      await Promise.all([p.clearRequests(), s.clearRequests()]);
      return gw;
    }

    it('a route whose every target is open still sends the request to the one that reopens first', opts, async () => {
      const gw = await allOpenGateway();
      await s.clearFaults(); // S is back, though its breaker is still open
      const res = await gw.chat(chatBody('pair'));
      assertCompletionFrom(res, 'S');
      assert.equal(served(res), 's/model-s');
      assert.equal(attempts(res), '1');
      assert.ok(res.elapsedMs < 1000, `no wait for the open interval: ${res.elapsedMs} ms`);
      assert.equal((await s.chatRequests()).length, 1);
      assert.equal((await p.chatRequests()).length, 0, 'P (reopens later) got nothing');
      const streamed = await gw.stream(chatBody('pair'));
      assertCleanStreamFrom(streamed, 'S');
      assert.equal((await p.chatRequests()).length, 0);
    });

    it(
      'a route whose every target is open and still down sends exactly one request, then fails fast',
      opts,
      async () => {
        const gw = await allOpenGateway();
        const res = await gw.chat(chatBody('pair'));
        assert.equal(res.status, 503, res.text);
        assert.match(res.json?.error?.message ?? '', /s\/model-s/, res.text);
        assert.equal(attempts(res), '1', `one forced attempt: ${res.text}`);
        assert.equal((await s.chatRequests()).length, 1, 'S (reopens first) got the one forced attempt');
        assert.equal((await p.chatRequests()).length, 0, 'P got nothing');
      },
    );

    it(
      'an incident counts the requests that skipped its open target as failed over',
      opts,
      async () => {
        const gw = await pairGateway({});
        await p.setFaults([{ status: 503 }], { loop: true });
        for (let i = 0; i < 3; i++) assertCompletionFrom(await gw.chat(chatBody('pair')), 'S');
        for (let i = 0; i < 4; i++) assert.equal(attempts(await gw.chat(chatBody('pair'))), '1');
        const [incident] = (await adminIncidents(gw)).filter((i) => i.target === 'p/model-p');
        assert.ok(incident, 'an incident for P');
        assert.ok(incident.requests.failed_over >= 5, `the tripping request and 4 skipped ones: ${JSON.stringify(incident)}`);
        assert.ok(incident.requests.affected >= 5, JSON.stringify(incident));
        assert.equal(incident.requests.lost, 0, JSON.stringify(incident));
      },
    );
  });

  describe('count_tokens', () => {
    it('goes through the same admission as chat: an open breaker skips its target', opts, async () => {
      const gw = await gateway({
        resilience: breaker({ consecutive_failures: 2 }),
        providers: { claude: { kind: 'anthropic', base_url: p.url, api_key: 'key-claude' } },
        routes: { claude: { targets: ['claude/claude-x'], retry: { max_attempts: 1 }, timeouts: TIMEOUTS } },
      });
      const headers = { 'anthropic-version': '2023-06-01' };
      const body = { model: 'claude', messages: [{ role: 'user', content: 'hello there' }] };
      const counted = await gw.post('/v1/messages/count_tokens', body, { headers });
      assert.equal(counted.status, 200, counted.text);
      assert.equal(counted.headers['x-switchyard-token-count'], undefined, 'the provider counted');
      // Two failed chats open the target's breaker. Every request fails meanwhile (loop), so that
      // nothing else reaching the simulator can take a fault meant for them.
      await p.setFaults([{ status: 503 }], { loop: true });
      for (let i = 0; i < 2; i++) {
        const failed = await gw.post('/v1/messages', { ...body, max_tokens: 16 }, { headers });
        assert.notEqual(failed.status, 200, failed.text);
      }
      await p.clearFaults();
      assert.equal((await adminTarget(gw, 'claude/claude-x')).breaker, 'open');
      await p.clearRequests();
      const estimated = await gw.post('/v1/messages/count_tokens', body, { headers });
      assert.equal(estimated.status, 200, estimated.text);
      assert.equal(estimated.headers['x-switchyard-token-count'], 'estimate');
      const sent = (await p.requests()).filter((r) => String(r.target).includes('count_tokens'));
      assert.equal(sent.length, 0, 'the open target was not asked');
    });
  });

  describe('retry budget', () => {
    it('stops retrying once the gateway-wide budget is spent: the rest get 503 retry_budget_exhausted', opts, async () => {
      const gw = await gateway({
        resilience: { ...NO_BREAKERS, retry_budget: { ratio: 0, min_per_second: 1, window: '2s' } },
        providers: { p: provider(p), s: provider(s) },
        routes: { pair: { targets: ['p/model-p', 's/model-s'], retry: RETRY, timeouts: TIMEOUTS } },
      });
      await p.setFaults([{ status: 503 }], { loop: true });
      const burst = 10;
      const results = [];
      const started = Date.now();
      for (let i = 0; i < burst; i++) results.push(await gw.chat(chatBody('pair')));
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 1500, `the burst fits in the 2 s window (took ${elapsed} ms)`);
      const ok = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status !== 200);
      for (const r of ok) assertCompletionFrom(r, 'S');
      // ratio 0: only the floor, min_per_second x window = 2 retries.
      assert.equal(ok.length, 2, `2 retries fit the budget: ${results.map((r) => r.status)}`);
      assert.deepEqual(
        results.map((r) => r.status),
        [200, 200, ...Array(burst - 2).fill(503)],
        'the first two fail over, the rest are refused',
      );
      for (const r of refused) {
        assert.equal(r.status, 503, r.text);
        assert.match(r.json?.error?.message ?? '', /retry_budget_exhausted/, r.text);
        assert.equal(attempts(r), '1', r.text);
      }
      assert.equal((await p.chatRequests()).length, burst, 'every request tried the primary once');
      assert.equal((await s.chatRequests()).length, 2, 'S saw only the budgeted retries');

      // The window slides: after it, retries are allowed again.
      await sleep(2200);
      const later = await gw.chat(chatBody('pair'));
      assertCompletionFrom(later, 'S');
      assert.equal(attempts(later), '2');
    });
  });

  describe('context-window fallback', () => {
    const contextError = JSON.stringify({
      error: {
        message:
          "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    });

    async function contextGateway() {
      // Breakers that would trip on one failure: a context error must not count as one.
      return gateway(
        jsonConfig({
          resilience: breaker({ consecutive_failures: 1 }),
          providers: { small: provider(p), big: provider(s), mid: provider(t) },
          routes: {
            cw: {
              targets: [
                { target: 'small/model-small', context_window: 8000 },
                { target: 'big/model-big', context_window: 200000 },
              ],
              retry: { max_attempts: 4, backoff_base: '10ms', backoff_max: '50ms' },
              timeouts: TIMEOUTS,
            },
            cw_only: {
              targets: [{ target: 'small/model-small', context_window: 8000 }],
              retry: { max_attempts: 4, backoff_base: '10ms', backoff_max: '50ms' },
              timeouts: TIMEOUTS,
            },
            // Nothing declared: windows are discovered from the providers' messages.
            undeclared: {
              targets: ['small/model-unlisted', 'big/model-unlisted'],
              retry: { max_attempts: 4, backoff_base: '10ms', backoff_max: '50ms' },
              timeouts: TIMEOUTS,
            },
            skips_smaller: {
              targets: [
                'small/model-unlisted',
                { target: 'mid/model-mid', context_window: 4096 },
                'big/model-unlisted',
              ],
              retry: { max_attempts: 4, backoff_base: '10ms', backoff_max: '50ms' },
              timeouts: TIMEOUTS,
            },
            all_too_small: {
              targets: ['small/model-unlisted', { target: 'mid/model-mid', context_window: 4096 }],
              retry: { max_attempts: 4, backoff_base: '10ms', backoff_max: '50ms' },
              timeouts: TIMEOUTS,
            },
          },
        }),
      );
    }

    it('moves a context_length_exceeded request to the target with the larger window', opts, async () => {
      const gw = await contextGateway();
      await p.setFaults([{ status: 400, body: contextError }]);
      const res = await gw.chat(chatBody('cw'));
      assertCompletionFrom(res, 'S');
      assert.equal(served(res), 'big/model-big');
      assert.equal(attempts(res), '2');
      assert.equal((await p.chatRequests()).length, 1, 'never retried on the small target');
      assert.equal((await s.chatRequests()).length, 1);
      const small = await adminTarget(gw, 'small/model-small');
      assert.equal(small.breaker, 'closed', `a context error is not a health failure: ${JSON.stringify(small)}`);
      // What the provider's message stated (8192) replaces what was declared (8000).
      assert.equal(small.context_window, 8192);
      assert.equal(small.context_window_source, 'learnt');
      assert.equal((await adminTarget(gw, 'big/model-big')).context_window, 200000);
    });

    it('does the same for a stream, invisibly', opts, async () => {
      const gw = await contextGateway();
      await p.setFaults([{ status: 400, body: contextError }]);
      const res = await gw.stream(chatBody('cw'));
      assertCleanStreamFrom(res, 'S');
      assert.equal(served(res), 'big/model-big');
      assert.equal(attempts(res), '2');
      assert.equal((await p.chatRequests()).length, 1);
    });

    it('discovers windows: with none declared, a context error moves the request to the next target', opts, async () => {
      const gw = await contextGateway();
      await p.setFaults([{ status: 400, body: contextError }]);
      const res = await gw.chat(chatBody('undeclared'));
      assertCompletionFrom(res, 'S');
      assert.equal(served(res), 'big/model-unlisted');
      const small = await adminTarget(gw, 'small/model-unlisted');
      assert.equal(small.context_window, 8192, `learnt from the message: ${JSON.stringify(small)}`);
      assert.equal(small.breaker, 'closed');
    });

    it('skips a target known to be no larger than the one that refused, and tries the unknown one', opts, async () => {
      const gw = await contextGateway();
      await p.setFaults([{ status: 400, body: contextError }]);
      const res = await gw.chat(chatBody('skips_smaller'));
      assertCompletionFrom(res, 'S');
      assert.equal((await t.chatRequests()).length, 0, 'the 4096-token target was skipped');
    });

    it('answers 400 context_length_exceeded when every target that could take it refused', opts, async () => {
      const gw = await contextGateway();
      await p.setFaults([{ status: 400, body: contextError }]);
      const res = await gw.chat(chatBody('all_too_small'));
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error.code, 'context_length_exceeded', res.text);
      assert.match(res.json.error.message, /maximum context length is 8192/);
      assert.equal((await t.chatRequests()).length, 0);
    });

    it('passes the 400 through unchanged when no target has a larger window', opts, async () => {
      const gw = await contextGateway();
      await p.setFaults([{ status: 400, body: contextError }]);
      const res = await gw.chat(chatBody('cw_only'));
      assert.equal(res.status, 400, res.text);
      assert.equal(res.text, contextError, 'the upstream body, byte for byte');
      assert.equal((await p.chatRequests()).length, 1, 'not retried');
    });
  });

  describe('failure domains', () => {
    it('diversity: cloud tries a target in another cloud after a failure', opts, async () => {
      const gw = await gateway({
        resilience: breaker(),
        providers: { p1: provider(p, { cloud: 'a' }), p2: provider(s, { cloud: 'a' }), p3: provider(t, { cloud: 'b' }) },
        routes: {
          diverse: {
            targets: ['p1/m', 'p2/m', 'p3/m'],
            diversity: 'cloud',
            retry: { ...RETRY, max_attempts: 3 },
            timeouts: TIMEOUTS,
          },
          plain: { targets: ['p1/m', 'p2/m', 'p3/m'], retry: { ...RETRY, max_attempts: 3 }, timeouts: TIMEOUTS },
        },
      });
      await p.setFaults([{ status: 503 }]);
      const res = await gw.chat(chatBody('diverse'));
      assertCompletionFrom(res, 'T');
      assert.equal(served(res), 'p3/m');
      assert.equal(attempts(res), '2');
      assert.equal((await s.chatRequests()).length, 0, 'p2 (same cloud as p1) was not tried second');
      assert.equal((await t.chatRequests()).length, 1);

      // Without diversity the route's order holds: p2 comes second.
      await Promise.all([p.reset(), s.reset(), t.reset(), twin.reset()]);
      await p.setFaults([{ status: 503 }]);
      const plain = await gw.chat(chatBody('plain'));
      assertCompletionFrom(plain, 'S');
      assert.equal(served(plain), 'p2/m');
      assert.equal((await t.chatRequests()).length, 0);

      // Both p1 and p3 failing: the third attempt still reaches p2.
      await Promise.all([p.reset(), s.reset(), t.reset(), twin.reset()]);
      await p.setFaults([{ status: 503 }]);
      await t.setFaults([{ status: 503 }]);
      const third = await gw.chat(chatBody('diverse'));
      assertCompletionFrom(third, 'S');
      assert.equal(attempts(third), '3');
    });

    it('a provider with two of its three targets open is down as a whole: its third target is skipped', opts, async () => {
      const gw = await gateway({
        resilience: breaker({ consecutive_failures: 2 }),
        providers: { x: provider(p), y: provider(s) },
        routes: {
          r1: { targets: ['x/m1'], retry: { max_attempts: 1 }, timeouts: TIMEOUTS },
          r2: { targets: ['x/m2'], retry: { max_attempts: 1 }, timeouts: TIMEOUTS },
          r3: { targets: ['x/m3', 'y/m'], retry: RETRY, timeouts: TIMEOUTS },
        },
      });
      await p.setFaults([{ status: 503 }], { loop: true });
      for (const route of ['r1', 'r2']) {
        for (let i = 0; i < 2; i++) assert.equal((await gw.chat(chatBody(route))).status, 503);
      }
      assert.equal((await adminTarget(gw, 'x/m1')).breaker, 'open');
      assert.equal((await adminTarget(gw, 'x/m2')).breaker, 'open');
      assert.equal((await adminTarget(gw, 'x/m3')).breaker, 'closed', 'its own breaker has seen nothing');
      await p.clearRequests();

      const res = await gw.chat(chatBody('r3'));
      assertCompletionFrom(res, 'S');
      assert.equal(served(res), 'y/m');
      assert.equal(attempts(res), '1', 'x/m3 was skipped without an attempt');
      assert.equal((await p.chatRequests()).length, 0, 'provider x saw nothing');
    });
  });

  describe('mid-stream failover', () => {
    // The simulator answers one word per chunk: P's reply starts "Hello", " from", " P:", ...
    async function midStreamGateway(timeouts = TIMEOUTS) {
      return gateway({
        resilience: breaker({}),
        providers: { p: provider(p), q: provider(twin) },
        routes: { pair: { targets: ['p/model-p', 'q/model-p'], retry: RETRY, timeouts, mid_stream_failover: true } },
      });
    }

    const assertSplicedStream = (res) => assertExactStream(res, simReply('P'));

    it('a stream cut after two chunks continues on the next target as one stream', opts, async () => {
      const gw = await midStreamGateway();
      await p.setFaults([{ truncate_after: 2 }]);
      const res = await gw.stream(chatBody('pair'));
      assertSplicedStream(res);
      assert.equal((await twin.chatRequests()).length, 1, 'Q gave the rest of the answer (a replay)');
    });

    it('a stream that stalls after two chunks continues once inter_token passes', opts, async () => {
      const gw = await midStreamGateway({ ...TIMEOUTS, inter_token: '300ms' });
      await p.setFaults([{ stall_after: 2 }]);
      const res = await gw.stream(chatBody('pair'));
      assertSplicedStream(res);
      assert.ok(res.elapsedMs < 3000, `took ${res.elapsedMs} ms`);
    });

    it('with mid_stream_failover: false a cut stream still ends with an error event and no [DONE]', opts, async () => {
      const gw = await pairGateway({}, { mid_stream_failover: false });
      await p.setFaults([{ truncate_after: 2 }]);
      const res = await gw.stream(chatBody('pair'));
      assert.equal(res.status, 200);
      assert.equal(res.doneCount, 0, res.raw);
      assert.equal(res.errors.length, 1, res.raw);
      assert.equal(res.errors[0].error.code, 'stream_interrupted', res.raw);
      assert.equal((await s.chatRequests()).length, 0);
      assert.ok(simReply('P').startsWith(res.content), res.raw);
    });
  });
});

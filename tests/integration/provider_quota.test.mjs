// Quota demotion end to end (issue 13, item 4): a target whose provider says, in its responses'
// rate-limit headers, that it is nearly out of quota is planned after the others (not removed: it
// still serves when they fail) until the stated reset passes. OpenAI's x-ratelimit-* on a forwarded
// stream, Anthropic's anthropic-ratelimit-* on a translated answer, and a Retry-After on a 200. The
// simulators send the headers through the fault field "headers".
//
// Each test routes to targets of its own (trackers are per provider/model), so that one test's
// readings never reach another's plan.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOST, STATELESS, Stack, TEST_TIMEOUT_MS, chatBody, sleep } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const RESET_MS = 2000; // the reset time the providers state
const PAST_RESET_MS = RESET_MS + 400;

describe('provider quota demotion', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let c;
  let gw;

  before(async () => {
    [a, b, c] = await Promise.all([stack.sim('A'), stack.sim('B'), stack.sim('C')]);
    const retry = { max_attempts: 2, backoff_base: '10ms', backoff_max: '20ms' };
    const config = {
      listen: `${HOST}:0`,
      workers: 2,
      resilience: STATELESS,
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'sk-a' },
        b: { kind: 'openai', base_url: b.baseUrl, api_key: 'sk-b' },
        c: { kind: 'anthropic', base_url: c.url, api_key: 'sk-c' },
      },
      routes: {
        openai_quota: { targets: ['a/quota', 'b/quota'], retry },
        anthropic_quota: { targets: ['c/claude-quota', 'b/claude-fallback'], retry },
        retry_after: { targets: ['a/retry', 'b/retry'], retry },
        cheapest_quota: {
          strategy: 'cheapest',
          targets: [
            { target: 'b/dear', price: { input: 10, output: 10 } },
            { target: 'a/cheap', price: { input: 1, output: 1 } },
          ],
          retry,
        },
      },
    };
    // JSON is YAML, and the harness's emitter does not write lists of maps.
    gw = await stack.gateway(JSON.stringify(config, null, 2));
  }, opts);

  after(() => stack.stop());
  beforeEach(() => Promise.all([a.reset(), b.reset(), c.reset()]));

  async function auditOf(id) {
    for (let i = 0; i < 40; i++) {
      const res = await gw.get(`/admin/requests/${id}`);
      if (res.status === 200) return res.json;
      await sleep(50);
    }
    assert.fail(`no audit record for ${id}`);
  }

  async function quotaOf(target) {
    const res = await gw.get('/admin/budgets');
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.json.provider_quotas), res.text);
    const entry = res.json.provider_quotas.find((q) => q.target === target);
    assert.ok(entry, `${target} in ${res.text}`);
    return entry;
  }

  const servedBy = (res) => res.headers['x-switchyard-target'];

  it('x-ratelimit-remaining-requests 1 of 100 (on a stream) demotes the target; it still serves when the other fails; first again after the reset', opts, async () => {
    await a.setFaults(
      [{ headers: { 'x-ratelimit-limit-requests': 100, 'x-ratelimit-remaining-requests': 1, 'x-ratelimit-reset-requests': '2s' } }],
      { loop: true },
    );
    const first = await gw.stream(chatBody('openai_quota'));
    assert.equal(first.status, 200);
    assert.equal(servedBy(first), 'a/quota', 'nothing known yet: route order');

    const reading = await quotaOf('a/quota');
    assert.equal(reading.near_quota, true, JSON.stringify(reading));
    assert.equal(reading.remaining_requests, 1);
    assert.equal(reading.max_requests, 100);
    assert.match(reading.requests_until, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((await quotaOf('b/quota')).near_quota, false);

    const demoted = await gw.chat(chatBody('openai_quota'), { headers: { 'x-request-id': 'quota-demoted-1' } });
    assert.equal(demoted.status, 200, demoted.text);
    assert.equal(servedBy(demoted), 'b/quota', 'the near-quota target goes after the other');
    assert.equal(demoted.headers['x-switchyard-attempts'], '1');
    assert.equal((await a.chatRequests()).length, 1, 'a was not contacted for the demoted request');
    const record = await auditOf('quota-demoted-1');
    const verdict = record.targets.find((t) => t.target === 'a/quota');
    assert.equal(verdict?.verdict, 'demoted_quota', JSON.stringify(record.targets));
    assert.match(verdict.reason, /requests 1 of 100 left until/);

    // Demoted, not removed: when b fails, a serves.
    await b.setFaults([{ status: 503 }]);
    const fallback = await gw.chat(chatBody('openai_quota'));
    assert.equal(fallback.status, 200, fallback.text);
    assert.equal(servedBy(fallback), 'a/quota');
    assert.equal(fallback.headers['x-switchyard-attempts'], '2');
    assert.equal((await b.chatRequests()).length, 2, 'b was tried first both times');

    // a's last answer said "until 2 s from now"; once that has passed, a leads again.
    await a.clearFaults();
    await sleep(PAST_RESET_MS);
    assert.equal((await quotaOf('a/quota')).near_quota, false);
    const later = await gw.chat(chatBody('openai_quota'));
    assert.equal(later.status, 200, later.text);
    assert.equal(servedBy(later), 'a/quota');
    assert.equal(later.headers['x-switchyard-attempts'], '1');
  });

  it('anthropic-ratelimit-* on a translated answer demote the anthropic target until the stated reset', opts, async () => {
    const reset = new Date(Date.now() + RESET_MS).toISOString(); // RFC 3339, as Anthropic sends it
    await c.setFaults(
      [
        {
          headers: {
            'anthropic-ratelimit-requests-limit': 50,
            'anthropic-ratelimit-requests-remaining': 0,
            'anthropic-ratelimit-requests-reset': reset,
          },
        },
      ],
      { loop: true },
    );
    const first = await gw.chat(chatBody('anthropic_quota'));
    assert.equal(first.status, 200, first.text);
    assert.equal(servedBy(first), 'c/claude-quota');
    const reading = await quotaOf('c/claude-quota');
    assert.equal(reading.near_quota, true, JSON.stringify(reading));
    assert.equal(reading.remaining_requests, 0);
    assert.equal(reading.max_requests, 50);

    const demoted = await gw.chat(chatBody('anthropic_quota'));
    assert.equal(demoted.status, 200, demoted.text);
    assert.equal(servedBy(demoted), 'b/claude-fallback');

    await c.clearFaults();
    await sleep(Math.max(0, Date.parse(reset) - Date.now()) + 400);
    const later = await gw.chat(chatBody('anthropic_quota'));
    assert.equal(later.status, 200, later.text);
    assert.equal(servedBy(later), 'c/claude-quota');
  });

  it('a Retry-After on a 200 demotes the target until it has passed', opts, async () => {
    await a.setFaults([{ retry_after: String(RESET_MS / 1000) }]);
    const first = await gw.chat(chatBody('retry_after'));
    assert.equal(first.status, 200, first.text);
    assert.equal(servedBy(first), 'a/retry');
    const reading = await quotaOf('a/retry');
    assert.equal(reading.near_quota, true, JSON.stringify(reading));
    assert.ok(reading.retry_until, JSON.stringify(reading));

    const demoted = await gw.chat(chatBody('retry_after'));
    assert.equal(servedBy(demoted), 'b/retry');

    await sleep(PAST_RESET_MS);
    const later = await gw.chat(chatBody('retry_after'));
    assert.equal(servedBy(later), 'a/retry');
  });

  it('strategy cheapest: the cheap target near its quota gives way to the dearer one', opts, async () => {
    await a.setFaults([{ headers: { 'x-ratelimit-limit-tokens': 100000, 'x-ratelimit-remaining-tokens': 0 } }]);
    const first = await gw.chat(chatBody('cheapest_quota'));
    assert.equal(servedBy(first), 'a/cheap');
    const demoted = await gw.chat(chatBody('cheapest_quota'));
    assert.equal(servedBy(demoted), 'b/dear');
    const reading = await quotaOf('a/cheap');
    assert.equal(reading.remaining_tokens, 0);
    assert.equal(reading.max_tokens, 100000);
  });

  it('answers without quota headers leave every target as it was', opts, async () => {
    const res = await gw.chat(chatBody('cheapest_quota'));
    assert.equal(res.status, 200, res.text);
    const entry = await quotaOf('b/dear');
    assert.deepEqual(
      { ...entry, target: undefined },
      {
        target: undefined,
        near_quota: false,
        remaining_requests: null,
        max_requests: null,
        requests_until: null,
        remaining_tokens: null,
        max_tokens: null,
        tokens_until: null,
        retry_until: null,
      },
    );
  });
});

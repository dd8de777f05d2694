// Same-target retry (retry.same_target, retry.same_target_wait_max): a transient failure of the
// primary is retried on it before the request fails over; timeouts and long Retry-After move on at
// once; the default (0) keeps the round-by-round order.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, TEST_TIMEOUT_MS, assertCleanStreamFrom, assertCompletionFrom, chatBody } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const served = (res) => res.headers['x-switchyard-target'];
const attempts = (res) => res.headers['x-switchyard-attempts'];

describe('same-target retry', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let gw;

  before(async () => {
    [a, b] = await Promise.all([stack.sim('A'), stack.sim('B')]);
    const route = (retry) => ({
      targets: ['a/model-a', 'b/model-b'],
      retry: { max_attempts: 4, backoff_base: '10ms', backoff_max: '50ms', ...retry },
      timeouts: { attempt: '2s', first_token: '500ms', total: '10s' },
    });
    gw = await stack.gateway({
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'key-a' },
        b: { kind: 'openai', base_url: b.baseUrl, api_key: 'key-b' },
      },
      routes: {
        default_order: route({}),
        once: route({ same_target: 1 }),
        // Targets of its own: its Retry-After tests keep a target demoted for seconds (quota
        // demotion), which must not reorder the other routes' plans.
        twice: { ...route({ same_target: 2, same_target_wait_max: '1s' }), targets: ['a/model-twice', 'b/model-twice'] },
        tight: { ...route({ same_target: 3, max_attempts: 2 }) },
      },
    });
  }, opts);

  after(() => stack.stop());

  beforeEach(() => Promise.all([a.reset(), b.reset()]));

  it('by default a single 500 moves the request to the fallback at once', opts, async () => {
    await a.setFaults([{ status: 500 }]);
    const res = await gw.chat(chatBody('default_order'));
    assertCompletionFrom(res, 'B');
    assert.equal((await a.chatRequests()).length, 1);
  });

  for (const [fault, what] of [
    [{ status: 500 }, 'a 500'],
    [{ status: 503 }, 'a 503'],
    [{ status: 429 }, 'a 429'],
    [{ reset: true }, 'a reset connection'],
    [{ malformed: true }, 'a malformed answer'],
  ]) {
    it(`same_target: 1 retries the primary once after ${what}`, opts, async () => {
      await a.setFaults([fault]);
      const res = await gw.chat(chatBody('once'));
      assertCompletionFrom(res, 'A');
      assert.equal(served(res), 'a/model-a');
      assert.equal(attempts(res), '2');
      assert.equal((await b.chatRequests()).length, 0, 'the fallback was not needed');
    });
  }

  it('streams too: a stream that ends before its first event is retried on the same target', opts, async () => {
    await a.setFaults([{ truncate_after: 0 }]);
    const res = await gw.stream(chatBody('once'));
    assertCleanStreamFrom(res, 'A');
    assert.equal(attempts(res), '2');
  });

  it('moves on after same_target retries are spent', opts, async () => {
    await a.setFaults([{ status: 503 }, { status: 503 }]);
    const res = await gw.chat(chatBody('once'));
    assertCompletionFrom(res, 'B');
    assert.equal((await a.chatRequests()).length, 2);
  });

  it('honours a short Retry-After on the same target', opts, async () => {
    await a.setFaults([{ status: 429, retry_after: '1' }]);
    const started = Date.now();
    const res = await gw.chat(chatBody('twice'));
    assertCompletionFrom(res, 'A');
    assert.ok(Date.now() - started >= 900, `waited for Retry-After: ${Date.now() - started} ms`);
  });

  it('a Retry-After longer than same_target_wait_max moves on at once and keeps the target out', opts, async () => {
    await a.setFaults([{ status: 429, retry_after: '5' }]);
    await b.setFaults([{ status: 503 }]);
    const started = Date.now();
    const res = await gw.chat(chatBody('twice'));
    assertCompletionFrom(res, 'B');
    assert.ok(Date.now() - started < 2000, `did not wait for A: ${Date.now() - started} ms`);
    assert.equal((await a.chatRequests()).length, 1, 'A is out of this request until its Retry-After passes');
    assert.equal((await b.chatRequests()).length, 2, 'B had its same-target retry');
  });

  it('a timeout never retries the same target', opts, async () => {
    await a.setFaults([{ stall_after: 0 }]);
    const res = await gw.stream(chatBody('once'));
    assertCleanStreamFrom(res, 'B');
    assert.equal((await a.chatRequests()).length, 1);
  });

  it('stays inside max_attempts', opts, async () => {
    await a.setFaults([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const res = await gw.chat(chatBody('tight'));
    assert.equal(res.status, 503, res.text);
    assert.equal((await a.chatRequests()).length, 2);
    assert.equal((await b.chatRequests()).length, 0);
  });
});

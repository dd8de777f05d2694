// Retries: rounds across targets, backoff on a single target, Retry-After, and the total deadline.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, TEST_TIMEOUT_MS, assertCompletionFrom, assertOpenAIError, chatBody } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

describe('retries and deadlines', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let gw;

  before(async () => {
    [a, b] = await Promise.all([stack.sim('A'), stack.sim('B')]);
    const fast = { backoff_base: '10ms', backoff_max: '50ms' };
    gw = await stack.gateway({
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'key-a' },
        b: { kind: 'openai', base_url: b.baseUrl, api_key: 'key-b' },
      },
      routes: {
        rounds: {
          targets: ['a/model-a', 'b/model-b'],
          retry: { max_attempts: 4, ...fast },
          timeouts: { attempt: '2s', total: '10s' },
        },
        pair: {
          targets: ['a/model-a', 'b/model-b'],
          retry: { max_attempts: 2, ...fast },
          timeouts: { attempt: '2s', total: '10s' },
        },
        solo: {
          targets: ['a/model-a'],
          retry: { max_attempts: 3, backoff_base: '100ms', backoff_max: '200ms', retry_after_max: '10s' },
          timeouts: { attempt: '2s', total: '10s' },
        },
        // A target of its own: its Retry-After: 5 keeps it demoted for 5 s (quota demotion), which
        // must not reorder the other routes' plans.
        solo_capped: {
          targets: ['a/model-capped'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms', retry_after_max: '300ms' },
          timeouts: { attempt: '2s', total: '10s' },
        },
        deadline: {
          targets: ['a/model-a', 'b/model-b'],
          retry: { max_attempts: 4, ...fast },
          timeouts: { attempt: '5s', total: '600ms' },
        },
      },
    });
  }, opts);

  after(() => stack.stop());

  beforeEach(() => Promise.all([a.reset(), b.reset()]));

  it('retries a single-target route after a backoff and succeeds', opts, async () => {
    await a.setFaults([{ status: 503 }]);
    const res = await gw.chat(chatBody('solo'));
    assertCompletionFrom(res, 'A');
    assert.equal(res.headers['x-switchyard-route'], 'solo');
    assert.equal(res.headers['x-switchyard-target'], 'a/model-a');
    assert.equal(res.headers['x-switchyard-attempts'], '2');
    assert.equal((await a.chatRequests()).length, 2);
  });

  it('honours Retry-After on a single-target route: the second attempt comes about 1 s later', opts, async () => {
    await a.setFaults([{ status: 429, retry_after: '1' }]);
    const res = await gw.chat(chatBody('solo'));
    assertCompletionFrom(res, 'A');
    assert.equal(res.headers['x-switchyard-attempts'], '2');
    assert.equal((await a.chatRequests()).length, 2);
    assert.ok(res.elapsedMs >= 900, `waited for Retry-After: 1, took only ${res.elapsedMs} ms`);
    assert.ok(res.elapsedMs < 5000, `took ${res.elapsedMs} ms`);
  });

  it('caps an honoured Retry-After at retry.retry_after_max', opts, async () => {
    await a.setFaults([{ status: 429, retry_after: '5' }]);
    const res = await gw.chat(chatBody('solo_capped'));
    assertCompletionFrom(res, 'A');
    assert.equal((await a.chatRequests()).length, 2);
    assert.ok(res.elapsedMs < 3000, `Retry-After: 5 was capped at 300ms, yet took ${res.elapsedMs} ms`);
    assert.ok(res.elapsedMs >= 250, `still waited the 300ms cap, took ${res.elapsedMs} ms`);
  });

  it('tries targets round by round (A, B, A): success on the third attempt at A', opts, async () => {
    // Round order A,B,A gives: A 503, B 503, A ok. Target-by-target (A,A,B,B) would end at A's
    // second attempt with 2 attempts and leave B untouched.
    await a.setFaults([{ status: 503 }]);
    await b.setFaults([{ status: 503 }]);
    const res = await gw.chat(chatBody('rounds'));
    assertCompletionFrom(res, 'A');
    assert.equal(res.headers['x-switchyard-target'], 'a/model-a');
    assert.equal(res.headers['x-switchyard-attempts'], '3');
    assert.equal((await a.chatRequests()).length, 2);
    assert.equal((await b.chatRequests()).length, 1);
  });

  it('makes max_attempts attempts as A, B, A, B across two failing targets, then answers 503', opts, async () => {
    await a.setFaults([{ status: 503 }], { loop: true });
    await b.setFaults([{ status: 503 }], { loop: true });
    const res = await gw.chat(chatBody('rounds'));
    const err = assertOpenAIError(res, 503);
    assert.equal((await a.chatRequests()).length, 2);
    assert.equal((await b.chatRequests()).length, 2);
    if (res.headers['x-switchyard-attempts'] !== undefined) assert.equal(res.headers['x-switchyard-attempts'], '4');
    const order = err.message.match(/[ab]\/model-[ab]/g) || [];
    assert.deepEqual(order, ['a/model-a', 'b/model-b', 'a/model-a', 'b/model-b'], `attempts listed in order: ${err.message}`);
  });

  it('answers 503 in the OpenAI error shape naming each target when all targets fail fast', opts, async () => {
    await a.setFaults([{ status: 503 }], { loop: true });
    await b.setFaults([{ status: 500 }], { loop: true });
    const res = await gw.chat(chatBody('pair'));
    const err = assertOpenAIError(res, 503);
    assert.match(err.message, /a\/model-a/);
    assert.match(err.message, /b\/model-b/);
    assert.ok(res.elapsedMs < 3000, `failed fast, took ${res.elapsedMs} ms`);
  });

  it('answers 504 when the total deadline runs out', opts, async () => {
    await a.setFaults([{ hang: true }], { loop: true });
    await b.setFaults([{ hang: true }], { loop: true });
    const res = await gw.chat(chatBody('deadline'));
    const err = assertOpenAIError(res, 504);
    assert.match(err.message, /a\/model-a/, 'names the attempted target');
    assert.ok(res.elapsedMs >= 500, `waited for the 600ms deadline, took ${res.elapsedMs} ms`);
    assert.ok(res.elapsedMs < 3000, `stopped at the 600ms deadline, took ${res.elapsedMs} ms`);
  });

  it('answers 504 for a stream whose total deadline runs out before the first byte', opts, async () => {
    await a.setFaults([{ hang: true }], { loop: true });
    await b.setFaults([{ hang: true }], { loop: true });
    const res = await gw.post('/v1/chat/completions', chatBody('deadline', 'hi there', { stream: true }));
    assertOpenAIError(res, 504);
    assert.ok(res.elapsedMs < 3000, `took ${res.elapsedMs} ms`);
  });
});

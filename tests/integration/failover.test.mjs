// Failover across targets: which upstream failures move a request to the next target, and
// which answers are passed through untouched.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Stack,
  TEST_TIMEOUT_MS,
  assertCleanStreamFrom,
  assertCompletionFrom,
  chatBody,
  closedPort,
} from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

describe('failover', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let gw;

  before(async () => {
    [a, b] = await Promise.all([stack.sim('A'), stack.sim('B')]);
    const dead = await closedPort();
    gw = await stack.gateway({
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'key-a' },
        b: { kind: 'openai', base_url: b.baseUrl, api_key: 'key-b' },
        dead: { kind: 'openai', base_url: `http://127.0.0.1:${dead}/v1` },
      },
      routes: {
        pair: {
          strategy: 'fallback',
          targets: ['a/model-a', 'b/model-b'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '300ms', first_token: '300ms', total: '10s' },
        },
        refused: {
          targets: ['dead/model-x', 'a/model-a'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '2s', total: '10s' },
        },
      },
    });
  }, opts);

  after(() => stack.stop());

  beforeEach(() => Promise.all([a.reset(), b.reset()]));

  async function assertServedByB(res, { attempts = '2' } = {}) {
    assertCompletionFrom(res, 'B');
    assert.equal(res.headers['x-switchyard-route'], 'pair');
    assert.equal(res.headers['x-switchyard-target'], 'b/model-b');
    assert.equal(res.headers['x-switchyard-attempts'], attempts);
    assert.equal((await a.chatRequests()).length, 1, 'A was tried exactly once');
    assert.equal((await b.chatRequests()).length, 1, 'B was tried exactly once');
  }

  it('fails over from a refused connection (closed port) to the next target', opts, async () => {
    const res = await gw.chat(chatBody('refused'));
    assertCompletionFrom(res, 'A');
    assert.equal(res.headers['x-switchyard-route'], 'refused');
    assert.equal(res.headers['x-switchyard-target'], 'a/model-a');
    assert.equal(res.headers['x-switchyard-attempts'], '2');
    assert.equal((await a.chatRequests()).length, 1);
  });

  it('fails over from a connection reset to the next target', opts, async () => {
    await a.setFaults([{ reset: true }]);
    await assertServedByB(await gw.chat(chatBody('pair')));
  });

  it('fails over when an attempt times out on a hanging upstream', opts, async () => {
    await a.setFaults([{ hang: true }]);
    const res = await gw.chat(chatBody('pair'));
    await assertServedByB(res);
    assert.ok(res.elapsedMs >= 250, `waited for the 300ms attempt timeout, took ${res.elapsedMs} ms`);
    assert.ok(res.elapsedMs < 5000, `did not wait much past the attempt timeout, took ${res.elapsedMs} ms`);
  });

  it('fails over when an upstream answers with malformed JSON', opts, async () => {
    await a.setFaults([{ malformed: true }]);
    await assertServedByB(await gw.chat(chatBody('pair')));
  });

  for (const status of [408, 409, 429, 500, 502, 503, 504, 529, 401, 403, 404]) {
    it(`fails over from a ${status} target to the next`, opts, async () => {
      await a.setFaults([{ status }]);
      await assertServedByB(await gw.chat(chatBody('pair')));
    });
  }

  for (const status of [400, 422]) {
    it(`passes a ${status} through unchanged with the upstream's body and does not retry`, opts, async () => {
      const upstreamBody = JSON.stringify({
        error: {
          message: `upstream says ${status}: messages[0].content is wrong`,
          type: 'invalid_request_error',
          param: 'messages',
          code: `sim_${status}`,
        },
      });
      await a.setFaults([{ status, body: upstreamBody }]);
      const res = await gw.chat(chatBody('pair'));
      assert.equal(res.status, status, `status: ${res.status} ${res.text}`);
      assert.equal(res.text, upstreamBody, 'body passed through byte for byte');
      assert.equal((await a.chatRequests()).length, 1, 'A saw exactly one request');
      assert.equal((await b.chatRequests()).length, 0, 'B was never tried');
    });
  }

  it('hides a 503 from the first target of a stream: the client gets one clean stream', opts, async () => {
    await a.setFaults([{ status: 503 }]);
    const res = await gw.stream(chatBody('pair'));
    assertCleanStreamFrom(res, 'B');
    assert.equal(res.headers['x-switchyard-target'], 'b/model-b');
    assert.equal(res.headers['x-switchyard-attempts'], '2');
    assert.equal((await a.chatRequests()).length, 1);
  });

  it('hides a connection reset from the first target of a stream', opts, async () => {
    await a.setFaults([{ reset: true }]);
    const res = await gw.stream(chatBody('pair'));
    assertCleanStreamFrom(res, 'B');
    assert.equal(res.headers['x-switchyard-target'], 'b/model-b');
  });

  it('fails a stream over when the first token does not come within timeouts.first_token', opts, async () => {
    await a.setFaults([{ stall_after: 0 }]);
    const res = await gw.stream(chatBody('pair'));
    assertCleanStreamFrom(res, 'B');
    assert.equal(res.headers['x-switchyard-target'], 'b/model-b');
    assert.ok(res.elapsedMs >= 250, `waited for the 300ms first-token timeout, took ${res.elapsedMs} ms`);
    assert.ok(res.elapsedMs < 5000, `took ${res.elapsedMs} ms`);
  });

  it('fails a stream over when the upstream sends no headers within timeouts.attempt', opts, async () => {
    await a.setFaults([{ delay_ms: 3000 }]);
    const res = await gw.stream(chatBody('pair'));
    assertCleanStreamFrom(res, 'B');
    assert.ok(res.elapsedMs < 2500, `did not wait for the slow upstream, took ${res.elapsedMs} ms`);
  });
});

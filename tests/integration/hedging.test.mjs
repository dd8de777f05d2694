// Hedging made safe: the race between a slow primary and its hedge, whatever fails in it, never
// touches a connection that is gone (run under ASan by scripts/test.sh), never sends one provider's
// headers to another, and a loser cancelled by the winner is not held against its target.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  HOST,
  Stack,
  TEST_TIMEOUT_MS,
  assertCleanStreamFrom,
  assertCompletionFrom,
  chatBody,
  establishedTo,
  sleep,
} from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const served = (res) => res.headers['x-switchyard-target'];

describe('hedging', { timeout: 180_000 }, () => {
  const stack = new Stack();
  let p;
  let s;
  let x;
  let y;
  let gw;

  before(async () => {
    [p, s, x, y] = await Promise.all([stack.sim('P'), stack.sim('S'), stack.sim('X'), stack.sim('Y')]);
    gw = await stack.gateway({
      resilience: {
        breaker: { consecutive_failures: 3, min_requests: 1000, open: '60s', open_max: '60s' },
        retry_budget: { min_per_second: 1000000 },
      },
      providers: {
        p: { kind: 'openai', base_url: p.baseUrl, api_key: 'key-p' },
        s: { kind: 'openai', base_url: s.baseUrl, api_key: 'key-s' },
        x: { kind: 'anthropic', base_url: x.url, api_key: 'key-x' },
        y: { kind: 'gemini', base_url: y.url, api_key: 'key-y' },
      },
      routes: {
        race: {
          targets: ['p/model-p', 's/model-s'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '4s', first_token: '4s', total: '10s' },
          hedge: { delay: '100ms', max_ratio: 1 },
        },
        lose: {
          targets: ['p/model-lose', 's/model-s'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '4s', first_token: '4s', total: '10s' },
          hedge: { delay: '100ms', max_ratio: 1 },
        },
        trip_x: { targets: ['x/claude'], retry: { max_attempts: 1 } },
        mixed: {
          targets: ['p/model-p', 'x/claude', 'y/gem'],
          retry: { max_attempts: 3, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '4s', first_token: '4s', total: '10s' },
          hedge: { delay: '100ms', max_ratio: 1 },
        },
      },
    });
  }, opts);

  after(() => stack.stop());

  beforeEach(() => Promise.all([p.reset(), s.reset(), x.reset(), y.reset()]));

  for (const [fault, what, stream] of [
    [{ delay_ms: 300, status: 503 }, 'a 503', false],
    [{ delay_ms: 300, reset: true }, 'a reset', false],
    [{ delay_ms: 300, malformed: true }, 'invalid JSON', false],
    [{ delay_ms: 300, truncate_after: 0 }, 'a body cut short', false],
    [{ delay_ms: 300, malformed: true }, 'a bad first stream event', true],
    [{ delay_ms: 300, error_after: 0 }, 'an error event first', true],
    [{ delay_ms: 300, truncate_after: 0 }, 'a stream cut before its first event', true],
  ]) {
    it(`the primary fails in the race with ${what}${stream ? ' (stream)' : ''}: the hedge answers`, opts, async () => {
      await p.setFaults([fault]);
      await s.setFaults([{ delay_ms: 700 }]);
      const res = stream ? await gw.stream(chatBody('race')) : await gw.chat(chatBody('race'));
      if (stream) assertCleanStreamFrom(res, 'S');
      else assertCompletionFrom(res, 'S');
      assert.equal(served(res), 's/model-s');
      // The gateway is still whole: the next request is served normally.
      assertCompletionFrom(await gw.chat(chatBody('race')), 'P');
    });
  }

  it('the hedge fails: the primary still answers', opts, async () => {
    await p.setFaults([{ delay_ms: 500 }]);
    await s.setFaults([{ status: 503 }]);
    const res = await gw.chat(chatBody('race'));
    assertCompletionFrom(res, 'P');
    assert.equal(served(res), 'p/model-p');
  });

  it('both fail: an honest 503 naming both', opts, async () => {
    await p.setFaults([{ delay_ms: 300, status: 503 }]);
    await s.setFaults([{ delay_ms: 400, status: 503 }]);
    const res = await gw.chat(chatBody('race'));
    assert.equal(res.status, 503, res.text);
    assert.match(res.json.error.message, /p\/model-p/);
    assert.match(res.json.error.message, /s\/model-s/);
    assertCompletionFrom(await gw.chat(chatBody('race')), 'P');
  });

  it('the client leaves mid-race: both upstream exchanges are closed and the gateway keeps serving', opts, async () => {
    await p.setFaults([{ delay_ms: 3000 }]);
    await s.setFaults([{ delay_ms: 3000 }]);
    // Idle keep-alive connections of earlier tests stay in the pools; the race's two exchanges come
    // on top of them (or reuse one), so once they are closed no more than these remain.
    const idle = { p: establishedTo(p.port), s: establishedTo(s.port) };
    const socket = net.connect(gw.port, HOST);
    await new Promise((resolve) => socket.once('connect', resolve));
    const body = JSON.stringify(chatBody('race'));
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await sleep(400);
    assert.equal((await s.chatRequests()).length, 1, 'the hedge had started');
    socket.destroy();
    const deadline = Date.now() + 2000;
    const open = () => establishedTo(p.port) > idle.p || establishedTo(s.port) > idle.s;
    while (Date.now() < deadline && open()) await sleep(50);
    assert.ok(establishedTo(p.port) <= idle.p, 'the primary exchange was closed');
    assert.ok(establishedTo(s.port) <= idle.s, 'the hedge exchange was closed');
    assertCompletionFrom(await gw.chat(chatBody('race')), 'P');
  });

  it('a primary that keeps losing races is not held against its breaker (hedge_lost)', opts, async () => {
    for (let i = 0; i < 3; i++) {
      await p.setFaults([{ delay_ms: 1500 }]);
      const res = await gw.chat(chatBody('lose'));
      assertCompletionFrom(res, 'S');
    }
    const targets = (await gw.get('/admin/targets')).json.targets;
    const primary = targets.find((t) => t.target === 'p/model-lose');
    assert.equal(primary.breaker, 'closed', JSON.stringify(primary));
    assert.equal(primary.window_failures, 0, JSON.stringify(primary));
    const incidents = (await gw.get('/admin/incidents')).json.incidents;
    assert.ok(!incidents.some((i) => i.target === 'p/model-lose'), JSON.stringify(incidents));
  });

  it('a candidate encoded and then skipped by its breaker leaves nothing in the hedge that is sent', opts, async () => {
    // Open x's breaker (three failures in a row).
    await x.setFaults([{ status: 503 }, { status: 503 }, { status: 503 }]);
    for (let i = 0; i < 3; i++) await gw.chat(chatBody('trip_x'));
    await x.clearRequests();
    await p.setFaults([{ delay_ms: 1500 }]);
    const res = await gw.chat(chatBody('mixed'));
    assert.equal(res.status, 200, res.text);
    assert.equal(served(res), 'y/gem');
    assert.equal((await x.requests()).filter((r) => r.method === 'POST').length, 0, 'x was skipped');
    const [sent] = (await y.requests()).filter((r) => r.method === 'POST');
    assert.ok(sent, 'the hedge went to y');
    assert.match(sent.target, /\/v1beta\/models\/gem:generateContent/);
    const headers = sent.headers;
    assert.equal(headers['x-goog-api-key'], 'key-y');
    for (const foreign of ['x-api-key', 'anthropic-version', 'authorization', 'x-amz-date']) {
      assert.equal(headers[foreign], undefined, `${foreign} must not reach y: ${JSON.stringify(headers)}`);
    }
    const [primary] = (await p.requests()).filter((r) => r.method === 'POST');
    assert.equal(primary.headers.authorization, 'Bearer key-p');
    assert.equal(primary.headers['x-api-key'], undefined);
  });
});

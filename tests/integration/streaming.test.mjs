// Server-sent event streams: relaying, breaks after the first byte, and clients that go away.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  HOST,
  Stack,
  TEST_TIMEOUT_MS,
  assertCleanStreamFrom,
  assertCompletionFrom,
  chatBody,
  establishedTo,
  parseSse,
  simReply,
  streamRequest,
  sleep,
} from './lib/harness.mjs';
import net from 'node:net';

const opts = { timeout: TEST_TIMEOUT_MS };
const LONG_TEXT = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');

describe('streaming', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let c;
  let twin;  // the same model as A at another provider (voice A): continues A's answers exactly
  let gw;

  before(async () => {
    [a, b, c, twin] = await Promise.all([stack.sim('A'), stack.sim('B'), stack.sim('C'), stack.sim('A2', { voice: 'A' })]);
    gw = await stack.gateway({
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl },
        b: { kind: 'openai', base_url: b.baseUrl },
        c: { kind: 'openai', base_url: c.baseUrl },
        twin: { kind: 'openai', base_url: twin.baseUrl },
      },
      routes: {
        pair: {
          targets: ['a/model-a', 'b/model-b'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '2s', first_token: '2s', total: '20s' },
        },
        lonely: { targets: ['c/model-c'], timeouts: { attempt: '5s', first_token: '5s', total: '30s' } },
        twin: {
          targets: ['a/model-a', 'twin/model-a'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '2s', first_token: '2s', total: '20s' },
        },
        twin_quick: {
          targets: ['a/model-a', 'twin/model-a'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '2s', first_token: '2s', inter_token: '300ms', total: '20s' },
        },
        pair_strict: {
          targets: ['a/model-a', 'b/model-b'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '2s', first_token: '2s', total: '20s' },
          mid_stream_failover: false,
        },
      },
    });
  }, opts);

  after(() => stack.stop());

  beforeEach(() => Promise.all([a.reset(), b.reset(), c.reset(), twin.reset()]));

  it('relays a stream of chat.completion.chunk events ending in data: [DONE]', opts, async () => {
    const res = await gw.stream(chatBody('pair'));
    assertCleanStreamFrom(res, 'A');
    assert.equal(res.headers['x-switchyard-route'], 'pair');
    assert.equal(res.headers['x-switchyard-target'], 'a/model-a');
    assert.equal(res.headers['x-switchyard-attempts'], '1');
    assert.ok(res.chunks.length >= 3, `one word per chunk, got ${res.chunks.length} chunks`);
    const [seen] = await a.chatRequests();
    const forwarded = JSON.parse(seen.body);
    assert.equal(forwarded.stream, true);
    assert.equal(forwarded.model, 'model-a');
  });

  it('relays a long stream sent as fast as the upstream can write exactly (thousands of events, reads of many KiB)', opts, async () => {
    // The simulator answers one word per chunk and writes them back to back: the gateway reads many
    // events per read, with reads ending mid-event and mid-chunk-header, and must hand on every byte.
    const text = Array.from({ length: 4000 }, (_, i) => `w${i}${'x'.repeat(i % 13)}`).join(' ');
    const res = await gw.stream(chatBody('lonely', text));
    assertCleanStreamFrom(res, 'C', text);
    assert.ok(res.chunks.length >= 4000, `one word per chunk, got ${res.chunks.length} chunks`);
    assert.ok(res.raw.length > 256 * 1024, `a stream of more than 256 KiB, got ${res.raw.length} bytes`);
  });

  it('relays the usage chunk when stream_options.include_usage is set', opts, async () => {
    const res = await gw.stream(chatBody('pair', 'hi there', { stream_options: { include_usage: true } }));
    assertCleanStreamFrom(res, 'A');
    assert.ok(res.usage, `a chunk carries usage: ${res.raw.slice(0, 2000)}`);
    assert.ok(Number.isInteger(res.usage.total_tokens) && res.usage.total_tokens > 0, JSON.stringify(res.usage));
  });

  it('continues a stream cut after bytes reached the client on the next target, as one exact stream', opts, async () => {
    await a.setFaults([{ truncate_after: 3, token_delay_ms: 100 }]);
    const res = await gw.stream(chatBody('twin', LONG_TEXT, { stream_options: { include_usage: true } }));
    const where = `raw:\n${res.raw.slice(0, 3000)}`;
    assert.equal(res.status, 200, where);
    assert.equal(res.headers['x-switchyard-target'], 'a/model-a', where);
    assert.equal(res.errors.length, 0, where);
    assert.equal(res.doneCount, 1, where);
    assert.equal(res.content, simReply('A', LONG_TEXT), `exactly A's answer: ${where}`);
    assert.equal(new Set(res.chunks.map((c) => c.id)).size, 1, `one id: ${where}`);
    const finishes = res.chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason);
    assert.deepEqual(finishes.map((c) => c.finish_reason), ['stop'], where);
    assert.ok(res.usage && res.usage.completion_tokens >= 3, `usage: ${where}`);
    const sent = JSON.parse((await twin.chatRequests())[0].body);
    assert.equal(sent.messages.at(-1).role, 'user', 'an OpenAI-compatible server without prefill is replayed');
  });

  it('a cut stream whose fallback answers something else ends with an error event, never a spliced answer', opts, async () => {
    await a.setFaults([{ truncate_after: 3, token_delay_ms: 100 }]);
    const res = await gw.stream(chatBody('pair', LONG_TEXT));
    const where = `raw:\n${res.raw.slice(0, 3000)}`;
    assert.equal(res.doneCount, 0, where);
    assert.equal(res.errors.length, 1, where);
    assert.ok(simReply('A', LONG_TEXT).startsWith(res.content), `only A's words: ${where}`);
  });

  for (const [fault, what] of [
    [{ error_after: 3, token_delay_ms: 20 }, 'an upstream error event'],
    [{ malformed_after: 3, token_delay_ms: 20 }, 'a malformed chunk'],
    [{ stall_after: 3 }, 'silence past inter_token'],
  ]) {
    it(`continues a stream broken by ${what} after bytes reached the client`, opts, async () => {
      await a.setFaults([fault]);
      const res = await gw.stream(chatBody('twin_quick', LONG_TEXT), { timeoutMs: 8000 });
      const where = `raw:\n${res.raw.slice(0, 3000)}`;
      assert.equal(res.status, 200, where);
      assert.equal(res.errors.length, 0, `no error event reaches the client: ${where}`);
      assert.equal(res.unparsable.length, 0, `no malformed chunk reaches the client: ${where}`);
      assert.equal(res.doneCount, 1, where);
      assert.equal(res.content, simReply('A', LONG_TEXT), where);
    });
  }

  it('continues a translated stream (Anthropic client, OpenAI targets) cut mid-way, in Anthropic events', opts, async () => {
    await a.setFaults([{ truncate_after: 3, token_delay_ms: 50 }]);
    const res = await streamRequest(`${gw.url}/v1/messages`, {
      headers: { 'anthropic-version': '2023-06-01' },
      body: { model: 'twin', max_tokens: 256, stream: true, messages: [{ role: 'user', content: LONG_TEXT }] },
    });
    const events = parseSse(res.raw).map((e) => e.event).filter((e) => e !== 'ping');
    assert.equal(events.filter((e) => e === 'message_start').length, 1, res.raw);
    assert.deepEqual(events.slice(-3), ['content_block_stop', 'message_delta', 'message_stop'], res.raw);
    assert.ok(!events.includes('error'), res.raw);
    const text = parseSse(res.raw)
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => JSON.parse(e.data).delta.text)
      .join('');
    assert.equal(text, simReply('A', LONG_TEXT));
  });

  it('ends a stream cut after bytes reached the client with an error event and no [DONE] (mid_stream_failover: false)', opts, async () => {
    // token_delay_ms makes sure the first chunks reached the client before the cut.
    await a.setFaults([{ truncate_after: 3, token_delay_ms: 100 }]);
    const res = await gw.stream(chatBody('pair_strict', LONG_TEXT));
    const where = `raw:\n${res.raw.slice(0, 3000)}`;
    assert.equal(res.status, 200, where);
    assert.equal(res.headers['x-switchyard-target'], 'a/model-a', 'no failover once bytes were sent');
    assert.equal(res.doneCount, 0, `no [DONE] after a cut: ${where}`);
    assert.ok(!res.raw.includes('data: [DONE]'), where);
    // The chunks sent before the cut were relayed: a non-empty, strict prefix of the full reply.
    const full = simReply('A', LONG_TEXT);
    assert.ok(res.content.length > 0 && res.content.length < full.length, `partial content relayed: ${where}`);
    assert.ok(full.startsWith(res.content), `relayed content is a prefix of the reply: ${where}`);
    assert.equal(res.errors.length, 1, `exactly one error event: ${where}`);
    const errorEvent = res.errors[0].error;
    assert.equal(typeof errorEvent.message, 'string', where);
    const lastData = res.events.at(-1).data;
    assert.ok(JSON.parse(lastData).error, `the error event comes last: ${where}`);
    assert.ok(/data: \{"error"/.test(res.raw), `error sent as data: {"error":...}: ${where}`);
    assert.equal((await b.chatRequests()).length, 0, 'B was not tried after bytes reached the client');
  });

  it('ends a stream whose upstream stalls after the first token with an error event and no [DONE]', opts, async () => {
    // A route whose first_token timeout has passed relies on the total deadline to end a stall.
    const local = new Stack();
    try {
      const gw2 = await local.gateway({
        providers: { c: { kind: 'openai', base_url: c.baseUrl } },
        routes: { stall: { targets: ['c/model-c'], timeouts: { attempt: '2s', first_token: '2s', total: '1500ms' } } },
      });
      await c.setFaults([{ stall_after: 2 }]);
      const res = await gw2.stream(chatBody('stall', LONG_TEXT), { timeoutMs: 8000 });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.doneCount, 0, res.raw);
      assert.equal(res.errors.length, 1, `one error event: ${res.raw}`);
    } finally {
      await local.stop();
    }
  });

  it('keeps serving after a client disconnects mid-stream', opts, async () => {
    await c.setFaults([{ token_delay_ms: 200 }]);
    const firstEvent = await openStreamAndDropAfterFirstEvent(gw.port, chatBody('lonely', LONG_TEXT, { stream: true }));
    assert.match(firstEvent, /data: /);
    await sleep(300);
    const res = await gw.chat(chatBody('lonely'));
    assertCompletionFrom(res, 'C');
    const stream = await gw.stream(chatBody('lonely'));
    assertCleanStreamFrom(stream, 'C');
  });

  it('closes the upstream connection when the client disconnects mid-stream', opts, async (t) => {
    if (establishedTo(c.port) === null) {
      t.skip('/proc/net/tcp is not readable here');
      return;
    }
    // A fresh sim so that no pooled keep-alive connection to it exists before the stream.
    const d = await stack.sim('D');
    const local = new Stack();
    try {
      const gw2 = await local.gateway({
        providers: { d: { kind: 'openai', base_url: d.baseUrl } },
        routes: { only: { targets: ['d/model-d'], timeouts: { attempt: '5s', first_token: '5s', total: '60s' } } },
      });
      await d.setFaults([{ token_delay_ms: 200 }]);
      await openStreamAndDropAfterFirstEvent(gw2.port, chatBody('only', LONG_TEXT, { stream: true }));
      // The sim would stream for 30 x 200 ms = 6 s; the gateway should drop it well before that.
      const deadline = Date.now() + 4000;
      let open = establishedTo(d.port);
      while (open > 0 && Date.now() < deadline) {
        await sleep(100);
        open = establishedTo(d.port);
      }
      assert.equal(open, 0, 'the gateway closed its connection to the upstream within 4 s of the client leaving');
      const res = await gw2.chat(chatBody('only'));
      assertCompletionFrom(res, 'D');
    } finally {
      await local.stop();
    }
  });
});

// Opens a raw connection, sends a streaming request, waits for the first SSE data event and
// destroys the socket. Resolves with what was received.
function openStreamAndDropAfterFirstEvent(port, body) {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no SSE event within 5 s; got:\n${text}`));
    }, 5000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      text += chunk;
      const bodyStart = text.indexOf('\r\n\r\n');
      if (bodyStart >= 0 && parseSse(stripChunking(text.slice(bodyStart + 4))).length > 0) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: ${HOST}:${port}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
  });
}

// Good enough for detecting a first event: drops chunk-size lines of a chunked body.
function stripChunking(body) {
  return body.replace(/(^|\r\n)[0-9a-fA-F]+\r\n/g, '$1');
}

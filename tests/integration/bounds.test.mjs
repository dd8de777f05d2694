// Resource bounds (issue 10, item 1) and hostile upstreams (item 10): each test failed before its fix.
// An upstream answer larger than limits.max_response_bytes, an SSE event that never ends, a stream kept
// "alive" by comments alone, invalid UTF-8 in a forwarded stream, a client that stops reading, more
// connections than limits.max_connections, the memory an 8 MiB translated request leaves behind, and
// the memory each open stream holds.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { BIN, HOST, Stack, TEST_TIMEOUT_MS, assertCompletionFrom, assertCleanStreamFrom, chatBody, rawExchange, rawStatus, sleep } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

function chunk(content, finish = null) {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-h',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  })}\n\n`;
}

// A scriptable hostile upstream: `behave(socket, request)` answers each request. Tracks how many
// connections it saw and when each closed.
function hostileUpstream(behave) {
  const state = { connections: 0, closed: 0, requests: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const body = buffered.slice(end + 4, end + 4 + length);
      buffered = buffered.slice(end + 4 + length);
      state.requests++;
      behave(socket, JSON.parse(body || '{}'));
    });
    socket.on('close', () => state.closed++);
    socket.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, HOST, () => resolve({ server, state, baseUrl: `http://${HOST}:${server.address().port}/v1` })),
  );
}

const streamHead = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';
const httpChunk = (text) => `${Buffer.byteLength(text, 'latin1').toString(16)}\r\n${text}\r\n`;

// Writes `piece()` every `everyMs` until the socket closes (bounded: at most `max` pieces).
function drip(socket, piece, everyMs, max = 2000) {
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || sent++ >= max) {
      clearInterval(timer);
      return;
    }
    socket.write(piece());
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

describe('resource bounds and hostile upstreams', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let b;
  let gw;
  const upstreams = {};

  before(async () => {
    b = await stack.sim('B');
    // 3 MiB of valid JSON with an honest Content-Length: too large for a 1 MiB limit.
    upstreams.huge = await hostileUpstream((socket) => {
      const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', pad: 'x'.repeat(3 << 20),
        choices: [{ index: 0, message: { role: 'assistant', content: 'huge' }, finish_reason: 'stop' }] });
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body);
    });
    // The same, chunked (no Content-Length to refuse up front).
    upstreams.hugeChunked = await hostileUpstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      drip(socket, () => httpChunk('x'.repeat(64 * 1024)), 2, 100);
    });
    // A Content-Length that promises more than the body, then a close: a truncated answer.
    upstreams.shortBody = await hostileUpstream((socket) => {
      const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'cut' }, finish_reason: 'stop' }] });
      socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 100}\r\n\r\n${body}`);
    });
    // An event that never ends: 64 KiB of a data line every 5 ms, never a blank line.
    upstreams.endless = await hostileUpstream((socket) => {
      socket.write(streamHead + httpChunk('data: {"choices":[{"delta":{"content":"'));
      drip(socket, () => httpChunk('y'.repeat(64 * 1024)), 5, 400);
    });
    // One token, then comments forever.
    upstreams.comments = await hostileUpstream((socket) => {
      socket.write(streamHead + httpChunk(chunk('Hello')));
      drip(socket, () => httpChunk(': keepalive\n\n'), 50, 2000);
    });
    // A first chunk whose text is not UTF-8 (a lone continuation byte and an overlong slash).
    upstreams.badUtf8 = await hostileUpstream((socket) => {
      socket.write(streamHead + httpChunk(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"caf\x80 \xC0\xAF"},"finish_reason":null}]}\n\n`));
      socket.end(httpChunk(chunk(null, 'stop') + 'data: [DONE]\n\n') + '0\r\n\r\n');
    });
    // A stream that goes on as long as anyone reads it (bounded): 16 KiB events, as fast as the socket takes them.
    upstreams.firehose = await hostileUpstream((socket) => {
      socket.write(streamHead);
      let sent = 0;
      const pump = () => {
        while (!socket.destroyed && sent < 20000) {
          sent++;
          if (!socket.write(httpChunk(chunk('z'.repeat(16 * 1024))))) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    const providers = { b: { kind: 'openai', base_url: b.baseUrl } };
    const routes = {};
    for (const [name, upstream] of Object.entries(upstreams)) {
      providers[name] = { kind: 'openai', base_url: upstream.baseUrl };
      routes[name] = { targets: [`${name}/m`, 'b/model-b'], timeouts: { inter_token: '500ms', total: '20s' } };
    }
    routes.comments.mid_stream_failover = false;
    routes.firehose = { targets: ['firehose/m'], mid_stream_failover: false, timeouts: { total: '60s', inter_token: '30s' } };
    gw = await stack.gateway({
      providers,
      routes,
      workers: 1,
      limits: { max_response_bytes: 1 << 20, max_event_bytes: 256 * 1024, client_write_timeout: '1s' },
    });
  }, opts);

  after(async () => {
    await stack.stop();
    for (const upstream of Object.values(upstreams)) upstream.server.close();
  });

  beforeEach(() => b.reset());

  it('fails over from an answer larger than limits.max_response_bytes (Content-Length)', opts, async () => {
    const res = await gw.chat(chatBody('huge'));
    assertCompletionFrom(res, 'B');
    assert.equal(res.headers['x-switchyard-attempts'], '2', res.text);
  });

  it('fails over from a chunked answer that grows past limits.max_response_bytes', opts, async () => {
    const res = await gw.chat(chatBody('hugeChunked'));
    assertCompletionFrom(res, 'B');
  });

  it('fails over from an answer shorter than its Content-Length (a lying upstream)', opts, async () => {
    const res = await gw.chat(chatBody('shortBody'));
    assertCompletionFrom(res, 'B');
  });

  it('fails over from a stream event that never ends (limits.max_event_bytes), before any byte reaches the client', opts, async () => {
    const res = await gw.stream(chatBody('endless'), { timeoutMs: 15_000 });
    assertCleanStreamFrom(res, 'B');
  });

  it('ends a stream that only sends comments after its first token when inter_token passes', opts, async () => {
    const res = await gw.stream(chatBody('comments'), { timeoutMs: 15_000 });
    assert.equal(res.status, 200);
    assert.equal(res.content, 'Hello', res.raw);
    assert.equal(res.done, false, `no [DONE] for a stalled stream: ${res.raw}`);
    assert.equal(res.errors.length, 1, res.raw);
    assert.match(res.errors[0].error.message, /inter_token/, res.raw);
  });

  it('never relays invalid UTF-8: the malformed stream fails over before the client sees it', opts, async () => {
    const res = await gw.stream(chatBody('badUtf8'), { timeoutMs: 15_000 });
    assertCleanStreamFrom(res, 'B');
    assert.doesNotMatch(res.raw, /\uFFFD/, 'no replacement characters reached the client');
  });

  it('drops a client that stops reading a stream (limits.client_write_timeout) and cancels the upstream', opts, async () => {
    const upstream = upstreams.firehose;
    const closedBefore = upstream.state.closed;
    const socket = net.connect({ host: HOST, port: gw.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const body = JSON.stringify(chatBody('firehose', 'hi', { stream: true }));
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    socket.pause(); // reads nothing: the kernel buffers fill, then the gateway's writes stall
    const gone = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {});
    // Within a few write timeouts the gateway gives up on this client and closes the upstream.
    const deadline = Date.now() + 15_000;
    while (upstream.state.closed === closedBefore && Date.now() < deadline) await sleep(100);
    assert.ok(upstream.state.closed > closedBefore, `the upstream connection was closed\n${gw.diagnostics()}`);
    socket.resume();
    await gone;
    // The request log is written in batches off the worker: the line may follow the close by a moment.
    const logged = () => gw.child.stdout.split('\n').filter((l) => l.includes('"route":"firehose"') && l.includes('outcome')).pop();
    for (let i = 0; i < 50 && !logged(); i++) await sleep(100);
    assert.match(logged() ?? '', /"outcome":"client_gone"/, gw.diagnostics());
  });
});

describe('limits.max_connections', { timeout: 60_000 }, () => {
  const stack = new Stack();
  let gw;

  before(async () => {
    const b = await stack.sim('B');
    gw = await stack.gateway({
      providers: { b: { kind: 'openai', base_url: b.baseUrl } },
      routes: { chat: { targets: ['b/model-b'] } },
      workers: 1,
      limits: { max_connections: 3 },
    }, { waitReady: false });
  }, opts);

  after(() => stack.stop());

  it('stops accepting at the cap, keeps serving, and accepts again when a connection closes', opts, async () => {
    const open = [];
    for (let i = 0; i < 3; i++) {
      const socket = net.connect({ host: HOST, port: gw.port });
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      open.push(socket);
    }
    await sleep(200); // the gateway has accepted all three
    const waiting = rawExchange(gw.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 10_000 });
    let answered = false;
    waiting.then(() => {
      answered = true;
    });
    await sleep(500);
    assert.equal(answered, false, 'a fourth connection waits in the backlog while three are open');
    // The three it holds are still served.
    const first = await new Promise((resolve) => {
      let text = '';
      open[0].setEncoding('latin1');
      open[0].on('data', (c) => {
        text += c;
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      open[0].write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    assert.equal(rawStatus(first), 200);
    open[1].destroy();
    const res = await waiting;
    assert.equal(rawStatus(res.text), 200, `served once a slot freed: ${res.text}`);
    for (const socket of open) socket.destroy();
  });
});

describe('memory after a large translated request', { timeout: 60_000, skip: /asan|tsan/i.test(BIN) && 'sanitizer builds measure their own memory' }, () => {
  const stack = new Stack();
  let gw;

  before(async () => {
    const x = await stack.sim('X');
    gw = await stack.gateway({
      providers: { x: { kind: 'anthropic', base_url: x.url, api_key: 'k' } },
      routes: { claude: { targets: ['x/claude'] } },
      workers: 1,
      limits: { max_body_bytes: 16 << 20 },
    });
  }, opts);

  after(() => stack.stop());

  const rssMiB = () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${gw.child.pid}/status`, 'utf8'))[1]) / 1024;

  it('gives the memory of an 8 MiB translated request back when it ends', opts, async () => {
    const before = rssMiB();
    const res = await gw.chat(chatBody('claude', 'x'.repeat(8 << 20), { max_tokens: 5 }), { timeoutMs: 20_000 });
    assert.equal(res.status, 200, res.text.slice(0, 500));
    await sleep(200);
    const afterRss = rssMiB();
    // Before the fix the heap kept about 10 MiB of it (glibc's mmap threshold had risen past 8 MiB).
    assert.ok(afterRss - before < 4, `RSS grew from ${before.toFixed(1)} MiB to ${afterRss.toFixed(1)} MiB`);
  });
});

// The memory an open stream holds (issue 10's goal: 10,000 streams in under 200 MB, that is under
// 19.5 KiB each, the gateway's idle memory included). bench/slow_streams.mjs holds N slow streams
// open through the gateway and reports its RSS per stream; 2,000 streams measure it to within a few
// percent. The coroutine frames a request holds while it streams grew past this once unnoticed
// (23.5 KiB per stream at 2,000), which is why it is a test and not only a benchmark.
const hardFileLimit = () => {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const hard = line ? line.trim().split(/\s+/)[4] : '0';
  return hard === 'unlimited' ? Infinity : Number(hard);
};
const STREAMS = 2000;
const fileLimit = hardFileLimit();
const streamsSkip = /asan|tsan/i.test(BIN)
  ? 'sanitizer builds measure their own memory'
  : fileLimit < 2 * STREAMS + 200 && `the file limit (${fileLimit}) is too low for ${STREAMS} streams`;

describe('memory per open stream', { timeout: 120_000, skip: streamsSkip }, () => {
  it(`holds ${STREAMS} slow streams at under 19.5 KiB each`, { timeout: 120_000 }, async () => {
    const { spawn } = await import('node:child_process');
    const script = new URL('../../bench/slow_streams.mjs', import.meta.url).pathname;
    const child = spawn(process.execPath, [script, BIN, String(STREAMS)], {
      env: { ...process.env, STREAM_SECONDS: '6' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise((resolve) => child.on('close', resolve));
    const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    assert.ok(line, `no result from slow_streams (exit ${code}):\n${out}\n${err.slice(-2000)}`);
    const result = JSON.parse(line);
    assert.equal(result.failed, 0, line);
    assert.equal(result.streaming_when_measured, STREAMS, line);
    assert.ok(result.kib_per_stream < 19.5, `RSS per open stream: ${line}`);
  });
});

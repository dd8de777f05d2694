// Traces over OTLP/HTTP (issue 14): `otlp: {endpoint, headers, sample}`. A collector here is a
// loopback HTTP server that decodes every export with the OTLP protobuf messages compiled from the
// official opentelemetry-proto definitions (tests/sdk/otlp_proto.mjs); the gateway's spans are
// checked field by field: one SERVER span per request, one CLIENT span per attempt, the GenAI
// attributes, W3C traceparent taken from the client and sent upstream per attempt. A collector that
// is down, hangs or refuses costs spans (counted in /metrics), never a request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { HOST, STATELESS, Stack, TEST_TIMEOUT_MS, chatBody, closedPort, sleep } from './lib/harness.mjs';
import { ExportTraceServiceRequest, ExportTraceServiceResponse, SpanKind, StatusCode } from '../sdk/otlp_proto.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_PARENT = '00f067aa0ba902b7';

// A collector: mode 'ok' answers 200 with an ExportTraceServiceResponse, 'fail' 503, 'hang' never.
async function collector(mode = 'ok') {
  const exports = [];
  const spans = [];
  const hung = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      exports.push({ method: req.method, url: req.url, headers: req.headers, size: body.length });
      if (mode === 'hang') {
        hung.push(res);
        return;
      }
      if (mode === 'fail') {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded');
        return;
      }
      // Throws on anything that is not a well-formed ExportTraceServiceRequest.
      const request = ExportTraceServiceRequest.decode(body);
      for (const rs of request.resourceSpans) {
        const resource = attributes(rs.resource.attributes);
        for (const ss of rs.scopeSpans) {
          for (const span of ss.spans) spans.push(flatten(span, resource, ss.scope));
        }
      }
      const answer = ExportTraceServiceResponse.encode(ExportTraceServiceResponse.create({})).finish();
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(answer));
    });
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return {
    url: `http://${HOST}:${server.address().port}`,
    exports,
    spans,
    close: () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const hex = (bytes) => Buffer.from(bytes ?? []).toString('hex');

function anyValue(v) {
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.intValue != null) return Number(v.intValue);
  if (v.doubleValue != null) return v.doubleValue;
  if (v.arrayValue != null) return v.arrayValue.values.map(anyValue);
  return undefined;
}

function attributes(list) {
  const out = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function flatten(span, resource, scope) {
  return {
    traceId: hex(span.traceId),
    spanId: hex(span.spanId),
    parentSpanId: hex(span.parentSpanId),
    name: span.name,
    kind: span.kind,
    start: BigInt(span.startTimeUnixNano.toString()),
    end: BigInt(span.endTimeUnixNano.toString()),
    attributes: attributes(span.attributes),
    status: span.status ?? { code: 0 },
    resource,
    scope: { name: scope?.name, version: scope?.version },
  };
}

// Waits (bounded) until `predicate()` holds.
async function until(predicate, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (predicate()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

function traceparentOf(request) {
  const headers = request.headers ?? {};
  if (Array.isArray(headers)) return headers.find(([name]) => name === 'traceparent')?.[1];
  return headers.traceparent;
}

function metric(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('OTLP traces', () => {
  const stack = new Stack();
  let a;
  let b;
  let c;
  let sink;
  let gw;

  before(async () => {
    a = await stack.sim('A');
    b = await stack.sim('B', { voice: 'A' }); // the same model: a stream cut on A is continued on B
    c = await stack.sim('C', { voice: 'A' });
    sink = await collector();
    gw = await stack.gateway({
      resilience: STATELESS,
      otlp: { endpoint: sink.url, headers: { 'x-collector-key': 'k-123' }, sample: 1.0, interval: '100ms' },
      data_classes: { phi: { requires: ['hipaa_baa'] } },
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, compliance: ['hipaa_baa'] },
        b: { kind: 'openai', base_url: b.baseUrl, compliance: ['hipaa_baa'] },
        c: { kind: 'openai', base_url: c.baseUrl },
      },
      routes: {
        chat: { targets: ['a/model-a', 'b/model-b'], retry: { max_attempts: 2, backoff_base: '1ms' } },
        phi: { targets: ['a/model-a'], data_class: 'phi' },
        race: {
          targets: ['a/model-a', 'b/model-b'],
          retry: { max_attempts: 2, backoff_base: '1ms' },
          hedge: { delay: '100ms', max_ratio: 1 },
        },
        resume: {
          targets: ['a/model-a', 'b/model-b', 'c/model-c'],
          retry: { max_attempts: 2, backoff_base: '1ms' },
          timeouts: { inter_token: '400ms' },
        },
      },
    });
  }, opts);

  after(async () => {
    await stack.stop();
    await sink.close();
  });

  it('a failed-over request: a SERVER span in the client\'s trace, a CLIENT span per attempt, GenAI attributes', opts, async () => {
    await a.reset();
    await b.reset();
    await a.setFaults([{ status: 503 }]);
    const res = await gw.chat(chatBody('chat', 'hi'), {
      headers: { traceparent: `00-${CLIENT_TRACE}-${CLIENT_PARENT}-01`, tracestate: 'vendor=opaque' },
    });
    assert.equal(res.status, 200, res.text);
    const requestId = res.headers['x-request-id'];
    await until(() => sink.spans.filter((s) => s.traceId === CLIENT_TRACE).length >= 3, 'three spans');
    const spans = sink.spans.filter((s) => s.traceId === CLIENT_TRACE);
    assert.equal(spans.length, 3, JSON.stringify(spans, (k, v) => (typeof v === 'bigint' ? String(v) : v)));

    const root = spans.find((s) => s.kind === SpanKind.SPAN_KIND_SERVER);
    assert.ok(root, 'a SERVER span');
    assert.equal(root.parentSpanId, CLIENT_PARENT, 'the request span is the child of the client\'s');
    assert.match(root.spanId, /^[0-9a-f]{16}$/);
    assert.equal(root.name, 'chat chat');
    assert.equal(root.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(root.attributes['gen_ai.request.model'], 'chat');
    assert.equal(root.attributes['gen_ai.response.model'], 'model-b');
    assert.equal(root.attributes['switchyard.route'], 'chat');
    assert.equal(root.attributes['switchyard.request_id'], requestId);
    assert.equal(root.attributes['switchyard.outcome'], 'failed_over');
    assert.equal(root.attributes['http.response.status_code'], 200);
    assert.ok(root.attributes['gen_ai.usage.input_tokens'] > 0, 'input tokens on the request span');
    assert.ok(root.attributes['gen_ai.usage.output_tokens'] > 0, 'output tokens on the request span');
    assert.notEqual(root.status.code, StatusCode.STATUS_CODE_ERROR);
    assert.equal(root.resource['service.name'], 'switchyard');
    assert.ok(root.resource['service.version'], 'service.version');
    assert.equal(root.scope.name, 'switchyard');
    assert.ok(root.end >= root.start && root.start > 1_600_000_000_000_000_000n, 'unix nanoseconds');

    const attempts = spans.filter((s) => s.kind === SpanKind.SPAN_KIND_CLIENT);
    assert.equal(attempts.length, 2);
    for (const span of attempts) {
      assert.equal(span.parentSpanId, root.spanId, 'attempts are children of the request span');
      assert.ok(span.start >= root.start && span.end <= root.end, 'within the request');
      assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
      assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
    }
    const [first, second] = attempts.sort((x, y) => x.attributes['switchyard.attempt'] - y.attributes['switchyard.attempt']);
    assert.equal(first.name, 'chat model-a');
    assert.equal(first.attributes['gen_ai.request.model'], 'model-a');
    assert.equal(first.attributes['switchyard.target'], 'a/model-a');
    assert.equal(first.attributes['switchyard.attempt'], 1);
    assert.equal(first.attributes['http.response.status_code'], 503);
    assert.equal(first.attributes['switchyard.failure_kind'], 'upstream_status');
    assert.equal(first.attributes['error.type'], 'upstream_status');
    assert.equal(first.status.code, StatusCode.STATUS_CODE_ERROR);
    assert.equal(first.attributes['gen_ai.response.model'], undefined, 'no answer, no response model');
    assert.equal(second.attributes['switchyard.target'], 'b/model-b');
    assert.equal(second.attributes['gen_ai.response.model'], 'model-b');
    assert.equal(second.attributes['switchyard.attempt'], 2);
    assert.equal(second.attributes['error.type'], undefined);
    assert.ok(second.attributes['gen_ai.usage.output_tokens'] > 0);

    // Each upstream was told its attempt's span as the parent, in the client's trace; tracestate as sent.
    const [toA] = await a.chatRequests();
    const [toB] = await b.chatRequests();
    assert.equal(traceparentOf(toA), `00-${CLIENT_TRACE}-${first.spanId}-01`);
    assert.equal(traceparentOf(toB), `00-${CLIENT_TRACE}-${second.spanId}-01`);
    const tracestate = (r) => (Array.isArray(r.headers) ? r.headers.find(([n]) => n === 'tracestate')?.[1] : r.headers.tracestate);
    assert.equal(tracestate(toB), 'vendor=opaque');

    // The export itself: OTLP/HTTP protobuf to /v1/traces with the configured header.
    const exp = sink.exports.at(-1);
    assert.equal(exp.method, 'POST');
    assert.equal(exp.url, '/v1/traces');
    assert.equal(exp.headers['content-type'], 'application/x-protobuf');
    assert.equal(exp.headers['x-collector-key'], 'k-123');
  });

  it('without a traceparent the gateway starts a trace; a stream has its usage; data classes are named', opts, async () => {
    await a.reset();
    const before = sink.spans.length;
    const res = await gw.stream(chatBody('phi', 'hello'));
    assert.equal(res.status, 200);
    await until(() => sink.spans.length >= before + 2, 'two spans');
    const mine = sink.spans.slice(before);
    const root = mine.find((s) => s.kind === SpanKind.SPAN_KIND_SERVER && s.attributes['switchyard.route'] === 'phi');
    assert.ok(root, 'the request span');
    assert.equal(root.parentSpanId, '', 'a root span');
    assert.match(root.traceId, /^[0-9a-f]{32}$/);
    assert.notEqual(root.traceId, CLIENT_TRACE);
    assert.deepEqual(root.attributes['switchyard.data_class'], ['phi']);
    assert.equal(root.attributes['switchyard.outcome'], 'ok');
    const attempt = mine.find((s) => s.parentSpanId === root.spanId);
    assert.ok(attempt, 'the attempt span');
    assert.equal(attempt.traceId, root.traceId);
    assert.ok(attempt.attributes['gen_ai.usage.output_tokens'] > 0, 'the stream\'s usage');
    const [upstream] = await a.chatRequests();
    assert.equal(traceparentOf(upstream), `00-${root.traceId}-${attempt.spanId}-01`);
  });

  it('a hedge has its own span, marked, beside the primary it raced', opts, async () => {
    await a.reset();
    await b.reset();
    await a.setFaults([{ delay_ms: 600 }]);
    const trace = '11112222333344445555666677778888';
    const res = await gw.chat(chatBody('race', 'hi'), { headers: { traceparent: `00-${trace}-${CLIENT_PARENT}-01` } });
    assert.equal(res.status, 200, res.text);
    await until(() => sink.spans.filter((s) => s.traceId === trace).length >= 3, 'three spans');
    const spans = sink.spans.filter((s) => s.traceId === trace);
    const root = spans.find((s) => s.kind === SpanKind.SPAN_KIND_SERVER);
    const hedge = spans.find((s) => s.attributes['switchyard.hedge'] === true);
    const primary = spans.find((s) => s.kind === SpanKind.SPAN_KIND_CLIENT && s !== hedge);
    assert.ok(hedge && primary, JSON.stringify(spans.map((s) => s.attributes)));
    assert.equal(hedge.parentSpanId, root.spanId);
    assert.equal(hedge.attributes['switchyard.target'], 'b/model-b');
    assert.equal(primary.attributes['switchyard.target'], 'a/model-a');
    assert.equal(primary.attributes['switchyard.failure_kind'], 'hedge_lost');
    assert.equal(root.attributes['gen_ai.response.model'], 'model-b');
    const [toB] = await b.chatRequests();
    assert.equal(traceparentOf(toB), `00-${trace}-${hedge.spanId}-01`);
  });

  it('a stream continued on another target: the continuation has its own span', opts, async () => {
    await a.reset();
    await b.reset();
    await a.setFaults([{ truncate_after: 4, token_delay_ms: 20 }]);
    const trace = '9999aaaabbbbccccddddeeeeffff0000';
    const question = Array.from({ length: 24 }, (_, i) => `word${i}`).join(' ');
    const res = await gw.stream(chatBody('resume', question), { headers: { traceparent: `00-${trace}-${CLIENT_PARENT}-01` } });
    assert.equal(res.status, 200);
    await until(() => sink.spans.filter((s) => s.traceId === trace).length >= 3, 'three spans');
    const spans = sink.spans.filter((s) => s.traceId === trace);
    const root = spans.find((s) => s.kind === SpanKind.SPAN_KIND_SERVER);
    const continuation = spans.find((s) => s.attributes['switchyard.continuation'] === true);
    assert.ok(continuation, JSON.stringify(spans.map((s) => s.attributes)));
    assert.equal(continuation.parentSpanId, root.spanId);
    assert.equal(continuation.attributes['switchyard.target'], 'b/model-b');
    const broken = spans.find((s) => s.kind === SpanKind.SPAN_KIND_CLIENT && s !== continuation);
    assert.equal(broken.attributes['switchyard.target'], 'a/model-a');
    const [toB] = await b.chatRequests();
    assert.equal(traceparentOf(toB), `00-${trace}-${continuation.spanId}-01`);
  });

  it('each continuation attempt has its own span: one that failed, then the one that finished the answer', opts, async () => {
    await Promise.all([a.reset(), b.reset(), c.reset()]);
    await a.setFaults([{ truncate_after: 4, token_delay_ms: 20 }]);
    await b.setFaults([{ status: 503 }]);
    const trace = '0123456789abcdef0123456789abcdef';
    const question = Array.from({ length: 24 }, (_, i) => `word${i}`).join(' ');
    const res = await gw.stream(chatBody('resume', question), { headers: { traceparent: `00-${trace}-${CLIENT_PARENT}-01` } });
    assert.equal(res.status, 200);
    assert.ok(res.done, 'the answer was finished');
    await until(() => sink.spans.filter((s) => s.traceId === trace).length >= 4, 'four spans');
    const spans = sink.spans.filter((s) => s.traceId === trace);
    const root = spans.find((s) => s.kind === SpanKind.SPAN_KIND_SERVER);
    const continuations = spans.filter((s) => s.attributes['switchyard.continuation'] === true);
    assert.equal(continuations.length, 2, JSON.stringify(spans.map((s) => s.attributes)));
    const onB = continuations.find((s) => s.attributes['switchyard.target'] === 'b/model-b');
    const onC = continuations.find((s) => s.attributes['switchyard.target'] === 'c/model-c');
    assert.ok(onB && onC);
    for (const span of continuations) assert.equal(span.parentSpanId, root.spanId);
    assert.equal(onB.status.code, StatusCode.STATUS_CODE_ERROR);
    assert.ok(onB.attributes['error.type'], 'the failed continuation names its error');
    assert.equal(onC.attributes['error.type'], undefined);
    assert.equal(onC.attributes['gen_ai.response.model'], 'model-c');
    assert.notEqual(onB.spanId, onC.spanId);
    const [toB] = await b.chatRequests();
    const [toC] = await c.chatRequests();
    assert.equal(traceparentOf(toB), `00-${trace}-${onB.spanId}-01`);
    assert.equal(traceparentOf(toC), `00-${trace}-${onC.spanId}-01`);
  });

  it('a failed request: the request span has error.type and an error status', opts, async () => {
    await a.reset();
    await b.reset();
    await a.setFaults([{ status: 503 }]);
    await b.setFaults([{ status: 503 }]);
    const trace = 'aaaabbbbccccddddeeeeffff00001111';
    const res = await gw.chat(chatBody('chat', 'hi'), { headers: { traceparent: `00-${trace}-${CLIENT_PARENT}-01` } });
    assert.equal(res.status, 503, res.text);
    await until(() => sink.spans.filter((s) => s.traceId === trace).length >= 3, 'three spans');
    const root = sink.spans.find((s) => s.traceId === trace && s.kind === SpanKind.SPAN_KIND_SERVER);
    assert.equal(root.attributes['error.type'], '503');
    assert.equal(root.attributes['switchyard.outcome'], 'failed');
    assert.equal(root.status.code, StatusCode.STATUS_CODE_ERROR);
  });
});

describe('OTLP sampling and propagation', () => {
  const stack = new Stack();
  let a;
  let sink;
  let gw;

  before(async () => {
    a = await stack.sim('A');
    sink = await collector();
    gw = await stack.gateway({
      otlp: { endpoint: `${sink.url}/`, sample: 0, interval: '100ms' },
      providers: { a: { kind: 'openai', base_url: a.baseUrl } },
      routes: { chat: { targets: ['a/m'] } },
    });
  }, opts);

  after(async () => {
    await stack.stop();
    await sink.close();
  });

  it('sample 0: no span, and a client\'s unsampled traceparent goes upstream unchanged', opts, async () => {
    await a.reset();
    const header = `00-${CLIENT_TRACE}-${CLIENT_PARENT}-00`;
    for (let i = 0; i < 5; i++) assert.equal((await gw.chat(chatBody('chat'))).status, 200);
    assert.equal((await gw.chat(chatBody('chat'), { headers: { traceparent: header } })).status, 200);
    const requests = await a.chatRequests();
    assert.equal(traceparentOf(requests.at(-1)), header);
    assert.equal(traceparentOf(requests[0]), undefined, 'no trace, no header');
    await sleep(400); // several export intervals
    assert.equal(sink.spans.length, 0);
  });

  it('a client\'s sampled traceparent is honoured whatever the ratio', opts, async () => {
    await a.reset();
    const res = await gw.chat(chatBody('chat'), { headers: { traceparent: `00-${CLIENT_TRACE}-${CLIENT_PARENT}-01` } });
    assert.equal(res.status, 200);
    await until(() => sink.spans.length >= 2, 'the sampled request\'s spans');
    assert.ok(sink.spans.every((s) => s.traceId === CLIENT_TRACE));
    assert.equal(sink.exports.at(-1).url, '/v1/traces', 'a base URL with a trailing slash still posts to /v1/traces');
  });

  it('a malformed traceparent is ignored: a new trace, nothing forwarded as it came', opts, async () => {
    await a.reset();
    const res = await gw.chat(chatBody('chat'), { headers: { traceparent: `00-${'0'.repeat(32)}-${CLIENT_PARENT}-01` } });
    assert.equal(res.status, 200);
    const [upstream] = await a.chatRequests();
    assert.equal(traceparentOf(upstream), undefined);
  });
});

describe('OTLP collector trouble never reaches a request', () => {
  const stack = new Stack();
  let a;

  before(async () => {
    a = await stack.sim('A');
  }, opts);

  after(() => stack.stop());

  for (const mode of ['down', 'hang', 'fail']) {
    it(`a collector that is ${mode}: every request answered, the spans counted as dropped`, opts, async () => {
      const sink = mode === 'down' ? null : await collector(mode);
      const endpoint = sink ? sink.url : `http://${HOST}:${await closedPort()}`;
      const gw = await stack.gateway({
        otlp: { endpoint, interval: '50ms', timeout: '300ms' },
        providers: { a: { kind: 'openai', base_url: a.baseUrl } },
        routes: { chat: { targets: ['a/m'] } },
      });
      const results = await Promise.all(Array.from({ length: 20 }, () => gw.chat(chatBody('chat'))));
      assert.deepEqual(results.map((r) => r.status), Array(20).fill(200));
      let text = '';
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        text = (await gw.get('/metrics')).text;
        if (metric(text, 'switchyard_otlp_spans_dropped_total') >= 40) break;
        await sleep(50);
      }
      assert.equal(metric(text, 'switchyard_otlp_spans_dropped_total'), 40, text);
      assert.equal(metric(text, 'switchyard_otlp_spans_exported_total'), 0);
      assert.ok(metric(text, 'switchyard_otlp_export_failures_total') >= 1);
      // Still serving.
      assert.equal((await gw.chat(chatBody('chat'))).status, 200);
      await gw.stop();
      if (sink) await sink.close();
    });
  }
});

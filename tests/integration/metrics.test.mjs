// GET /metrics (issue 14, item 1): the Prometheus text format 0.0.4 behind the admin gate. Sends ok,
// failed-over, streamed and budget-refused requests, scrapes, and parses every line with npm's
// parse-prometheus-text-format (pinned in tests/sdk: `(cd tests/sdk && npm ci)` first) and with a
// strict line grammar of its own; the counts must be what was sent, no label may carry a request id,
// and counters survive a config reload.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { HOST, STATELESS, Stack, TEST_TIMEOUT_MS, chatBody } from './lib/harness.mjs';
import parsePrometheus from '../sdk/prometheus_parser.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const ADMIN = 'metrics-admin-key-0123456789';
const KEY = 'metrics-client-key-0123456789';
const POOR = 'metrics-poor-key-0123456789';
const admin = { authorization: `Bearer ${ADMIN}` };
const REQ = 'metrics-req-';

// The format's grammar, line by line (https://prometheus.io/docs/instrumenting/exposition_formats/).
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = '(?:[+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?)|[+-]Inf|NaN)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(${LABEL}(?:,${LABEL})*)?\\})? ${VALUE}$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

function checkGrammar(text) {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const typed = new Map();
  const helped = new Set();
  let family = null;
  let samples = 0;
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = HELP.exec(line))) {
      assert.ok(!helped.has(m[1]), `HELP ${m[1]} once`);
      helped.add(m[1]);
      family = m[1];
    } else if ((m = TYPE.exec(line))) {
      assert.ok(!typed.has(m[1]), `TYPE ${m[1]} once`);
      assert.equal(m[1], family, 'TYPE follows its HELP');
      typed.set(m[1], m[2]);
    } else if ((m = SAMPLE.exec(line))) {
      const type = typed.get(family);
      const allowed = type === 'histogram' ? [`${family}_bucket`, `${family}_sum`, `${family}_count`] : [family];
      assert.ok(allowed.includes(m[1]), `sample ${m[1]} belongs to the open family ${family}: ${line}`);
      samples++;
    } else {
      assert.fail(`not a line of the text format: ${JSON.stringify(line)}`);
    }
  }
  assert.deepEqual([...helped].sort(), [...typed.keys()].sort(), 'every family has HELP and TYPE');
  return samples;
}

// family name -> parsed family, every line read by parse-prometheus-text-format. That parser folds
// all series of a histogram family into one (it keeps no labels for them), so each histogram line is
// also parsed on its own (its labels), and each series (one label set) parsed as a histogram of its
// own, its labels set aside (its buckets, sum and count).
function parse(text) {
  const families = parsePrometheus(text);
  const byName = new Map();
  let samples = 0;
  const lines = text.split('\n');
  for (const family of families) {
    assert.ok(!byName.has(family.name), `family ${family.name} once`);
    byName.set(family.name, family);
    if (family.type !== 'HISTOGRAM') {
      samples += family.metrics.length;
      continue;
    }
    const series = new Map();
    const prefix = new RegExp(`^${family.name}_(bucket|sum|count)[ {]`);
    for (const line of lines.filter((l) => prefix.test(l))) {
      const [one] = parsePrometheus(`${line}\n`);
      assert.equal(one.metrics.length, 1, line);
      const { le, ...labels } = one.metrics[0].labels || {};
      const key = JSON.stringify(labels);
      if (!series.has(key)) series.set(key, { labels, lines: [] });
      // The series again without its own labels (the parser reads sum and count only unlabelled).
      series.get(key).lines.push(`${one.name}${le === undefined ? '' : `{le="${le}"}`} ${one.metrics[0].value}`);
      samples++;
    }
    family.metrics = [...series.values()].map(({ labels, lines: own }) => {
      const [parsed] = parsePrometheus(`# TYPE ${family.name} histogram\n${own.join('\n')}\n`);
      assert.equal(parsed.metrics.length, 1);
      return { labels, ...parsed.metrics[0] };
    });
  }
  return { byName, samples };
}

function value(byName, name, labels) {
  const family = byName.get(name);
  assert.ok(family, `family ${name}`);
  const found = family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => (m.labels?.[k] ?? '') === v));
  return found.reduce((sum, m) => sum + Number(m.value ?? m.count), 0);
}

function histogram(byName, name, labels) {
  const family = byName.get(name);
  assert.ok(family, `family ${name}`);
  assert.equal(family.type, 'HISTOGRAM');
  const found = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  assert.ok(found, `${name} ${JSON.stringify(labels)} in ${JSON.stringify(family.metrics.map((m) => m.labels))}`);
  return found;
}

function remoteGet(host, port, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, method: 'GET', agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function nonLoopbackIPv4() {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs || []) {
      if ((a.family === 'IPv4' || a.family === 4) && !a.internal && !a.address.startsWith('127.')) return a.address;
    }
  }
  return null;
}

describe('GET /metrics', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let gw;
  let config;

  before(async () => {
    [a, b] = await Promise.all([stack.sim('A'), stack.sim('B')]);
    config = {
      listen: `${HOST}:0`,
      workers: 2,
      resilience: STATELESS,
      auth: { admin_keys: [ADMIN] },
      keys: { alice: { key: KEY }, poor: { key: POOR, budget: { usd_per_day: 0.000001 } } },
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'sk-a' },
        b: { kind: 'openai', base_url: b.baseUrl, api_key: 'sk-b' },
      },
      routes: {
        main: {
          targets: [{ target: 'a/model-a', price: { input: 1, output: 2 } }, 'b/model-b'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '20ms' },
        },
        priced: { targets: [{ target: 'a/model-a', price: { input: 1000, output: 1000 } }], retry: { max_attempts: 1 } },
      },
    };
    gw = await stack.gateway(JSON.stringify(config, null, 2));
  }, opts);

  after(() => stack.stop());

  let n = 0;
  const send = (route, key, extra = {}) =>
    gw.chat(chatBody(route, 'hello metrics', extra), {
      headers: { authorization: `Bearer ${key}`, 'x-request-id': `${REQ}${++n}` },
    });

  async function scrape() {
    const res = await gw.get('/metrics', { headers: admin });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const lines = checkGrammar(res.text);
    const parsed = parse(res.text);
    assert.equal(parsed.samples, lines, 'the parser read every sample line');
    return { text: res.text, ...parsed };
  }

  // A request is counted when the worker that served it finishes it, a moment after the client has
  // the last byte of its answer; with two workers the scrape can run in between, on the other one.
  // Scrapes until `holds` is true of one (at most 2 s), and returns that one.
  async function scrapeUntil(holds) {
    const give_up = Date.now() + 2000;
    for (;;) {
      const scraped = await scrape();
      if (holds(scraped) || Date.now() > give_up) return scraped;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('is refused without the admin key, like /admin', opts, async () => {
    const none = await gw.get('/metrics');
    assert.equal(none.status, 401, none.text);
    assert.equal(none.json?.error?.code, 'invalid_admin_key');
    const wrong = await gw.get('/metrics', { headers: { authorization: 'Bearer not-the-admin-key-000' } });
    assert.equal(wrong.status, 401);
    const client = await gw.get('/metrics', { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(client.status, 401, 'a client key is no admin key');
  });

  it('counts what was sent, in a format a Prometheus parser reads whole', opts, async () => {
    for (let i = 0; i < 3; i++) assert.equal((await send('main', KEY)).status, 200);
    await a.setFaults([{ status: 503 }]);
    const over = await send('main', KEY);
    assert.equal(over.status, 200, over.text);
    assert.equal(over.headers['x-switchyard-target'], 'b/model-b');
    for (let i = 0; i < 2; i++) {
      const res = await gw.stream(chatBody('main', 'stream me please, in several words'), {
        headers: { authorization: `Bearer ${KEY}`, 'x-request-id': `${REQ}${++n}` },
      });
      assert.equal(res.status, 200);
    }
    const refused = await send('priced', POOR, { max_tokens: 1000 });
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json?.error?.code, 'budget_exceeded');
    assert.equal((await send('no-such-route', KEY)).status, 404);

    const { byName, text } = await scrape();
    const requests = (labels) => value(byName, 'switchyard_requests_total', labels);
    assert.equal(requests({ route: 'main', target: 'a/model-a', status_class: '2xx', outcome: 'ok' }), 5, text);
    assert.equal(requests({ route: 'main', target: 'b/model-b', status_class: '2xx', outcome: 'failed_over' }), 1);
    assert.equal(requests({ route: 'priced', target: '', status_class: '4xx', outcome: 'failed' }), 1);
    assert.equal(requests({ route: '', target: '', status_class: '4xx', outcome: 'refused' }), 1);
    assert.equal(requests({}), 8, 'every request counted once');

    const attempts = (labels) => value(byName, 'switchyard_attempts_total', labels);
    assert.equal(attempts({ target: 'a/model-a', failure_kind: 'none' }), 5);
    assert.equal(attempts({ target: 'a/model-a', failure_kind: 'upstream_status' }), 1);
    assert.equal(attempts({ target: 'b/model-b', failure_kind: 'none' }), 1);

    assert.equal(value(byName, 'switchyard_breaker_state', { target: 'a/model-a' }), 0);
    assert.equal(value(byName, 'switchyard_in_flight_requests', { route: 'main' }), 0);
    assert.equal(value(byName, 'switchyard_in_flight_streams', { route: 'main' }), 0);

    const total = histogram(byName, 'switchyard_attempt_duration_seconds', { target: 'a/model-a' });
    assert.equal(Number(total.count), 5);
    assert.equal(Number(total.buckets['+Inf']), 5);
    const ttft = histogram(byName, 'switchyard_time_to_first_token_seconds', { target: 'a/model-a' });
    assert.equal(Number(ttft.count), 2, 'the two streams');
    assert.ok(Number(ttft.sum) > 0);
    const gaps = histogram(byName, 'switchyard_time_between_tokens_seconds', { target: 'a/model-a' });
    assert.ok(Number(gaps.count) > 0, 'streams had several events');
    const genTtft = histogram(byName, 'gen_ai_server_time_to_first_token_seconds', {
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'model-a',
    });
    assert.equal(Number(genTtft.count), 2);
    const input = histogram(byName, 'gen_ai_client_token_usage', {
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'model-a',
      gen_ai_token_type: 'input',
    });
    assert.equal(Number(input.count), 5, 'each successful attempt at A reported its usage');
    const output = histogram(byName, 'gen_ai_client_token_usage', { gen_ai_request_model: 'model-b', gen_ai_token_type: 'output' });
    assert.equal(Number(output.count), 1);

    const tokens = value(byName, 'switchyard_tokens_total', { target: 'a/model-a', key: 'alice', token_type: 'input' });
    assert.equal(tokens, Number(input.sum), 'tokens per key add up to the token histogram');
    assert.ok(value(byName, 'switchyard_cost_usd_total', { target: 'a/model-a', key: 'alice' }) > 0);
    assert.equal(value(byName, 'switchyard_tokens_total', { key: 'poor' }), 0, 'the refused request cost nothing');

    const headroom = byName.get('switchyard_budget_remaining_usd').metrics.find((m) => m.labels.name === 'poor');
    assert.ok(headroom, 'the poor key has a USD budget gauge');
    assert.ok(Number(headroom.value) <= 0.000001);
    assert.equal(value(byName, 'switchyard_retry_budget_refusals_total', { route: 'main', budget: 'retry' }), 0);
    assert.equal(value(byName, 'switchyard_config_reloads_total', { result: 'success' }), 0);
    assert.ok(byName.has('switchyard_log_lines_dropped_total'));
    assert.ok(byName.has('switchyard_audit_records_dropped_total'));

    // Bounded labels: nothing that identifies one request.
    for (const family of byName.values()) {
      for (const metric of family.metrics) {
        for (const [label, v] of Object.entries(metric.labels || {})) {
          assert.ok(!String(v).includes(REQ), `${family.name}{${label}="${v}"} carries a request id`);
        }
      }
    }
  });

  it('keeps its counters over a config reload and counts reloads', opts, async () => {
    const before = await scrape();
    const served = value(before.byName, 'switchyard_requests_total', { route: 'main' });
    assert.ok(served >= 6);
    fs.writeFileSync(gw.configPath, 'routes: [this is not a config');
    assert.equal((await gw.post('/admin/reload', {}, { headers: admin })).status, 400);
    fs.writeFileSync(gw.configPath, JSON.stringify(config, null, 2));
    const reloaded = await gw.post('/admin/reload', {}, { headers: admin });
    assert.equal(reloaded.status, 200, reloaded.text);
    assert.equal((await send('main', KEY)).status, 200);
    const counted = (scraped) => value(scraped.byName, 'switchyard_requests_total', { route: 'main' }) === served + 1;
    const after = await scrapeUntil(counted);
    assert.equal(value(after.byName, 'switchyard_requests_total', { route: 'main' }), served + 1);
    assert.equal(value(after.byName, 'switchyard_config_reloads_total', { result: 'success' }), 1);
    assert.equal(value(after.byName, 'switchyard_config_reloads_total', { result: 'failure' }), 1);
  });

  it('from a non-loopback address without admin keys: refused like /admin', opts, async (t) => {
    const ip = nonLoopbackIPv4();
    if (!ip) {
      t.skip('this machine has no non-loopback IPv4 address');
      return;
    }
    const open = await stack.gateway({
      listen: '0.0.0.0:0',
      auth: { anonymous: true },
      providers: { a: { kind: 'openai', base_url: a.baseUrl } },
      routes: { main: { targets: ['a/model-a'] } },
    });
    const refused = await remoteGet(ip, open.port, '/metrics');
    assert.equal(refused.status, 401, refused.text);
    assert.equal(JSON.parse(refused.text).error.code, 'admin_key_required');
    const local = await open.get('/metrics');
    assert.equal(local.status, 200, 'loopback is allowed while no admin key is configured');
  });
});

// Incident post-mortems and outage drills (issue 14): an incident caused by a failing sim has a
// post-mortem (Markdown and JSON) with a timeline and counts, survives a kill -9 and a restart, and
// is sent to a webhook when it opens and closes; a drill takes a target out of rotation without
// touching its sim, ends by itself (or early, or from the CLI), and its post-mortem says drill.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import {
  HOST,
  Stack,
  TEST_TIMEOUT_MS,
  assertCompletionFrom,
  chatBody,
  closedPort,
  runCli,
  sleep,
} from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const served = (res) => res.headers['x-switchyard-target'];
const attempts = (res) => res.headers['x-switchyard-attempts'];

function provider(sim, extra = {}) {
  return { kind: 'openai', base_url: sim.baseUrl, api_key: `key-${sim.name}`, labels: { tier: 'prod' }, ...extra };
}

// A tiny webhook receiver: every JSON body POSTed to it, in order.
function webhookReceiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      try {
        received.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(body) });
      } catch {
        received.push({ path: req.url, raw: body });
      }
      res.writeHead(204);
      res.end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, HOST, () => resolve({ server, received, url: `http://${HOST}:${server.address().port}/hooks/incidents` }));
  });
}

async function waitFor(predicate, what, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await predicate();
    if (last) return last;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function incidents(gw) {
  const res = await gw.get('/admin/incidents');
  assert.equal(res.status, 200, res.text);
  return res.json.incidents;
}

async function target(gw, id) {
  const res = await gw.get('/admin/targets');
  assert.equal(res.status, 200, res.text);
  return res.json.targets.find((t) => t.target === id);
}

describe('incident post-mortems and drills', { timeout: 180_000 }, () => {
  const stack = new Stack();
  let p;
  let s;
  let hook;
  const gateways = [];

  before(async () => {
    [p, s] = await Promise.all([stack.sim('P'), stack.sim('S')]);
    hook = await webhookReceiver();
  }, opts);

  after(async () => {
    await stack.stop();
    hook.server.close();
  });

  beforeEach(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.stop()));
    await Promise.all([p.reset(), s.reset(), p.setHealth(null)]);
    hook.received.length = 0;
  });

  function config({ open = '800ms', listen, healthCheck = true } = {}) {
    return {
      ...(listen ? { listen } : {}),
      resilience: {
        breaker: { consecutive_failures: 3, min_requests: 1000, open, open_max: '5s', half_open_probes: 1, probes_to_close: 1 },
        retry_budget: { min_per_second: 1000000 },
      },
      data_classes: { internal: { labels: { tier: ['prod'] } } },
      incidents: { webhook: hook.url },
      providers: {
        p: provider(p, healthCheck ? { health_check: { interval: '200ms', timeout: '1s' } } : {}),
        s: provider(s),
      },
      routes: {
        pair: {
          // Priced, so that the post-mortem shows what the failover cost (USD per 1M tokens).
          targets: [
            { target: 'p/model-p', price: { input: 2.5, output: 10 } },
            { target: 's/model-s', price: { input: 5, output: 15 } },
          ],
          data_class: 'internal',
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '2s', first_token: '2s', total: '10s' },
        },
      },
    };
  }

  async function gateway(cfg) {
    // As JSON (YAML too): the harness's YAML emitter writes lists of scalars only.
    const gw = await stack.gateway(JSON.stringify({ listen: `${HOST}:0`, workers: 2, ...cfg }, null, 2) + '\n');
    gateways.push(gw);
    return gw;
  }

  it('a failing sim makes an incident whose post-mortem has a timeline and counts; it survives a restart; the webhook hears open and close', opts, async () => {
    let gw = await gateway(config());
    await p.setFaults([{ status: 503 }], { loop: true });
    await p.setHealth(503);
    for (let i = 0; i < 3; i++) assertCompletionFrom(await gw.chat(chatBody('pair')), 'S');
    assert.equal((await target(gw, 'p/model-p')).breaker, 'open');
    // While open: requests fail over at once; health checks keep failing.
    for (let i = 0; i < 4; i++) {
      const res = await gw.chat(chatBody('pair'));
      assertCompletionFrom(res, 'S');
      assert.equal(attempts(res), '1');
    }
    await sleep(500);
    // Recovery: the sim answers again, a health check passes, a probe closes the breaker.
    await p.clearFaults();
    await p.setHealth(null);
    await waitFor(async () => (await target(gw, 'p/model-p')).breaker !== 'open', 'half-open');
    await waitFor(async () => {
      const res = await gw.chat(chatBody('pair'));
      return served(res) === 'p/model-p';
    }, 'P to serve again');
    const closed = await waitFor(async () => (await incidents(gw)).find((i) => i.target === 'p/model-p' && i.state === 'closed'), 'a closed incident');
    assert.equal(closed.drill, false);
    assert.equal(closed.report, `/admin/incidents/${closed.id}/report`);

    const md = await gw.get(closed.report);
    assert.equal(md.status, 200, md.text);
    assert.equal(md.headers['content-type'], 'text/markdown; charset=utf-8');
    for (const needle of [
      `# Incident ${closed.id}: p/model-p`,
      '## Timeline',
      '| First failure |',
      '| Breaker opened |',
      'Health check failed',
      'Half-open: probes admitted',
      '| Recovered |',
      '| Incident closed |',
      '## Errors by kind',
      '| upstream_status |',
      '## Traffic absorbed by',
      '| s/model-s |',
      '- internal:',
      'Time to detect',
      'Time to recover',
    ]) {
      assert.ok(md.text.includes(needle), `the report has ${JSON.stringify(needle)}:\n${md.text}`);
    }
    assert.ok(!md.text.includes('(drill)'), md.text);
    // SY_EXAMPLE_REPORT=FILE keeps the post-mortem as it was served (the README's example).
    if (process.env.SY_EXAMPLE_REPORT) fs.writeFileSync(process.env.SY_EXAMPLE_REPORT, md.text);

    const js = await gw.get(`${closed.report}?format=json`);
    assert.equal(js.status, 200, js.text);
    const report = js.json;
    assert.equal(report.id, closed.id);
    assert.equal(report.drill, false);
    assert.equal(report.state, 'closed');
    assert.ok(report.time_to_detect_ms >= 0, js.text);
    assert.ok(report.time_to_recover_ms > 0, js.text);
    assert.ok(report.requests.failed_over >= 4, js.text);
    assert.ok(report.requests.affected >= report.requests.failed_over, js.text);
    assert.equal(report.requests.lost, 0, js.text);
    assert.ok(report.errors_by_kind.upstream_status >= 1, js.text);
    const kinds = report.timeline.map((e) => e.kind);
    assert.deepEqual(kinds.slice(0, 2), ['first_failure', 'breaker_opened'], js.text);
    assert.ok(kinds.includes('health_check_failed'), js.text);
    assert.deepEqual(kinds.slice(-2), ['recovered', 'closed'], js.text);
    for (const event of report.timeline) assert.ok(!Number.isNaN(Date.parse(event.at)), js.text);
    const absorber = report.absorbed_by.find((a) => a.target === 's/model-s');
    assert.ok(absorber && absorber.requests >= 4, js.text);
    assert.equal(typeof absorber.latency_ms_mean, 'number');
    assert.ok(absorber.cost_usd > 0, js.text);
    assert.ok(report.data_classes.internal >= 4, js.text);
    assert.equal((await gw.get('/admin/incidents/999999/report')).status, 404);

    // The webhook heard the opening and the closing.
    const events = await waitFor(() => {
      const mine = hook.received.filter((r) => r.body && r.body.id === closed.id);
      return mine.length >= 2 ? mine : null;
    }, 'two webhook posts');
    assert.equal(events[0].path, '/hooks/incidents');
    assert.equal(events[0].type, 'application/json');
    assert.equal(events[0].body.event, 'incident.opened');
    assert.equal(events[0].body.state, 'open');
    assert.equal(events[0].body.target, 'p/model-p');
    assert.equal(events[1].body.event, 'incident.closed');
    assert.equal(events[1].body.state, 'closed');
    assert.ok(events[1].body.requests.failed_over >= 4);
    // Both were logged.
    await waitFor(() => {
      const logged = gw.logLines().map((l) => l.msg);
      return logged.includes('incident opened') && logged.includes('incident closed');
    }, 'the incident opening and closing in the log');

    // kill -9 and a restart on the same store: the incident and its post-mortem are still there.
    process.kill(gw.child.pid, 'SIGKILL');
    await gw.child.exited;
    gw = await stack.restart(gw);
    gateways.push(gw);
    const again = (await incidents(gw)).find((i) => i.id === closed.id);
    assert.ok(again, 'the incident survived the restart');
    assert.equal(again.state, 'closed');
    assert.equal(again.target, 'p/model-p');
    const after = await gw.get(`${closed.report}?format=json`);
    assert.equal(after.status, 200, after.text);
    assert.deepEqual(after.json.timeline, report.timeline);
    assert.equal(after.json.requests.failed_over, report.requests.failed_over);
    assert.equal(after.json.time_to_recover_ms, report.time_to_recover_ms);
    assert.ok(after.json.absorbed_by.some((a) => a.target === 's/model-s'), after.text);
    // New incidents continue after the old ids.
    const drill = await gw.post('/admin/drills', { target: 's/model-s', duration: '300ms' });
    assert.equal(drill.status, 201, drill.text);
    assert.ok(drill.json.incident > closed.id, drill.text);
  });

  it('a drill takes the target out of rotation without touching its sim, ends by itself, and its report says drill', opts, async () => {
    const gw = await gateway(config());
    assertCompletionFrom(await gw.chat(chatBody('pair')), 'P');
    const start = await gw.post('/admin/drills', { target: 'p/model-p', duration: '1500ms' });
    assert.equal(start.status, 201, start.text);
    assert.equal(start.json.target, 'p/model-p');
    const id = start.json.incident;
    assert.equal(typeof id, 'number');
    await p.clearRequests();
    const listed = await gw.get('/admin/drills');
    assert.deepEqual(listed.json.drills.map((d) => d.target), ['p/model-p']);
    assert.equal((await gw.post('/admin/drills', { target: 'p/model-p', duration: '10s' })).status, 409);
    assert.equal((await gw.post('/admin/drills', { target: 'nope/x', duration: '10s' })).status, 404);
    assert.equal((await gw.post('/admin/drills', { target: 'p/model-p', duration: 'soon' })).status, 400);
    const during = await target(gw, 'p/model-p');
    assert.equal(during.breaker, 'open', JSON.stringify(during));
    assert.equal(during.drill, true);
    for (let i = 0; i < 4; i++) {
      const res = await gw.chat(chatBody('pair'));
      assertCompletionFrom(res, 'S');
      assert.equal(attempts(res), '1', 'the drilled target is skipped, not tried');
    }
    await sleep(400);  // two health-check intervals: suspended for the drill
    assert.deepEqual(await p.requests(), [], 'the drilled sim saw nothing: no requests, no health checks');
    const open = (await incidents(gw)).find((i) => i.id === id);
    assert.equal(open.state, 'open');
    assert.equal(open.drill, true);

    // It ends by itself: the target is back and the incident closed.
    await waitFor(async () => (await gw.get('/admin/drills')).json.drills.length === 0, 'the drill to end', 5000);
    assertCompletionFrom(await gw.chat(chatBody('pair')), 'P');
    const report = (await gw.get(`/admin/incidents/${id}/report?format=json`)).json;
    assert.equal(report.drill, true);
    assert.equal(report.state, 'closed');
    assert.ok(report.time_to_recover_ms >= 1400 && report.time_to_recover_ms < 4000, JSON.stringify(report));
    assert.deepEqual(report.timeline.map((e) => e.kind), ['drill_started', 'breaker_opened', 'drill_ended', 'recovered', 'closed']);
    assert.ok(report.requests.failed_over >= 4, JSON.stringify(report));
    assert.ok(report.absorbed_by.some((a) => a.target === 's/model-s' && a.requests >= 4), JSON.stringify(report));
    const md = await gw.get(`/admin/incidents/${id}/report`);
    assert.ok(md.text.includes(`# Incident ${id}: p/model-p (drill)`), md.text);
    assert.ok(md.text.includes('**Drill.**'), md.text);
    assert.ok(md.text.includes('| Drill started |') && md.text.includes('| Drill ended |'), md.text);
    const hooks = hook.received.filter((r) => r.body && r.body.id === id);
    await waitFor(() => hook.received.filter((r) => r.body && r.body.id === id).length >= 2, 'drill webhooks');
    assert.ok(hook.received.filter((r) => r.body && r.body.id === id).every((r) => r.body.drill === true), JSON.stringify(hooks));
  });

  it('DELETE /admin/drills/{target} ends a drill early; `switchyard drill` drives the admin API', opts, async () => {
    const port = await closedPort();
    const gw = await gateway(config({ listen: `${HOST}:${port}`, healthCheck: false }));
    const cli = await runCli(['drill', '--config', gw.configPath, '--target', 'p/model-p', '--duration', '30s']);
    assert.equal(cli.code, 0, `${cli.stdout}\n${cli.stderr}`);
    const started = JSON.parse(cli.stdout);
    assert.equal(started.target, 'p/model-p');
    assert.equal(served(await gw.chat(chatBody('pair'))), 's/model-s');
    const del = await gw.request('/admin/drills/p/model-p', { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);
    assert.equal((await gw.request('/admin/drills/p/model-p', { method: 'DELETE' })).status, 404);
    assert.equal(served(await gw.chat(chatBody('pair'))), 'p/model-p');
    const report = (await gw.get(`/admin/incidents/${started.incident}/report?format=json`)).json;
    assert.equal(report.drill, true);
    assert.equal(report.state, 'closed');
    assert.ok(report.timeline.some((e) => e.kind === 'drill_ended' && e.detail === 'ended by the operator'), JSON.stringify(report));
    // And from the CLI: --end.
    const again = await runCli(['drill', '--config', gw.configPath, '--target', 'p/model-p', '--duration', '30s']);
    assert.equal(again.code, 0, again.stderr);
    const ended = await runCli(['drill', '--config', gw.configPath, '--target', 'p/model-p', '--end']);
    assert.equal(ended.code, 0, `${ended.stdout}\n${ended.stderr}`);
    assert.equal((await gw.get('/admin/drills')).json.drills.length, 0);
  });
});

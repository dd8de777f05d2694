// The dashboard (GET /dashboard) in a real browser: Debian's chromium, driven headless by npm's
// playwright-core (pinned in tests/sdk/package-lock.json; scripts/install-deps.sh --test installs
// chromium, scripts/test.sh runs `npm ci` in tests/sdk). The page must load without console errors,
// show a target's breaker turning open when its simulator fails and closed when it recovers, render
// an incident's post-mortem, show one request's audit trail, and ask for the admin key when the
// gateway has one. Screenshots go to tests/artifacts/ (git-ignored); SWITCHYARD_DOCS_SCREENSHOT=1
// also refreshes the README's docs/dashboard.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { HOST, REPO_ROOT, Stack, chatBody, httpRequest, sleep } from './lib/harness.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'artifacts');
const DOCS_SCREENSHOT = path.join(REPO_ROOT, 'docs', 'dashboard.png');
const ADMIN_KEY = 'dashboard-admin-key-for-tests';
const opts = { timeout: 60_000 };

// playwright-core lives in tests/sdk/node_modules (one package.json for every npm-based test).
let chromium = null;
let missing = '';
try {
  const require = createRequire(path.join(REPO_ROOT, 'tests', 'sdk', 'package.json'));
  ({ chromium } = require('playwright-core'));
} catch (error) {
  missing = `playwright-core is not installed (cd tests/sdk && npm ci): ${error.message}`;
}
if (!missing && !fs.existsSync(CHROMIUM)) missing = `no chromium at ${CHROMIUM} (scripts/install-deps.sh --test, or set CHROMIUM_BIN)`;

// The optional endpoints the page probes and tolerates a 404 from (another build's features):
// chromium logs every 404 fetch as a console error, which is not the page's.
const TOLERATED_404 = [/\/admin\/drills$/, /\/admin\/incidents\/[^/]+\/report$/];

function config(p, s, extra = {}) {
  return {
    listen: `${HOST}:0`,
    workers: 2,
    // A breaker that trips and recovers within seconds: 2 failures open it for 4 s (two polls of the page), 1 probe closes it.
    resilience: {
      breaker: { consecutive_failures: 2, min_requests: 1000, open: '4s', open_max: '8s', half_open_probes: 1, probes_to_close: 1 },
      retry_budget: { min_per_second: 1000000 },
    },
    providers: {
      p: { kind: 'openai', base_url: p.baseUrl, api_key: 'key-p' },
      s: { kind: 'openai', base_url: s.baseUrl, api_key: 'key-s' },
    },
    routes: {
      chat: {
        targets: ['p/gpt-4o', 's/gpt-4o-mini'],
        retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '20ms' },
        timeouts: { attempt: '2s', first_token: '2s', total: '5s' },
      },
    },
    budgets: { gateway: { usd_per_day: 50 }, routes: { chat: { usd_per_day: 5 } } },
    ...extra,
  };
}

function screenshotPath(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, `dashboard-${name}.png`);
}

describe('dashboard', { timeout: 240_000, skip: missing || false }, () => {
  const stack = new Stack();
  let p;
  let s;
  let gw;
  let browser;
  let page;
  const consoleErrors = [];

  before(async () => {
    [p, s] = await Promise.all([stack.sim('P'), stack.sim('S')]);
    gw = await stack.gateway(JSON.stringify(config(p, s), null, 2));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Root in a container: chromium's sandbox needs user namespaces it may not have.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const url = message.location()?.url || '';
      if (/Failed to load resource: .* 404/.test(message.text()) && TOLERATED_404.some((re) => re.test(url))) return;
      consoleErrors.push(`${message.text()} (${url})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    // Some traffic first: the request log, costs and routes have something to show.
    for (let i = 0; i < 4; i++) await gw.chat(chatBody('chat'));
  }, opts);

  after(async () => {
    if (browser) await browser.close();
    await stack.stop();
  });

  // Until the page has polled `count` more times (each poll redraws every panel).
  async function polls(count = 1) {
    const now = Number((await page.locator('body').getAttribute('data-polls')) || 0);
    await page.waitForFunction((n) => Number(document.body.dataset.polls || 0) >= n, now + count, { timeout: 10_000 });
  }

  it('serves the embedded files with their security headers, and 404s the rest', opts, async () => {
    const html = await gw.get('/dashboard');
    assert.equal(html.status, 200, html.text);
    assert.match(html.headers['content-type'], /^text\/html/);
    assert.match(html.headers['content-security-policy'], /script-src 'self'/);
    assert.match(html.text, /<title>Switchyard dashboard<\/title>/);
    assert.equal((await gw.get('/dashboard/')).status, 200);
    const js = await gw.get('/dashboard/dashboard.js');
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'], /^text\/javascript/);
    const css = await gw.get('/dashboard/dashboard.css');
    assert.equal(css.status, 200);
    assert.match(css.headers['content-type'], /^text\/css/);
    assert.equal((await gw.get('/dashboard/nothing-here.js')).status, 404);
    assert.equal((await gw.post('/dashboard', {})).status, 405);
  });

  it('loads without console errors and fills every panel from the live endpoints', opts, async () => {
    await page.goto(`${gw.url}/dashboard`);
    await page.waitForFunction(() => Number(document.body.dataset.polls || 0) >= 2, null, { timeout: 15_000 });
    for (const title of ['Routes and targets', 'Live traffic', 'Incidents', 'Drills', 'Cost and budgets', 'Request search']) {
      assert.equal(await page.getByRole('heading', { name: title, level: 2 }).count(), 1, `section ${title}`);
    }
    assert.equal(await page.locator('tr[data-target="p/gpt-4o"]').getAttribute('data-breaker'), 'closed');
    assert.match(await page.locator('tr[data-target="p/gpt-4o"] .badge').innerText(), /closed/);
    assert.ok(Number((await page.locator('#total-requests').innerText()).replace(/,/g, '')) >= 4, 'requests counted from /metrics');
    assert.ok((await page.locator('#requests tbody tr[data-request]').count()) >= 4, 'the request log lists the requests');
    assert.ok((await page.locator('#budgets tbody tr[data-budget]').count()) >= 2, 'the gateway and route budgets');
    assert.match(await page.locator('#status').innerText(), /^Live/);
    await page.screenshot({ path: screenshotPath('loaded'), fullPage: true });
    assert.deepEqual(consoleErrors, [], 'no console errors');
  });

  it('shows a target turning open when its simulator fails, and closed when it recovers', opts, async () => {
    const row = page.locator('tr[data-target="p/gpt-4o"]');
    await p.setFaults([{ status: 503 }], { loop: true });
    for (let i = 0; i < 3; i++) await gw.chat(chatBody('chat'));
    await page.waitForSelector('tr[data-target="p/gpt-4o"][data-breaker="open"]', { timeout: 10_000 });
    assert.match(await row.locator('.badge').innerText(), /^open/, 'the state is written out, not only coloured');
    assert.match(await page.locator('#incidents tbody tr[data-state="open"]').first().innerText(), /p\/gpt-4o/);
    await polls(1); // the live traffic panel has a rate by now
    await page.screenshot({ path: screenshotPath('breaker-open'), fullPage: true });
    if (process.env.SWITCHYARD_DOCS_SCREENSHOT === '1') {
      // The README's picture: a breaker open, its incident, failover traffic.
      fs.mkdirSync(path.dirname(DOCS_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: DOCS_SCREENSHOT, fullPage: true });
    }

    // Recovery: P answers again; after `open` (4 s) the next request is the probe that closes it.
    await p.clearFaults();
    let closed = false;
    const traffic = (async () => {
      while (!closed) {
        await gw.chat(chatBody('chat'));
        await sleep(150);
      }
    })();
    try {
      await page.waitForSelector('tr[data-target="p/gpt-4o"][data-breaker="closed"]', { timeout: 15_000 });
    } finally {
      closed = true;
      await traffic;
    }
    assert.match(await row.locator('.badge').innerText(), /^closed/);
    await page.waitForSelector('#incidents tbody tr[data-state="closed"]', { timeout: 10_000 });
    await page.screenshot({ path: screenshotPath('breaker-closed'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });

  it("renders an incident's post-mortem when it is chosen", opts, async (t) => {
    const incidents = (await gw.get('/admin/incidents')).json.incidents;
    assert.ok(incidents.length >= 1, 'the previous test opened an incident');
    const id = incidents[0].id;
    const report = await gw.get(`/admin/incidents/${id}/report`);
    await page.locator(`#incidents tr[data-incident="${id}"] button`).click();
    const box = page.locator('#postmortem');
    await box.waitFor({ state: 'visible' });
    if (report.status === 404) {
      // This build has no post-mortem endpoint: the page says so and shows the incident's summary.
      await page.waitForFunction(() => /no post-mortem report/.test(document.getElementById('postmortem').innerText));
      assert.match(await box.innerText(), /p\/gpt-4o/);
      await page.screenshot({ path: screenshotPath('incident-summary'), fullPage: true });
      assert.deepEqual(consoleErrors, []);
      t.skip('GET /admin/incidents/{id}/report is 404 in this build: the post-mortem rendering is not asserted (the fallback summary is)');
      return;
    }
    assert.equal(report.status, 200, report.text);
    await page.waitForSelector(`#postmortem [data-report="${id}"]`, { timeout: 10_000 });
    const text = await box.innerText();
    // The Markdown is rendered (headings become elements), not shown as source.
    assert.ok((await box.locator('h2, h3, h4').count()) >= 2, `rendered headings: ${text.slice(0, 400)}`);
    assert.doesNotMatch(text, /^#\s/m, 'no raw Markdown headings');
    assert.match(text, /p\/gpt-4o/);
    await page.screenshot({ path: screenshotPath('postmortem'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });

  it("shows one request's audit trail from the request search", opts, async () => {
    // A request that failed over: its trail has two targets.
    await p.setFaults([{ status: 503 }]);
    const res = await gw.chat(chatBody('chat'));
    assert.equal(res.status, 200);
    const id = res.headers['x-request-id'] || res.headers['x-switchyard-request-id'];
    assert.ok(id, `a request id header: ${JSON.stringify(res.headers)}`);
    await page.fill('#search-id', id);
    await page.click('#request-search button[type="submit"]');
    await page.waitForSelector('#audit-trail tbody tr', { timeout: 10_000 });
    const trail = await page.locator('#audit-trail tbody').innerText();
    assert.match(trail, /p\/gpt-4o/);
    assert.match(trail, /s\/gpt-4o-mini/);
    assert.match(await page.locator('#request-detail').innerText(), /failed_over/);
    await page.fill('#search-id', '');
    await page.screenshot({ path: screenshotPath('request'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });

  it('shows drills when the build has them (POST /admin/drills), and says so when it has not', opts, async (t) => {
    const drills = await gw.get('/admin/drills');
    if (drills.status === 404) {
      await page.waitForFunction(() => /does not offer drills/.test(document.getElementById('drills').innerText));
      t.skip('GET /admin/drills is 404 in this build: only the "not offered" message is asserted');
      return;
    }
    assert.equal(drills.status, 200, drills.text);
    const started = await gw.post('/admin/drills', { target: 's/gpt-4o-mini', duration: '3s' });
    assert.ok(started.status >= 200 && started.status < 300, `POST /admin/drills: ${started.status} ${started.text}`);
    await page.waitForSelector('#drills tr[data-drill-target="s/gpt-4o-mini"]', { timeout: 10_000 });
    assert.match(await page.locator('#drills tr[data-drill-target="s/gpt-4o-mini"]').innerText(), /running/);
    await page.waitForSelector('#incidents tbody tr[data-state="open"] .state-drill', { timeout: 10_000 });
    await page.screenshot({ path: screenshotPath('drill'), fullPage: true });
    // The drill ends by itself; its incident closes.
    await page.waitForFunction(() => !document.querySelector('#incidents tbody tr[data-state="open"]'), null, { timeout: 15_000 });
    assert.deepEqual(consoleErrors, []);
  });

  it('with an admin key: serves the page, asks for the key, keeps it in sessionStorage and sends it', opts, async () => {
    const keyed = await stack.gateway(JSON.stringify(config(p, s, { auth: { admin_keys: [ADMIN_KEY] } }), null, 2));
    assert.equal((await keyed.get('/dashboard')).status, 200, 'the shell is served without the key');
    assert.equal((await keyed.get('/admin/targets')).status, 401, 'the data is not');
    const context = await browser.newContext();
    const keyedPage = await context.newPage();
    const errors = [];
    keyedPage.on('pageerror', (error) => errors.push(error.message));
    await keyedPage.goto(`${keyed.url}/dashboard`);
    await keyedPage.locator('#auth').waitFor({ state: 'visible' });
    assert.match(await keyedPage.locator('#status').innerText(), /admin key/);
    await keyedPage.fill('#admin-key', ADMIN_KEY);
    await keyedPage.click('#auth button[type="submit"]');
    await keyedPage.waitForSelector('tr[data-target="p/gpt-4o"]', { timeout: 10_000 });
    assert.equal(await keyedPage.evaluate(() => sessionStorage.getItem('switchyard.adminKey')), ADMIN_KEY);
    assert.match(await keyedPage.locator('#status').innerText(), /^Live/);
    await context.close();
    await keyed.stop();
    assert.deepEqual(errors, []);
  });

  it('serves the page to loopback clients only when no admin key is configured', opts, async () => {
    // The harness talks over loopback: the page is there. A non-loopback client gets the admin
    // gate's 401 (covered for /admin by governance.test.mjs; the dashboard shares refuseAdmin).
    const res = await httpRequest(`${gw.url}/dashboard`);
    assert.equal(res.status, 200);
  });
});

if (missing) {
  describe('dashboard (skipped)', () => {
    it('needs chromium and playwright-core', { skip: missing }, () => {});
  });
}

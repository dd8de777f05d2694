// Economics end to end (issue 13): budgets that reserve before an attempt (a dear target that does
// not fit gives way to a cheaper one; nothing fits -> 429 budget_exceeded with its reset), budgets
// under concurrency, a client key's rate limit, GET /admin/budgets, the strategies and
// max_cost_ratio, routing rules, and `switchyard check --explain`.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOST, STATELESS, Stack, TEST_TIMEOUT_MS, chatBody, runCli, writeTempFile } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const KEY = 'econ-key-0123456789abcdef';
const LIMITED_KEY = 'limited-key-0123456789abcdef';
const auth = (key) => ({ authorization: `Bearer ${key}` });
const DEAR = { input: 1000, output: 1000 }; // USD per million tokens
const CHEAP = { input: 1, output: 1 };

describe('economics', { timeout: 180_000 }, () => {
  const stack = new Stack();
  let a;
  let b;
  let gw;
  let config;

  before(async () => {
    [a, b] = await Promise.all([stack.sim('A'), stack.sim('B')]);
    const retry = { max_attempts: 2, backoff_base: '10ms', backoff_max: '20ms' };
    // JSON is YAML, and the harness's emitter does not write lists of maps.
    config = {
      listen: `${HOST}:0`,
      workers: 2,
      resilience: STATELESS,
      keys: {
        econ: { key: KEY, budget: { usd_per_day: 0.01 } },
        limited: { key: LIMITED_KEY, limits: { rpm: 2 } },
      },
      budgets: { routes: { burst: { usd_per_day: 0.002 } } },
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'sk-a' },
        b: { kind: 'openai', base_url: b.baseUrl, api_key: 'sk-b' },
      },
      routes: {
        // Dear first: a request whose dear reservation does not fit the key's budget goes to b.
        budgeted: { targets: [{ target: 'a/dear', price: DEAR }, { target: 'b/cheap', price: CHEAP }], retry },
        burst: { targets: [{ target: 'b/cheap', price: CHEAP }], retry: { max_attempts: 1 } },
        cheapest: { strategy: 'cheapest', targets: [{ target: 'a/dear', price: DEAR }, { target: 'b/cheap', price: CHEAP }] },
        capped: {
          max_cost_ratio: 2,
          targets: [{ target: 'b/cheap', price: CHEAP }, { target: 'a/dear', price: DEAR }],
          retry,
        },
        ruled: {
          targets: ['a/default'],
          rules: [{ when: { stream: true }, targets: ['b/streamer'] }, { when: { min_prompt_tokens: 200 }, targets: ['b/long'] }],
        },
        limited: { targets: ['a/any'] },
      },
    };
    gw = await stack.gateway(JSON.stringify(config, null, 2));
  }, opts);

  after(() => stack.stop());
  beforeEach(() => Promise.all([a.reset(), b.reset()]));

  async function auditOf(id) {
    for (let i = 0; i < 40; i++) {
      const res = await gw.get(`/admin/requests/${id}`);
      if (res.status === 200) return res.json;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`no audit record for ${id}`);
  }

  it('a target whose reservation does not fit the budget gives way to a cheaper one', opts, async () => {
    const res = await gw.chat(chatBody('budgeted', 'hi', { max_tokens: 100 }), {
      headers: { ...auth(KEY), 'x-request-id': 'econ-fit-1' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-switchyard-target'], 'b/cheap');
    assert.equal((await a.chatRequests()).length, 0, 'the dear target was never contacted');
    const record = await auditOf('econ-fit-1');
    assert.equal(record.targets[0].target, 'a/dear');
    assert.equal(record.targets[0].verdict, 'skipped_budget');
    assert.match(record.targets[0].reason, /key econ usd_per_day/);
  });

  it('nothing fits: 429 budget_exceeded naming the budget and its reset, nothing sent upstream', opts, async () => {
    const res = await gw.chat(chatBody('budgeted', 'hi', { max_tokens: 100000 }), { headers: auth(KEY) });
    assert.equal(res.status, 429, res.text);
    assert.equal(res.json.error.code, 'budget_exceeded');
    assert.match(res.json.error.message, /key econ usd_per_day/);
    assert.match(res.json.error.message, /resets at \d{4}-\d\d-\d\dT00:00:00Z/);
    assert.equal(res.headers['x-switchyard-budget'], 'key econ usd_per_day');
    assert.ok(Number(res.headers['retry-after']) >= 1 && Number(res.headers['retry-after']) <= 86400);
    assert.equal((await a.chatRequests()).length + (await b.chatRequests()).length, 0);
  });

  it('200 concurrent requests never push a route budget past its limit', opts, async () => {
    // Each reserves 0.0008 USD (body bytes + 700 output tokens at 1 USD/M): at most 2 fit at once.
    const body = chatBody('burst', 'hi', { max_tokens: 700 });
    const results = await Promise.all(Array.from({ length: 200 }, () => gw.chat(body)));
    for (const res of results) {
      assert.ok(res.status === 200 || (res.status === 429 && res.json.error.code === 'budget_exceeded'), res.text);
    }
    assert.ok(results.some((r) => r.status === 429), 'the budget refused some of the burst');
    const budgets = await gw.get('/admin/budgets');
    assert.equal(budgets.status, 200);
    const route = budgets.json.budgets.find((x) => x.budget === 'route burst usd_per_day');
    assert.ok(route, budgets.text);
    assert.ok(route.spent + route.reserved <= route.limit, budgets.text);
    assert.equal(route.limit, 0.002);
    assert.equal(budgets.json.overshoot.settlements, 0);
  });

  it("a client key over its rpm gets 429 rate_limit_exceeded with Retry-After", opts, async () => {
    const statuses = [];
    let limited;
    for (let i = 0; i < 4; i++) {
      const res = await gw.chat(chatBody('limited'), { headers: auth(LIMITED_KEY) });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    assert.deepEqual(statuses.slice(0, 2), [200, 200]);
    assert.ok(limited, `statuses: ${statuses}`);
    assert.equal(limited.json.error.code, 'rate_limit_exceeded');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    const buckets = (await gw.get('/admin/budgets')).json.rate_limits;
    assert.ok(buckets.some((x) => x.id === 'limited' && x.scope === 'key' && x.rpm === 2), JSON.stringify(buckets));
  });

  it('strategy cheapest serves from the cheaper target whatever the list order', opts, async () => {
    const res = await gw.chat(chatBody('cheapest'));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-switchyard-target'], 'b/cheap');
    assert.ok(Number(res.headers['x-switchyard-cost-usd']) > 0);
  });

  it('max_cost_ratio keeps a failover from moving to a far dearer target', opts, async () => {
    await b.setFaults([{ status: 503 }, { status: 503 }]);
    const res = await gw.chat(chatBody('capped'));
    assert.equal(res.status, 503, res.text);
    assert.equal((await a.chatRequests()).length, 0, 'the dear fallback was left out of the plan');
  });

  it('rules pick the target list from the request shape', opts, async () => {
    const plain = await gw.chat(chatBody('ruled'));
    assert.equal(plain.headers['x-switchyard-target'], 'a/default');
    const streamed = await gw.stream(chatBody('ruled', 'hi', { stream: true }));
    assert.equal(streamed.status, 200);
    assert.equal(streamed.headers['x-switchyard-target'], 'b/streamer');
    const long = await gw.chat(chatBody('ruled', 'word '.repeat(400)));
    assert.equal(long.headers['x-switchyard-target'], 'b/long');
  });

  it('check --explain names the rule a request takes and its targets', opts, async () => {
    const file = writeTempFile(JSON.stringify({ ...config, listen: `${HOST}:0` }, null, 2));
    const streamed = await runCli(['check', '--config', file, '--explain', JSON.stringify(chatBody('ruled', 'hi', { stream: true }))]);
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.match(streamed.stdout, /b\/streamer/);
    const cheapest = await runCli(['check', '--config', file, '--explain', JSON.stringify(chatBody('cheapest'))]);
    assert.equal(cheapest.code, 0, cheapest.stderr);
    const order = cheapest.stdout.slice(cheapest.stdout.lastIndexOf('cheapest'));
    assert.ok(order.indexOf('b/cheap') >= 0 && order.indexOf('b/cheap') < order.indexOf('a/dear'), cheapest.stdout);
  });
});

describe('spend after a kill -9', { timeout: 120_000 }, () => {
  const stack = new Stack();
  after(() => stack.stop());

  // Streams too: an attempt is journaled before the chunk that carries [DONE] is written.
  for (const stream of [false, true]) {
    it(`a kill -9 in the middle of a burst${stream ? ' of streams' : ''}, then a restart: spend is exactly what was settled`, opts, async () => {
      const sim = await stack.sim('S');
      let gw = await stack.gateway(
        JSON.stringify(
          {
            listen: `${HOST}:0`,
            workers: 2,
            resilience: STATELESS,
            budgets: { routes: { metered: { usd_per_day: 1000 } } },
            providers: { s: { kind: 'openai', base_url: sim.baseUrl, api_key: 'sk-s' } },
            routes: { metered: { targets: [{ target: 's/m', price: DEAR }], retry: { max_attempts: 1 } } },
          },
          null,
          2,
        ),
      );
      const body = chatBody('metered', 'hi');
      // The same body costs the same each time; a stream's cost is read from its audit record.
      const answered1 = async () => {
        if (!stream) {
          const res = await gw.chat(body);
          return res.status === 200;
        }
        const res = await gw.stream(body);
        return res.status === 200 && res.done && res.errors.length === 0;
      };
      let unit;
      if (!stream) {
        const probe = await gw.chat(body);
        assert.equal(probe.status, 200, probe.text);
        unit = Number(probe.headers['x-switchyard-cost-usd']);
      } else {
        assert.ok(await answered1(), 'the probe stream');
        for (let i = 0; i < 40 && unit === undefined; i++) {
          const listed = await gw.get('/admin/requests?route=metered&limit=1');
          if (listed.json?.data?.length === 1) unit = listed.json.data[0].cost_usd;
          else await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      assert.ok(unit > 0, `the cost of one request: ${unit}`);

      // 16 clients; the gateway is killed the moment the 150th answer arrives, while the audit
      // records of the last answers still wait for the store's next flush.
      let answered = 1;
      let killed = false;
      const exited = gw.child.exited;
      const client = async () => {
        while (!killed) {
          let ok;
          try {
            ok = await answered1();
          } catch {
            return; // the gateway is gone
          }
          if (!ok || killed) continue;
          answered += 1;
          if (answered >= 150) {
            killed = true;
            process.kill(gw.child.pid, 'SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, client));
      assert.equal((await exited).signal, 'SIGKILL');
      const billed = (await sim.chatRequests()).length; // every request the provider saw

      gw = await stack.restart(gw);
      const budgets = await gw.get('/admin/budgets');
      assert.equal(budgets.status, 200, budgets.text);
      const route = budgets.json.budgets.find((x) => x.budget === 'route metered usd_per_day');
      assert.ok(route, budgets.text);
      // Whole requests only, at least every answer a client got (each attempt is journaled before its
      // answer's last byte goes out), at most what the provider saw.
      const settled = Math.round(route.spent / unit);
      assert.ok(Math.abs(route.spent - settled * unit) < 1e-6, `${route.spent} is not a whole number of ${unit}`);
      assert.ok(settled >= answered, `spend after the restart covers ${settled} requests, clients got ${answered}`);
      assert.ok(settled <= billed, `spend covers ${settled} requests, the provider saw ${billed}`);
      // The requests recovered from the journal are in the request log, with their cost.
      const listed = await gw.get('/admin/requests?route=metered&limit=1000');
      assert.equal(listed.status, 200, listed.text);
      const total = listed.json.data.reduce((sum, r) => sum + r.cost_usd, 0);
      assert.ok(Math.abs(total - route.spent) < 1e-6, `records sum to ${total}, the budget says ${route.spent}`);
    });
  }
});

// Generated data-class policy cases: random route shapes over four sims whose providers carry
// random compliance and region labels, random data classes (route, key, header), random faults
// (503, 529, connection reset, slow first token, stream cut mid-way), hedging on or off, stream or
// not. Whatever happens, a request marked with a class never reaches a sim whose provider lacks it,
// and the client gets an answer from an allowed target, the policy's error, or (a stream cut
// mid-way that could not be continued) an honest error event.
//
// Replay a failure with the seed it prints: POLICY_SEED=N node --test tests/integration/policy_generated.test.mjs
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, simReply, sleep } from './lib/harness.mjs';

const SEED = Number.isInteger(Number(process.env.POLICY_SEED)) && process.env.POLICY_SEED
  ? Number(process.env.POLICY_SEED)
  : Math.floor(Math.random() * 2 ** 31);
const WORLDS = 5; // gateways, each with its own random provider attributes
const CASES_PER_WORLD = 10;
const VOICE = 'V'; // every sim answers alike, so a stream continued elsewhere is still one answer
const SIMS = ['S0', 'S1', 'S2', 'S3'];
const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

console.log(`policy_generated: seed=${SEED} (replay: POLICY_SEED=${SEED} node --test tests/integration/policy_generated.test.mjs)`);

// mulberry32: small, fast, and the same sequence for the same seed everywhere.
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    subset: (list, p) => list.filter(() => next() < p),
  };
}

const CLASSES = {
  phi: { requires: ['hipaa_baa'] },
  pci: { requires: ['pci_dss'] },
  eu: { labels: { region: ['eu-west-1', 'eu-central-1'] } },
};
const CLASS_NAMES = Object.keys(CLASSES);
const REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1'];
const KEYS = {
  none: { key: 'gen-key-none-0123456789abcdef' },
  phi: { key: 'gen-key-phi-0123456789abcdef0', data_class: 'phi' },
  eu: { key: 'gen-key-eu-0123456789abcdef01', data_class: 'eu' },
  pci: { key: 'gen-key-pci-0123456789abcdef0', data_class: 'pci' },
};
const FAULT_KINDS = ['none', 'none', '503', '529', 'reset', 'slow', 'cut'];

function providerAllows(provider, classes) {
  for (const name of classes) {
    const spec = CLASSES[name];
    for (const need of spec.requires || []) if (!provider.compliance.includes(need)) return false;
    for (const [label, values] of Object.entries(spec.labels || {})) {
      if (!values.includes(provider.labels[label])) return false;
    }
  }
  return true;
}

function faultFor(kind, stream) {
  switch (kind) {
    case '503':
      return { status: 503 };
    case '529':
      return { status: 529, body: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }) };
    case 'reset':
      return { reset: true };
    case 'slow':
      return stream ? { stall_after: 0 } : { delay_ms: 1500 };
    case 'cut':
      return { truncate_after: 2 };
    default:
      return {};
  }
}

// One world: provider attributes and the cases (one route each) it serves.
function makeWorld(rand, w) {
  const providers = SIMS.map((sim, i) => ({
    name: `p${i}`,
    sim,
    kind: rand.chance(0.25) ? 'anthropic' : 'openai',
    compliance: rand.subset(['hipaa_baa', 'pci_dss'], 0.5),
    labels: { region: rand.pick(REGIONS) },
  }));
  const cases = [];
  for (let c = 0; c < CASES_PER_WORLD; c++) {
    const n = rand.int(2, 4);
    const targets = [];
    while (targets.length < n) {
      const p = rand.pick(providers);
      const id = `${p.name}/m${rand.int(0, 1)}`;
      if (!targets.some((t) => t.id === id)) targets.push({ id, provider: p });
    }
    const routeClasses = rand.chance(0.5) ? rand.subset(CLASS_NAMES, 0.4) : [];
    const key = rand.pick(['anon', 'none', 'none', 'phi', 'eu', 'pci']);
    let header = rand.chance(0.4) ? rand.subset(CLASS_NAMES, 0.4) : [];
    const bogus = rand.chance(0.06);
    if (bogus) header = [...header, 'bogus'];
    const stream = rand.chance(0.5);
    const anthropic = !stream && rand.chance(0.2);
    const faults = {};
    for (const t of targets) {
      if (faults[t.provider.sim]) continue;
      const kind = rand.pick(FAULT_KINDS);
      faults[t.provider.sim] = { kind, loop: kind !== 'none' && rand.chance(0.3) };
    }
    cases.push({
      world: w,
      index: c,
      route: `c${c}`,
      targets,
      routeClasses,
      key,
      header,
      bogus,
      stream,
      anthropic,
      hedge: rand.chance(0.4),
      maxAttempts: rand.int(2, 5),
      faults,
      marker: `mk${SEED}w${w}c${c}z`,
    });
  }
  return { providers, cases };
}

function describeCase(tc) {
  return JSON.stringify({
    seed: SEED,
    world: tc.world,
    case: tc.index,
    targets: tc.targets.map((t) => `${t.id}[${t.provider.sim},${t.provider.kind},${t.provider.compliance.join('+') || '-'},${t.provider.labels.region}]`),
    routeClasses: tc.routeClasses,
    key: tc.key,
    header: tc.header,
    stream: tc.stream,
    anthropic: tc.anthropic,
    hedge: tc.hedge,
    maxAttempts: tc.maxAttempts,
    faults: tc.faults,
  });
}

function worldConfig(sims, world) {
  const providers = {};
  for (const p of world.providers) {
    const sim = sims[p.sim];
    providers[p.name] = {
      kind: p.kind,
      base_url: p.kind === 'anthropic' ? sim.url : sim.baseUrl,
      api_key: `prov-${p.name}`,
      ...(p.compliance.length ? { compliance: p.compliance } : {}),
      labels: p.labels,
    };
  }
  const routes = {};
  for (const tc of world.cases) {
    routes[tc.route] = {
      targets: tc.targets.map((t) => t.id),
      ...(tc.routeClasses.length ? { data_class: tc.routeClasses } : {}),
      retry: { max_attempts: tc.maxAttempts, backoff_base: '5ms', backoff_max: '20ms' },
      timeouts: { attempt: '400ms', first_token: '400ms', total: '8s' },
      ...(tc.hedge ? { hedge: { delay: '100ms', max_ratio: 1 } } : {}),
    };
  }
  return { data_classes: CLASSES, providers, routes, keys: KEYS };
}

describe(`generated data-class policy cases (seed ${SEED})`, { timeout: 600_000 }, () => {
  const stack = new Stack();
  const sims = {};
  const rand = prng(SEED);
  const worlds = Array.from({ length: WORLDS }, (_, w) => makeWorld(rand, w));
  const gateways = [];
  const tally = {};
  const count = (what) => (tally[what] = (tally[what] || 0) + 1);

  before(async () => {
    const started = await Promise.all(SIMS.map((name) => stack.sim(name, { voice: VOICE })));
    SIMS.forEach((name, i) => (sims[name] = started[i]));
    for (const world of worlds) gateways.push(await stack.gateway(worldConfig(sims, world)));
  }, { timeout: 60_000 });

  after(async () => {
    console.log(`policy_generated: seed=${SEED} outcomes ${JSON.stringify(tally)}`);
    await stack.stop();
  });

  for (const world of worlds) {
    for (const tc of world.cases) {
      it(`world ${tc.world} case ${tc.index}`, { timeout: 30_000 }, async () => {
        const gw = gateways[tc.world];
        const where = () => `\ncase: ${describeCase(tc)}`;
        await Promise.all(SIMS.map((n) => sims[n].reset()));
        for (const [sim, f] of Object.entries(tc.faults)) {
          if (f.kind !== 'none') await sims[sim].setFaults([faultFor(f.kind, tc.stream)], { loop: f.loop });
        }
        const text = `generated case ${tc.marker} about nothing in particular today`;
        const headers = {};
        if (tc.key !== 'anon') headers.authorization = `Bearer ${KEYS[tc.key].key}`;
        if (tc.header.length) headers['x-switchyard-data-class'] = tc.header.join(',');
        const keyClasses = tc.key === 'anon' || !KEYS[tc.key].data_class ? [] : [KEYS[tc.key].data_class];
        const classes = [...new Set([...tc.routeClasses, ...keyClasses, ...tc.header.filter((h) => h !== 'bogus')])];
        const allowed = tc.targets.filter((t) => providerAllows(t.provider, classes));
        const excluded = tc.targets.length - allowed.length;
        const expectedText = simReply(VOICE, text);

        let res;
        if (tc.anthropic) {
          res = await gw.post('/v1/messages', { model: tc.route, max_tokens: 256, messages: [{ role: 'user', content: text }] }, {
            headers: { ...ANTHROPIC, ...headers },
          });
        } else if (tc.stream) {
          res = await gw.stream({ model: tc.route, messages: [{ role: 'user', content: text }] }, { headers });
        } else {
          res = await gw.chat({ model: tc.route, messages: [{ role: 'user', content: text }] }, { headers });
        }
        const body = tc.stream ? res.raw : res.text;
        const json = tc.stream && res.status !== 200 ? JSON.parse(res.raw) : res.json;
        const got = () => `\ngot ${res.status} ${String(body).slice(0, 1500)}${where()}`;

        // The invariant: no sim whose provider lacks a class ever saw the marked request.
        await sleep(30); // a hedge loser still on its way
        let reached = 0;
        for (const p of world.providers) {
          const seen = (await sims[p.sim].requests()).filter((r) => r.method === 'POST' && String(r.body).includes(tc.marker));
          reached += seen.length;
          if (seen.length > 0) {
            assert.ok(
              !tc.bogus && providerAllows(p, classes),
              `${p.sim} (provider ${p.name}: ${p.compliance.join('+') || 'no compliance'}, ${p.labels.region}) received a request of classes [${classes}]${got()}`,
            );
          }
        }

        const errorCode = () => (tc.anthropic ? undefined : json?.error?.code);
        if (tc.bogus) {
          assert.equal(res.status, 400, `unknown class -> 400${got()}`);
          if (!tc.anthropic) assert.equal(errorCode(), 'unknown_data_class', got());
          assert.equal(reached, 0, `nothing sent upstream${got()}`);
          count('400 unknown class');
          return;
        }
        if (allowed.length === 0) {
          assert.equal(res.status, 403, `no allowed target -> 403${got()}`);
          if (!tc.anthropic) assert.equal(errorCode(), 'data_class_unroutable', got());
          assert.equal(res.headers['x-switchyard-policy-excluded'], String(excluded), got());
          assert.equal(reached, 0, `nothing sent upstream${got()}`);
          count('403 unroutable');
          return;
        }
        if (res.status === 200) {
          const target = res.headers['x-switchyard-target'];
          assert.ok(
            allowed.some((t) => t.id === target),
            `served by ${target}, allowed: ${allowed.map((t) => t.id)}${got()}`,
          );
          if (tc.anthropic) {
            assert.equal(res.json?.content?.[0]?.text, expectedText, got());
          } else if (!tc.stream) {
            assert.equal(res.json?.choices?.[0]?.message?.content, expectedText, got());
          } else if (res.errors.length === 0) {
            assert.equal(res.content, expectedText, `a clean stream holds the whole answer once${got()}`);
            assert.equal(res.doneCount, 1, got());
            assert.equal(res.incomplete, false, got());
          } else {
            // An honest break: only where a stream was cut, with what came before it intact.
            assert.ok(Object.values(tc.faults).some((f) => f.kind === 'cut'), `an error event without a cut${got()}`);
            assert.ok(expectedText.startsWith(res.content), `the text before the error is the answer's start${got()}`);
            count('stream error event');
            return;
          }
          count(excluded > 0 ? 'served (some excluded)' : 'served');
          return;
        }
        // Every allowed target failed.
        assert.ok(
          Object.values(tc.faults).some((f) => f.kind !== 'none'),
          `a failure without any fault${got()}`,
        );
        if (excluded > 0) {
          assert.equal(res.status, 503, got());
          if (!tc.anthropic) assert.equal(errorCode(), 'allowed_targets_failed', got());
          assert.equal(res.headers['x-switchyard-policy-excluded'], String(excluded), got());
          assert.match(String(json?.error?.message), new RegExp(`${excluded} of ${tc.targets.length} targets? excluded by policy`), got());
          count('503 allowed_targets_failed');
        } else {
          count(`${res.status} all failed`);
          assert.ok([502, 503, 504, 529].includes(res.status), got());
          assert.ok(json && json.error && typeof json.error.message === 'string', got());
        }
      });
    }
  }
});

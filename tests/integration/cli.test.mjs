// The command line: `check` validates configs and names the file, line and key of each problem;
// `serve` refuses a bad config; the example configs and every YAML example in the README are valid;
// `requests` lists the request log from the store of a running gateway.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  REPO_ROOT,
  STATELESS,
  Stack,
  TEST_TIMEOUT_MS,
  chatBody,
  runCli,
  sleep,
  tempDir,
  writeTempFile,
} from './lib/harness.mjs';
import { makeCa } from './lib/tls_upstream.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const KEY_VAR = 'SY_IT_CHECK_KEY';
const SECRET = 'sk-check-secret-value';

// Line numbers matter: the error cases below replace one numbered line.
const GOOD_LINES = [
  /* 1 */ 'listen: 127.0.0.1:0',
  /* 2 */ 'workers: 1',
  /* 3 */ 'providers:',
  /* 4 */ '  a:',
  /* 5 */ '    kind: openai',
  /* 6 */ '    base_url: http://127.0.0.1:9001/v1',
  /* 7 */ `    api_key: \${${KEY_VAR}}`,
  /* 8 */ 'routes:',
  /* 9 */ '  chat:',
  /* 10 */ '    strategy: fallback',
  /* 11 */ '    targets: [a/gpt-4o, a/gpt-4o-mini]',
  /* 12 */ '    retry: {max_attempts: 3, backoff_base: 50ms}',
  /* 13 */ '    timeouts: {attempt: 5s, first_token: 2s, total: 30s}',
  /* 14 */ '  embed:',
  /* 15 */ '    targets: [a/text-model]',
];

function configWith(lineNo, replacement) {
  const lines = [...GOOD_LINES];
  if (lineNo !== undefined) lines[lineNo - 1] = replacement;
  return writeTempFile(lines.join('\n') + '\n');
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function check(file, env = { [KEY_VAR]: SECRET }) {
  return runCli(['check', '--config', file], { env });
}

function assertFailsNaming(result, file, line, ...needles) {
  const where = `exit ${result.code} signal ${result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  assert.equal(result.signal, null, `exited by itself: ${where}`);
  assert.notEqual(result.code, 0, `non-zero exit: ${where}`);
  const location = new RegExp(`${escapeRe(path.basename(file))}:${line}(?!\\d)`);
  assert.match(result.stderr, location, `stderr names ${path.basename(file)}:${line}: ${where}`);
  for (const needle of needles) assert.ok(result.stderr.includes(needle), `stderr names "${needle}": ${where}`);
}

describe('switchyard check', { timeout: 60_000 }, () => {
  it('exits 0 and prints the routing table for a good config', opts, async () => {
    const result = await check(configWith());
    const where = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
    assert.equal(result.code, 0, where);
    for (const text of ['chat', 'embed', 'a/gpt-4o', 'a/gpt-4o-mini', 'a/text-model']) {
      assert.ok(result.stdout.includes(text), `prints ${text}: ${where}`);
    }
  });

  it('masks provider secrets in the printed routing table', opts, async () => {
    const result = await check(configWith());
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!(result.stdout + result.stderr).includes(SECRET), `api_key printed in clear:\n${result.stdout}`);
  });

  it('rejects an unknown nested key, naming the key and its line', opts, async () => {
    const file = configWith(12, '    retry: {max_attempts: 3, backof_base: 50ms}');
    assertFailsNaming(await check(file), file, 12, 'backof_base');
  });

  it('rejects an unknown top-level key, naming the key and its line', opts, async () => {
    const file = configWith(2, 'wrokers: 1');
    assertFailsNaming(await check(file), file, 2, 'wrokers');
  });

  it('rejects a target naming an unknown provider, naming the provider and its line', opts, async () => {
    const file = configWith(11, '    targets: [a/gpt-4o, nope/gpt-4o-mini]');
    assertFailsNaming(await check(file), file, 11, 'nope');
  });

  it('rejects a malformed base_url, naming the key and its line', opts, async () => {
    const file = configWith(6, '    base_url: "not a url"');
    assertFailsNaming(await check(file), file, 6, 'base_url');
  });

  it('rejects a malformed duration, naming the key and its line', opts, async () => {
    const file = configWith(13, '    timeouts: {attempt: 5 seconds, first_token: 2s, total: 30s}');
    assertFailsNaming(await check(file), file, 13, 'attempt');
  });

  it('rejects a duration without a unit, naming the key and its line', opts, async () => {
    const file = configWith(12, '    retry: {max_attempts: 3, backoff_base: 50}');
    assertFailsNaming(await check(file), file, 12, 'backoff_base');
  });

  it('rejects a missing ${VAR}, naming the variable and its line', opts, async () => {
    const file = configWith(7, '    api_key: ${SY_IT_SURELY_UNSET_VAR_93}');
    assertFailsNaming(await check(file), file, 7, 'SY_IT_SURELY_UNSET_VAR_93');
  });

  it('rejects a CR/LF in a secret without printing it, naming the key and its line', opts, async () => {
    const file = configWith();
    const result = await check(file, { [KEY_VAR]: `${SECRET}\r\nX-Injected: yes` });
    assertFailsNaming(result, file, 7, "key 'providers.a.api_key'", 'control character 0x0D');
    assert.ok(!result.stderr.includes(SECRET) && !result.stderr.includes('X-Injected'), `value printed:\n${result.stderr}`);
  });

  it('removes one trailing newline from a secret with a warning on stderr, and exits 0', opts, async () => {
    const file = configWith();
    const result = await check(file, { [KEY_VAR]: `${SECRET}\n` });
    assert.equal(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    const warning = new RegExp(`${escapeRe(path.basename(file))}:7: key 'providers\\.a\\.api_key': warning: removed the trailing newline`);
    assert.match(result.stderr, warning);
    assert.ok(!(result.stdout + result.stderr).includes(SECRET), 'secret printed');
  });

  it('rejects a set but empty ${VAR}, and takes ${VAR:-default} for it', opts, async () => {
    const file = configWith();
    assertFailsNaming(await check(file, { [KEY_VAR]: '' }), file, 7, `environment variable '${KEY_VAR}' is empty`);
    const withDefault = configWith(7, `    api_key: \${${KEY_VAR}:-sk-default}`);
    const result = await check(withDefault, { [KEY_VAR]: '' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /api_key\s+set/);
  });

  it('reports ${VAR:?message} with its message', opts, async () => {
    const file = configWith(7, '    api_key: ${SY_IT_SURELY_UNSET_VAR_94:?export it from the vault}');
    assertFailsNaming(await check(file), file, 7, "environment variable 'SY_IT_SURELY_UNSET_VAR_94' is not set: export it from the vault");
  });

  it('accepts listen: localhost:PORT as 127.0.0.1', opts, async () => {
    const result = await check(configWith(1, 'listen: localhost:0'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /127\.0\.0\.1:0/);
  });

  it('says to quote an unquoted ${VAR} inside a flow mapping', opts, async () => {
    const file = configWith(4, `  a: {kind: openai, base_url: 'http://127.0.0.1:9001/v1', api_key: \${${KEY_VAR}}}`);
    // Lines 5-7 now repeat keys of "a" under a flow mapping: only the syntax error is expected.
    assertFailsNaming(await check(file), file, 4, 'YAML syntax error', `must be quoted, e.g. api_key: "\${${KEY_VAR}}"`);
  });

  it('exits non-zero for a config file that does not exist', opts, async () => {
    const result = await check(path.join(REPO_ROOT, 'tests', 'integration', 'no-such-config.yaml'));
    assert.notEqual(result.code, 0, result.stdout);
    assert.ok(result.stderr.length > 0, 'explains why on stderr');
  });
});

describe('switchyard serve with a bad config', { timeout: 60_000 }, () => {
  it('exits non-zero instead of serving', opts, async () => {
    const file = configWith(11, '    targets: [a/gpt-4o, nope/gpt-4o-mini]');
    const result = await runCli(['serve', '--config', file], { env: { [KEY_VAR]: SECRET }, timeoutMs: 8000 });
    assert.equal(result.signal, null, `exited by itself: ${result.stderr}`);
    assert.notEqual(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.ok(result.stderr.includes('nope'), `names the problem on stderr: ${result.stderr}`);
  });
});

describe('switchyard --version and --help', { timeout: 30_000 }, () => {
  it('prints a version and exits 0', opts, async () => {
    const result = await runCli(['--version']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\d+\.\d+\.\d+/);
  });

  it('prints help naming the serve, check and sim commands and exits 0', opts, async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0, result.stderr);
    for (const command of ['serve', 'check', 'sim']) assert.ok(result.stdout.includes(command), result.stdout);
  });
});

describe('example configs', { timeout: 30_000 }, () => {
  for (const name of fs.readdirSync(path.join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.yaml'))) {
    const file = path.join(REPO_ROOT, 'examples', name);
    it(`examples/${name} passes switchyard check`, opts, async () => {
      // Give every ${VAR} it references a dummy value, so that only the file itself is judged.
      const text = fs.readFileSync(file, 'utf8');
      const env = {};
      for (const [, v] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)[:}]/g)) env[v] = process.env[v] || 'dummy-value';
      const result = await runCli(['check', '--config', file], { env });
      assert.equal(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
      assert.ok(result.stdout.trim().length > 0, 'prints the routing table');
    });
  }
});

// Every ```yaml block of the README is run through `switchyard check`, so an example a reader copies works.
// A block with both `providers:` and `routes:` is a complete config and is checked exactly as written.
// A fragment (today: the same-target retry example, routes only) is checked inside a wrapper that declares
// what it leaves out: one placeholder openai provider for each provider its targets name, or one route when it
// has none. So a fragment's own keys, values and YAML are judged; that its provider names exist is not.
// A `ca_file:` path is only an illustration of this machine's layout: it is replaced by a throwaway CA's
// certificate, since check loads every trust anchor. Every ${VAR} gets a dummy value.
// The one-line provider presets in the README's table are checked the same way, each as a provider.
const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

function readmeYamlBlocks() {
  const blocks = [];
  for (const match of README.matchAll(/^```yaml\n([\s\S]*?)^```/gm)) {
    if (/^# .*\(not a Switchyard config\)/.test(match[1])) continue; // e.g. a Prometheus scrape job
    blocks.push({ text: match[1], line: README.slice(0, match.index).split('\n').length + 1 });
  }
  return blocks;
}

function dummyEnv(text) {
  const env = {};
  for (const [, name] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)[:}]/g)) env[name] = 'dummy-value';
  return env;
}

// PROVIDER of every PROVIDER/MODEL target in a fragment (in a flow list, a block list or `target:`).
function targetProviders(text) {
  const names = new Set();
  for (const [, name] of text.matchAll(/(?:[[,]\s*|^\s*-\s+|target:\s*)([A-Za-z0-9_][A-Za-z0-9_.-]*)\//gm)) names.add(name);
  return names;
}

function wrapFragment(text) {
  let yaml = text;
  const hasProviders = /^providers:/m.test(text);
  const hasRoutes = /^routes:/m.test(text);
  if (!hasProviders) {
    const names = hasRoutes ? [...targetProviders(text)] : ['placeholder'];
    yaml += 'providers:\n' + names.map((n) => `  ${n}: {kind: openai, base_url: 'http://127.0.0.1:9/v1'}\n`).join('');
  }
  if (!hasRoutes) {
    const first = hasProviders ? text.match(/^providers:\n\s+([^:\s]+):/m)?.[1] : 'placeholder';
    yaml += `routes:\n  placeholder-route: {targets: [${first}/m]}\n`;
  }
  return yaml;
}

let throwawayCa;
async function assertChecks(yaml, where) {
  if (/^\s*ca_file:/m.test(yaml)) {
    throwawayCa ??= makeCa(path.join(tempDir(), 'readme-ca'));
    yaml = yaml.replace(/^(\s*ca_file:\s*)\S+/gm, `$1${throwawayCa.cert}`);
  }
  const file = writeTempFile(yaml);
  const result = await runCli(['check', '--config', file], { env: dummyEnv(yaml) });
  assert.equal(result.code, 0, `${where} fails switchyard check:\n${yaml}\nstderr: ${result.stderr}`);
}

describe('README YAML examples', { timeout: 60_000 }, () => {
  const blocks = readmeYamlBlocks();

  it('the README has complete YAML examples to check', () => {
    assert.ok(blocks.filter((b) => /^providers:/m.test(b.text) && /^routes:/m.test(b.text)).length >= 2,
      `found ${blocks.length} yaml blocks`);
  });

  for (const block of blocks) {
    const complete = /^providers:/m.test(block.text) && /^routes:/m.test(block.text);
    it(`README.md:${block.line} ${complete ? 'passes' : '(a fragment, wrapped) passes'} switchyard check`, opts, async () => {
      await assertChecks(complete ? block.text : wrapFragment(block.text), `README.md:${block.line}`);
    });
  }

  it('every one-line provider preset in the README passes switchyard check', opts, async () => {
    const lines = [...README.matchAll(/`([a-z][a-z0-9-]*): (\{kind: [^`]*\})`/g)];
    assert.ok(lines.length >= 5, `found ${lines.length} preset lines`);
    for (const [, name, value] of lines) {
      await assertChecks(`providers:\n  ${name}: ${value}\nroutes:\n  r: {targets: [${name}/m]}\n`, `README preset \`${name}\``);
    }
  });
});

describe('switchyard requests', { timeout: 90_000 }, () => {
  const stack = new Stack();
  let gw;
  let a;

  before(async () => {
    a = await stack.sim('a');
    const b = await stack.sim('b');
    gw = await stack.gateway({
      listen: '127.0.0.1:0',
      workers: 2,
      resilience: STATELESS,
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'prov-key-a-000000' },
        b: { kind: 'openai', base_url: b.baseUrl, api_key: 'prov-key-b-000000' },
      },
      routes: {
        pair: { strategy: 'fallback', targets: ['a/m', 'b/m'], retry: { backoff_base: '1ms' } },
        solo: { targets: ['b/m'] },
      },
      store: { retention: { max_age: '30d', max_rows: 1000000 } },
    });
    await a.setFaults([{ status: 503 }]);
    const failedOver = await gw.chat(chatBody('pair'), { headers: { 'x-request-id': 'cli-failover' } });
    assert.equal(failedOver.status, 200, failedOver.text);
    for (let i = 0; i < 3; i++) {
      const res = await gw.chat(chatBody('solo'), { headers: { 'x-request-id': `cli-solo-${i}` } });
      assert.equal(res.status, 200, res.text);
    }
  });

  after(() => stack.stop());

  const requests = (...args) => runCli(['requests', '--config', gw.configPath, ...args]);

  // The records reach the store within the flush interval: the CLI is asked until it sees them.
  async function untilListed(args, ids) {
    let result;
    for (let i = 0; i < 50; i++) {
      result = await requests(...args);
      if (result.code === 0 && ids.every((id) => result.stdout.includes(id))) return result;
      await sleep(100);
    }
    assert.fail(`switchyard requests ${args.join(' ')} never listed ${ids}: exit ${result.code}\n${result.stdout}\n${result.stderr}`);
  }

  it('prints one line per request, newest first, while the gateway runs', opts, async () => {
    const result = await untilListed(['--since', '1h'], ['cli-failover', 'cli-solo-2']);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^TIME \(UTC\)\s+REQUEST ID\s+ROUTE\s+KEY\s+OUTCOME\s+STATUS\s+ATTEMPTS\s+SERVED BY\s+TOKENS\s+COST USD\s+LATENCY MS$/);
    const rows = lines.slice(1);
    assert.deepEqual(
      rows.map((line) => line.split(/\s+/)[1]),
      ['cli-solo-2', 'cli-solo-1', 'cli-solo-0', 'cli-failover'],
      result.stdout,
    );
    const failover = rows[3].split(/\s+/);
    // time, id, route, key, outcome, status, attempts, served_by, tokens, cost, latency
    assert.match(failover[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(failover[0]) - Date.now()) < 600_000, failover[0]);
    assert.deepEqual(failover.slice(1, 8), ['cli-failover', 'pair', '-', 'failed_over', '200', '2', 'b/m']);
    assert.match(failover[8], /^\d+$/);
    assert.match(failover[9], /^\d+\.\d{6}$/);
    assert.match(failover[10], /^\d+\.\d$/);
    assert.equal(rows[0].split(/\s+/)[4], 'ok');
  });

  it('filters by outcome and route, limits, and prints JSON lines', opts, async () => {
    await untilListed([], ['cli-failover', 'cli-solo-2']);
    const failedOver = await requests('--outcome', 'failed_over');
    assert.equal(failedOver.code, 0, failedOver.stderr);
    const rows = failedOver.stdout.trimEnd().split('\n').slice(1);
    assert.equal(rows.length, 1, failedOver.stdout);
    assert.match(rows[0], /cli-failover/);

    const json = await requests('--json', '--route', 'solo', '--since', '1h', '--limit', '2');
    assert.equal(json.code, 0, json.stderr);
    const records = json.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(records.map((r) => r.request_id), ['cli-solo-2', 'cli-solo-1']);
    for (const r of records) {
      assert.equal(r.route, 'solo');
      assert.equal(r.outcome, 'ok');
      assert.equal(r.served_by, 'b/m');
      assert.equal(typeof r.latency_ms, 'number');
    }
    assert.match(json.stderr, /newest 2 shown/);

    const all = (await requests('--json')).stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    const failover = all.find((r) => r.request_id === 'cli-failover');
    assert.equal(failover.outcome, 'failed_over');
    assert.equal(failover.attempts, 2);

    const none = await requests('--route', 'nope');
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, 'no requests match\n');
  });

  it('refuses a bad --since or --outcome with exit 2', opts, async () => {
    const since = await requests('--since', 'yesterday');
    assert.equal(since.code, 2, since.stderr);
    assert.match(since.stderr, /malformed --since 'yesterday'/);
    const outcome = await requests('--outcome', 'broken');
    assert.equal(outcome.code, 2, outcome.stderr);
    assert.match(outcome.stderr, /unknown --outcome 'broken'.*failed_over/);
  });

  it('says which store is missing, exits 1, and creates nothing', opts, async () => {
    const file = writeTempFile('providers:\n  a: {kind: openai, base_url: "http://127.0.0.1:9/v1"}\nroutes:\n  r: {targets: [a/m]}\n');
    const db = path.join(path.dirname(file), 'switchyard.db');
    const result = await runCli(['requests', '--config', file]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.stderr.includes(db), result.stderr);
    assert.ok(!fs.existsSync(db), 'no store was created');
  });
});

// The command line: `check` validates configs and names the file, line and key of each problem;
// `serve` refuses a bad config; the example configs and every YAML example in the README are valid.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, TEST_TIMEOUT_MS, runCli, tempDir, writeTempFile } from './lib/harness.mjs';
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

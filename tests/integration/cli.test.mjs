// The command line: `check` validates configs and names the file, line and key of each problem;
// `serve` refuses a bad config; the quick-start example is valid.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, TEST_TIMEOUT_MS, runCli, writeTempFile } from './lib/harness.mjs';

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
      for (const [, v] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) env[v] = process.env[v] ?? 'dummy-value';
      const result = await runCli(['check', '--config', file], { env });
      assert.equal(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
      assert.ok(result.stdout.trim().length > 0, 'prints the routing table');
    });
  }
});

// Provider kind `openai` over HTTPS: certificate verification against the system trust store and
// an optional per-provider ca_file, host name verification by IP and by DNS name, a TLS failure
// as a failover reason ("tls" in the all-failed message), and keep-alive reuse of TLS sessions.
//
// The upstreams are Node HTTPS servers on 127.0.0.1 with certificates from a throwaway CA made by
// the `openssl` CLI in a temp dir (see lib/tls_upstream.mjs).
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  Stack,
  TEST_TIMEOUT_MS,
  assertCleanStreamFrom,
  assertCompletionFrom,
  assertOpenAIError,
  chatBody,
  runCli,
  tempDir,
  toYaml,
  writeTempFile,
} from './lib/harness.mjs';
import { makeCa, makeServerCert, opensslAvailable, startTlsUpstream } from './lib/tls_upstream.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const skip = opensslAvailable() ? false : 'the openssl CLI is not installed (scripts/install-deps.sh --test)';

// Fast failover settings shared by the routes below: a TLS failure is immediate, so these only
// bound a misbehaving gateway.
const kRetry = { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' };
const kTimeouts = { attempt: '5s', first_token: '5s', total: '10s' };
const route = (targets) => ({ strategy: 'fallback', targets, retry: kRetry, timeouts: kTimeouts });

describe('openai provider over HTTPS', { timeout: 180_000, skip }, () => {
  const stack = new Stack();
  let certDir;
  let ca; // trusted through ca_file
  let otherCa; // an unrelated CA, for "ca_file adds to the system store"
  let good; // cert for IP:127.0.0.1 + DNS:localhost, signed by `ca`
  let wrongHost; // cert for DNS:other.example only, signed by `ca`
  let plain; // a plain-http `switchyard sim`
  let gw;

  const upstreams = () => [good, wrongHost].filter(Boolean);
  const context = () =>
    `${gw ? gw.diagnostics() : ''}\n--- https upstreams:\n` +
    upstreams()
      .map((u) => `${u.name}: tcp=${u.tcpConnections} tls=${u.secureConnections} tlsClientErrors=${JSON.stringify(u.tlsClientErrors)} requests=${u.requests.length}`)
      .join('\n');

  before(async () => {
    certDir = path.join(tempDir(), `tls-${process.pid}`);
    ca = makeCa(certDir, 'ca');
    otherCa = makeCa(certDir, 'other-ca');
    const goodCert = makeServerCert(certDir, ca, 'good', ['IP:127.0.0.1', 'DNS:localhost']);
    const wrongCert = makeServerCert(certDir, ca, 'wrong-host', ['DNS:other.example']);
    [good, wrongHost, plain] = await Promise.all([
      startTlsUpstream('TLS', goodCert.pem),
      startTlsUpstream('WRONG', wrongCert.pem),
      stack.sim('B'),
    ]);
    gw = await stack.gateway({
      providers: {
        secure: { kind: 'openai', base_url: good.baseUrl('127.0.0.1'), api_key: 'sk-tls-secret', ca_file: ca.cert },
        by_name: { kind: 'openai', base_url: good.baseUrl('localhost'), api_key: 'sk-by-name', ca_file: ca.cert },
        untrusted: { kind: 'openai', base_url: good.baseUrl('127.0.0.1'), api_key: 'sk-untrusted' },
        wrong_ca: { kind: 'openai', base_url: good.baseUrl('127.0.0.1'), api_key: 'sk-wrong-ca', ca_file: otherCa.cert },
        wrong_host: { kind: 'openai', base_url: wrongHost.baseUrl('127.0.0.1'), api_key: 'sk-wrong-host', ca_file: ca.cert },
        plain: { kind: 'openai', base_url: plain.baseUrl, api_key: 'key-b' },
      },
      routes: {
        secure: route(['secure/gpt-4o-2024-08-06']),
        by_name: route(['by_name/model-by-name']),
        untrusted_then_plain: route(['untrusted/model-u', 'plain/model-b']),
        untrusted_only: route(['untrusted/model-u']),
        wrong_ca_only: route(['wrong_ca/model-c']),
        wrong_host_then_plain: route(['wrong_host/model-w', 'plain/model-b']),
        wrong_host_only: route(['wrong_host/model-w']),
      },
    });
  }, { timeout: 60_000 });

  after(async () => {
    await stack.stop();
    await Promise.all(upstreams().map((u) => u.stop()));
  });

  beforeEach(async () => {
    for (const u of upstreams()) u.reset();
    if (plain) await plain.reset();
  });

  // ------------------------------------------------------------------------------------------
  // 1. ca_file, addressed by IP
  // ------------------------------------------------------------------------------------------

  it('proxies a non-stream completion to an HTTPS upstream trusted through ca_file', opts, async () => {
    const res = await gw.chat(chatBody('secure', 'hello over tls'), { headers: { authorization: 'Bearer client-token' } });
    assertCompletionFrom(res, 'TLS', 'hello over tls');
    assert.equal(res.json.model, 'gpt-4o-2024-08-06', `upstream's model passes through: ${res.text}`);
    assert.equal(res.headers['x-switchyard-route'], 'secure');
    assert.equal(res.headers['x-switchyard-target'], 'secure/gpt-4o-2024-08-06');
    assert.equal(res.headers['x-switchyard-attempts'], '1');

    const seen = good.chatRequests();
    assert.equal(seen.length, 1, context());
    assert.equal(seen[0].method, 'POST');
    assert.equal(seen[0].url, '/v1/chat/completions');
    assert.equal(seen[0].headers.authorization, 'Bearer sk-tls-secret', 'provider key sent, client token not forwarded');
    assert.equal(seen[0].json.model, 'gpt-4o-2024-08-06', 'model rewritten to the upstream model');
    assert.deepEqual(seen[0].json.messages, [{ role: 'user', content: 'hello over tls' }]);
    assert.ok(good.secureConnections >= 1, `a TLS handshake completed: ${context()}`);
    assert.deepEqual(good.tlsClientErrors, [], 'no failed handshakes');
  });

  it('relays a stream from an HTTPS upstream trusted through ca_file', opts, async () => {
    const res = await gw.stream(chatBody('secure', 'stream over tls', { stream_options: { include_usage: true } }));
    assertCleanStreamFrom(res, 'TLS', 'stream over tls');
    assert.ok(res.usage && res.usage.total_tokens > 0, `usage chunk relayed: ${res.raw.slice(0, 2000)}`);
    assert.equal(res.headers['x-switchyard-target'], 'secure/gpt-4o-2024-08-06');
    assert.equal(res.headers['x-switchyard-attempts'], '1');
    for (const chunk of res.chunks) assert.equal(chunk.model, 'gpt-4o-2024-08-06');

    const seen = good.chatRequests();
    assert.equal(seen.length, 1, context());
    assert.equal(seen[0].headers.authorization, 'Bearer sk-tls-secret');
    assert.equal(seen[0].json.model, 'gpt-4o-2024-08-06');
    assert.equal(seen[0].json.stream, true);
    assert.deepEqual(seen[0].json.stream_options, { include_usage: true }, 'unknown-to-gateway fields forwarded');
  });

  // ------------------------------------------------------------------------------------------
  // 2. host name verification by DNS name
  // ------------------------------------------------------------------------------------------

  it('verifies the certificate by DNS name when base_url uses localhost', opts, async () => {
    const res = await gw.chat(chatBody('by_name'));
    assertCompletionFrom(res, 'TLS');
    assert.equal(res.headers['x-switchyard-target'], 'by_name/model-by-name');
    assert.equal(res.headers['x-switchyard-attempts'], '1');
    const seen = good.chatRequests();
    assert.equal(seen.length, 1, context());
    assert.equal(seen[0].headers.authorization, 'Bearer sk-by-name');
    assert.equal(seen[0].json.model, 'model-by-name');
    assert.match(String(seen[0].headers.host), /^localhost(:\d+)?$/, `Host header names the DNS name: ${seen[0].headers.host}`);

    const streamed = await gw.stream(chatBody('by_name'));
    assertCleanStreamFrom(streamed, 'TLS');
  });

  // ------------------------------------------------------------------------------------------
  // 3. a chain that is not trusted: TLS failure, failover, 503 listing "tls"
  // ------------------------------------------------------------------------------------------

  it('fails over from an untrusted certificate (no ca_file) to the next target', opts, async () => {
    const res = await gw.chat(chatBody('untrusted_then_plain'));
    assertCompletionFrom(res, 'B');
    assert.equal(res.headers['x-switchyard-target'], 'plain/model-b');
    assert.equal(res.headers['x-switchyard-attempts'], '2');
    assert.equal(good.chatRequests().length, 0, `no request sent over an unverified connection: ${context()}`);
    assert.ok(good.tlsClientErrors.length >= 1, `the gateway did try a handshake: ${context()}`);
    assert.equal((await plain.chatRequests()).length, 1);
  });

  it('fails over from an untrusted certificate for a stream too', opts, async () => {
    const res = await gw.stream(chatBody('untrusted_then_plain'));
    assertCleanStreamFrom(res, 'B');
    assert.equal(res.headers['x-switchyard-target'], 'plain/model-b');
    assert.equal(res.headers['x-switchyard-attempts'], '2');
    assert.equal(good.chatRequests().length, 0, context());
  });

  it('answers 503 naming the "tls" failure when the untrusted upstream is the only target', opts, async () => {
    const res = await gw.chat(chatBody('untrusted_only'));
    const err = assertOpenAIError(res, 503);
    assert.match(err.message, /\btls\b/, `failure token "tls" listed: ${err.message}`);
    assert.match(err.message, /untrusted\/model-u/, `target listed: ${err.message}`);
    assert.equal(good.chatRequests().length, 0, context());
    assert.ok(good.tlsClientErrors.length >= 1, `the gateway did try a handshake: ${context()}`);
    assert.ok(res.elapsedMs < 5000, `TLS failure is fast, took ${res.elapsedMs} ms`);
  });

  it('does not trust a certificate from a CA other than the one in ca_file', opts, async () => {
    const res = await gw.chat(chatBody('wrong_ca_only'));
    const err = assertOpenAIError(res, 503);
    assert.match(err.message, /\btls\b/, `failure token "tls" listed: ${err.message}`);
    assert.equal(good.chatRequests().length, 0, context());
  });

  // ------------------------------------------------------------------------------------------
  // 4. a certificate for another host name
  // ------------------------------------------------------------------------------------------

  it('fails over from a certificate issued for another host name', opts, async () => {
    const res = await gw.chat(chatBody('wrong_host_then_plain'));
    assertCompletionFrom(res, 'B');
    assert.equal(res.headers['x-switchyard-target'], 'plain/model-b');
    assert.equal(res.headers['x-switchyard-attempts'], '2');
    assert.equal(wrongHost.chatRequests().length, 0, `no request sent to the wrong host: ${context()}`);
    assert.ok(wrongHost.tlsClientErrors.length >= 1, `the gateway did try a handshake: ${context()}`);
  });

  it('answers 503 naming the "tls" failure for a wrong host name as the only target', opts, async () => {
    const res = await gw.chat(chatBody('wrong_host_only'));
    const err = assertOpenAIError(res, 503);
    assert.match(err.message, /\btls\b/, `failure token "tls" listed: ${err.message}`);
    assert.match(err.message, /wrong_host\/model-w/, `target listed: ${err.message}`);
    assert.equal(wrongHost.chatRequests().length, 0, context());
  });
});

describe('HTTPS upstream trust and connection reuse', { timeout: 180_000, skip }, () => {
  const stack = new Stack();
  let certDir;
  let ca;
  let otherCa;
  let upstream;

  before(async () => {
    certDir = path.join(tempDir(), `tls-reuse-${process.pid}`);
    ca = makeCa(certDir, 'ca');
    otherCa = makeCa(certDir, 'other-ca');
    const cert = makeServerCert(certDir, ca, 'server', ['IP:127.0.0.1', 'DNS:localhost']);
    upstream = await startTlsUpstream('TLS', cert.pem);
  }, { timeout: 60_000 });

  after(async () => {
    await stack.stop();
    if (upstream) await upstream.stop();
  });

  beforeEach(() => upstream.reset());

  // ------------------------------------------------------------------------------------------
  // 5. keep-alive
  // ------------------------------------------------------------------------------------------

  it('reuses the TLS connection for sequential requests (keep-alive)', { timeout: 60_000 }, async () => {
    // One worker: the upstream pool is per worker, so this makes reuse deterministic.
    const gw = await stack.gateway({
      workers: 1,
      providers: { secure: { kind: 'openai', base_url: upstream.baseUrl(), api_key: 'sk-reuse', ca_file: ca.cert } },
      routes: { secure: route(['secure/model-r']) },
    });
    const kRequests = 6;
    for (let i = 0; i < kRequests; i++) {
      const res = i % 2 === 0 ? await gw.chat(chatBody('secure', `n${i}`)) : await gw.stream(chatBody('secure', `n${i}`));
      if (i % 2 === 0) assertCompletionFrom(res, 'TLS', `n${i}`);
      else assertCleanStreamFrom(res, 'TLS', `n${i}`);
    }
    const where = `tcp=${upstream.tcpConnections} tls=${upstream.secureConnections} requests=${upstream.requests.length} ` +
      `connections used=${JSON.stringify(upstream.requests.map((r) => r.connection))}\n${gw.diagnostics()}`;
    assert.equal(upstream.chatRequests().length, kRequests, where);
    assert.ok(upstream.secureConnections < kRequests, `fewer TLS handshakes than requests: ${where}`);
    assert.equal(upstream.secureConnections, 1, `one TLS connection carried all sequential requests: ${where}`);
    assert.equal(upstream.tcpConnections, 1, `one TCP connection: ${where}`);
  });

  // ------------------------------------------------------------------------------------------
  // The system trust store (OpenSSL's default verify paths honour SSL_CERT_FILE)
  // ------------------------------------------------------------------------------------------

  it('trusts a CA from the system trust store without ca_file (SSL_CERT_FILE)', opts, async () => {
    const gw = await stack.gateway(
      {
        providers: { secure: { kind: 'openai', base_url: upstream.baseUrl(), api_key: 'sk-system' } },
        routes: { secure: route(['secure/model-s']) },
      },
      { env: { SSL_CERT_FILE: ca.cert, SSL_CERT_DIR: path.join(certDir, 'no-such-dir') } },
    );
    assertCompletionFrom(await gw.chat(chatBody('secure')), 'TLS');
    assert.equal(upstream.chatRequests()[0]?.headers.authorization, 'Bearer sk-system');
  });

  it('keeps the system trust store when ca_file names another CA (ca_file adds, not replaces)', opts, async () => {
    const gw = await stack.gateway(
      {
        providers: { secure: { kind: 'openai', base_url: upstream.baseUrl(), api_key: 'sk-both', ca_file: otherCa.cert } },
        routes: { secure: route(['secure/model-s']) },
      },
      { env: { SSL_CERT_FILE: ca.cert, SSL_CERT_DIR: path.join(certDir, 'no-such-dir') } },
    );
    assertCompletionFrom(await gw.chat(chatBody('secure')), 'TLS');
  });

  it('resolves a relative ca_file against the config file directory', opts, async () => {
    // writeTempFile puts the config in its own directory under tempDir(); name the CA relative to it.
    const relative = path.join('..', path.relative(tempDir(), ca.cert));
    assert.ok(!path.isAbsolute(relative));
    const gw = await stack.gateway({
      providers: { secure: { kind: 'openai', base_url: upstream.baseUrl(), api_key: 'sk-rel', ca_file: relative } },
      routes: { secure: route(['secure/model-s']) },
    });
    assertCompletionFrom(await gw.chat(chatBody('secure')), 'TLS');
  });

  // ------------------------------------------------------------------------------------------
  // A ca_file that is not PEM
  // ------------------------------------------------------------------------------------------

  function badCaConfig() {
    const bad = path.join(certDir, 'not-a-certificate.pem');
    fs.writeFileSync(bad, 'this is not a PEM certificate\n');
    return writeTempFile(
      toYaml({
        listen: '127.0.0.1:0',
        workers: 1,
        providers: { secure: { kind: 'openai', base_url: upstream.baseUrl(), ca_file: bad } },
        routes: { secure: route(['secure/model-s']) },
      }),
    );
  }

  it('serve refuses to start with a ca_file that holds no certificate', opts, async () => {
    const result = await runCli(['serve', '--config', badCaConfig()]);
    assert.equal(result.code, 1, `exit code 1 expected: ${JSON.stringify(result)}`);
    assert.match(result.stderr + result.stdout, /certificate|ca_file/i, JSON.stringify(result));
  });

  it('check rejects a ca_file that holds no certificate, naming the key and line', opts, async () => {
    const result = await runCli(['check', '--config', badCaConfig()]);
    assert.equal(result.code, 1, `exit code 1 expected: ${JSON.stringify(result)}`);
    assert.match(result.stderr, /:\d+: key 'providers\.secure\.ca_file'/, JSON.stringify(result));
  });
});

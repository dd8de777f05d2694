// Test-only TLS upstreams for the integration tests: a throwaway certificate authority made with
// the `openssl` CLI, and a Node HTTPS server on 127.0.0.1 that speaks OpenAI chat completions
// (like `switchyard sim`, same deterministic reply text) and records what it received.
//
// Only loopback traffic: the server listens on 127.0.0.1 and nothing here talks to the network.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { HOST, simReply } from './harness.mjs';

const OPENSSL_TIMEOUT_MS = 20_000;

function openssl(args, cwd) {
  try {
    return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: OPENSSL_TIMEOUT_MS });
  } catch (err) {
    const stderr = err.stderr ? err.stderr.toString() : '';
    throw new Error(`openssl ${args.join(' ')} failed: ${err.message}\n${stderr}`);
  }
}

export function opensslAvailable() {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: OPENSSL_TIMEOUT_MS });
    return true;
  } catch {
    return false;
  }
}

// P-256 keys: fast to generate and accepted everywhere.
const kKeyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

// Creates a self-signed CA in `dir` named `name`; returns {name, key, cert} (absolute paths).
export function makeCa(dir, name = 'ca') {
  fs.mkdirSync(dir, { recursive: true });
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  openssl(
    [
      'req', '-x509', ...kKeyArgs, '-keyout', key, '-out', cert, '-days', '2',
      '-subj', `/CN=Switchyard throwaway test CA ${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { name, key, cert };
}

// Issues a server certificate signed by `ca` with the given subjectAltName entries
// (e.g. ['IP:127.0.0.1', 'DNS:localhost']); returns {key, cert, pem: {key, cert}}.
export function makeServerCert(dir, ca, name, sans, { commonName } = {}) {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(
    ext,
    [
      `subjectAltName=${sans.join(',')}`,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  const cn = commonName || sans[0].replace(/^(IP|DNS):/, '');
  openssl(['req', ...kKeyArgs, '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`], dir);
  openssl(
    [
      'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial',
      `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
      '-days', '2', '-sha256', '-extfile', ext, '-out', cert,
    ],
    dir,
  );
  return { key, cert, pem: { key: fs.readFileSync(key), cert: fs.readFileSync(cert) } };
}

// ---------------------------------------------------------------------------------------------
// The HTTPS upstream
// ---------------------------------------------------------------------------------------------

function completion(model, content, promptText) {
  const promptTokens = Math.max(1, promptText.split(/\s+/).filter(Boolean).length);
  const completionTokens = content.split(' ').length;
  return {
    id: `chatcmpl-tls${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_tls_test',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

function sseChunks(model, content, includeUsage, promptText) {
  const base = {
    id: `chatcmpl-tls${Date.now()}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_tls_test',
  };
  const events = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }];
  const words = content.split(' ');
  words.forEach((word, i) => {
    const piece = i === 0 ? word : ` ${word}`;
    events.push({ ...base, choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }] });
  });
  events.push({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
  if (includeUsage) {
    const c = completion(model, content, promptText).usage;
    events.push({ ...base, choices: [], usage: c });
  }
  return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat(['data: [DONE]\n\n']);
}

function lastUserText(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user' && typeof messages[i].content === 'string') return messages[i].content;
  }
  return '';
}

// An HTTPS server on 127.0.0.1:0 answering POST {/v1}/chat/completions like OpenAI would, with
// the reply text "Hello from NAME: <last user message>" (the same as `switchyard sim`).
// Counts TCP connections, completed TLS handshakes and failed handshakes; records every request
// as {method, url, headers, body, json, connection} where `connection` numbers the TLS session.
export class TlsUpstream {
  constructor(name, { key, cert }) {
    this.name = name;
    this.requests = [];
    this.tcpConnections = 0;
    this.secureConnections = 0;
    this.tlsClientErrors = [];
    this.sockets = new Set();
    // HTTP keep-alive is Node's default; a long idle timeout keeps the server from closing a
    // pooled connection between the sequential requests of one test.
    this.server = https.createServer({ key, cert }, (req, res) => this.#handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (socket) => {
      this.tcpConnections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('secureConnection', (tlsSocket) => {
      tlsSocket.switchyardConnection = ++this.secureConnections;
    });
    this.server.on('tlsClientError', (err) => {
      this.tlsClientErrors.push(err.code || err.message);
    });
  }

  async start() {
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, HOST, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = this.server.address().port;
    return this;
  }

  // base_url for a provider, addressed by `host` (127.0.0.1 or localhost).
  baseUrl(host = HOST) {
    return `https://${host}:${this.port}/v1`;
  }

  chatRequests() {
    return this.requests.filter((r) => r.url.includes('/chat/completions'));
  }

  reset() {
    this.requests = [];
    this.tcpConnections = 0;
    this.secureConnections = 0;
    this.tlsClientErrors = [];
  }

  #handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      this.requests.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body,
        json,
        connection: req.socket.switchyardConnection,
      });
      if (req.method !== 'POST' || !/^(\/v1)?\/chat\/completions$/.test(req.url.split('?')[0])) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error', param: null, code: null } }));
        return;
      }
      if (!json || typeof json.model !== 'string') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'bad request body', type: 'invalid_request_error', param: null, code: null } }));
        return;
      }
      const text = lastUserText(json);
      const content = simReply(this.name, text);
      if (json.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const includeUsage = json.stream_options?.include_usage === true;
        for (const event of sseChunks(json.model, content, includeUsage, text)) res.write(event);
        res.end();
        return;
      }
      const payload = JSON.stringify(completion(json.model, content, text));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    });
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export async function startTlsUpstream(name, pem) {
  return new TlsUpstream(name, pem).start();
}

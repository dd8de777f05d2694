// Black-box harness for Switchyard integration tests.
//
// Starts the real binary (`switchyard sim` upstreams and a `switchyard serve` gateway) as child
// processes on 127.0.0.1 with port 0, learns each address from its "listening" log line, and
// offers small HTTP helpers that never hang: every request has a deadline and every child is
// killed by PID when the stack stops (and again, with SIGKILL, when the test process exits).
//
// Only loopback traffic: every URL built here points at 127.0.0.1.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export const BIN = path.resolve(REPO_ROOT, process.env.SWITCHYARD_BIN || 'build/src/app/switchyard');
export const HOST = '127.0.0.1';

// Upper bounds so that a broken binary fails a test instead of hanging the run.
export const START_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 10_000;
export const TEST_TIMEOUT_MS = 30_000;
const LOG_KEEP_BYTES = 64 * 1024;

// Every child ever started, so that an abrupt exit of the test process still kills them.
const liveChildren = new Set();
process.on('exit', () => {
  for (const child of liveChildren) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export function binaryExists() {
  return fs.existsSync(BIN);
}

function requireBinary() {
  if (!binaryExists()) {
    throw new Error(`switchyard binary not found at ${BIN}: build it (cmake --build build) or set SWITCHYARD_BIN`);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Temp files and YAML
// ---------------------------------------------------------------------------------------------

let tmpRoot;
export function tempDir() {
  if (!tmpRoot) {
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-it-'));
    process.on('exit', () => fs.rmSync(tmpRoot, { recursive: true, force: true }));
  }
  return tmpRoot;
}

let fileCounter = 0;
// Writes `text` to a fresh file in its own directory under the temp dir and returns its absolute
// path: each gateway's store (switchyard.db beside its config) is its own.
export function writeTempFile(text, suffix = '.yaml') {
  const dir = path.join(tempDir(), `c-${process.pid}-${++fileCounter}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, `config${suffix}`);
  fs.writeFileSync(file, text);
  return file;
}

const kPlainScalar = /^[A-Za-z0-9_./@-][A-Za-z0-9_./:@-]*$/;
const kYamlKeywords = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', '~', 'y', 'n']);

function yamlScalar(value) {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  const text = String(value);
  const plain =
    kPlainScalar.test(text) && !kYamlKeywords.has(text.toLowerCase()) && Number.isNaN(Number(text)) && !text.endsWith(':');
  return plain ? text : JSON.stringify(text);
}

// A small block-style YAML emitter: enough for gateway configs (maps of maps, lists of scalars).
export function toYaml(value, indent = 0) {
  const pad = ' '.repeat(indent);
  const lines = [];
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (Array.isArray(item)) {
      lines.push(`${pad}${key}: [${item.map(yamlScalar).join(', ')}]`);
    } else if (item !== null && typeof item === 'object') {
      if (Object.keys(item).length === 0) {
        lines.push(`${pad}${key}: {}`);
      } else {
        lines.push(`${pad}${key}:`);
        lines.push(toYaml(item, indent + 2));
      }
    } else {
      lines.push(`${pad}${key}: ${yamlScalar(item)}`);
    }
  }
  return lines.join('\n') + (indent === 0 ? '\n' : '');
}

// A port on 127.0.0.1 that nothing listens on (bound, then released).
export async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

// A running child with its stdout/stderr kept (tail only) for diagnostics.
class Child {
  constructor(label, args, env) {
    requireBinary();
    this.label = label;
    this.args = args;
    this.stdout = '';
    this.stderr = '';
    this.exit = null; // {code, signal} once exited
    this.proc = spawn(BIN, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    liveChildren.add(this.proc);
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        liveChildren.delete(this.proc);
        resolve(this.exit);
      });
      this.proc.once('error', (err) => {
        this.exit = { code: null, signal: null, error: err };
        liveChildren.delete(this.proc);
        resolve(this.exit);
      });
    });
    // Always drain both pipes: a chatty child must never block on a full pipe.
    this.proc.stdout.setEncoding('utf8');
    this.proc.stderr.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk) => {
      this.stdout = (this.stdout + chunk).slice(-LOG_KEEP_BYTES);
    });
    this.proc.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-LOG_KEEP_BYTES);
    });
  }

  get pid() {
    return this.proc.pid;
  }

  diagnostics() {
    const status = this.exit ? `exited ${JSON.stringify(this.exit)}` : 'running';
    return (
      `--- ${this.label} (pid ${this.pid}, ${status}) args: ${this.args.join(' ')}\n` +
      `--- stdout (tail):\n${this.stdout.slice(-4000)}\n--- stderr (tail):\n${this.stderr.slice(-4000)}`
    );
  }

  // Resolves with the "listening" address ("127.0.0.1:PORT") from the first matching stdout line.
  waitListening(timeoutMs = START_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      let buffered = '';
      const onData = (chunk) => {
        buffered += chunk;
        let newline;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          const addr = parseListeningLine(line);
          if (addr) {
            finish();
            resolve(addr);
            return;
          }
        }
      };
      const onExit = () => {
        finish();
        reject(new Error(`${this.label} exited before listening\n${this.diagnostics()}`));
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.label} did not log "listening" within ${timeoutMs} ms\n${this.diagnostics()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.proc.stdout.off('data', onData);
        this.proc.off('exit', onExit);
      };
      this.proc.stdout.on('data', onData);
      this.proc.once('exit', onExit);
      if (this.exit) onExit();
    });
  }

  // SIGTERM, then SIGKILL if it has not exited after graceMs.
  async stop(graceMs = 2000) {
    if (this.exit) return this.exit;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    // On a sanitizer build (scripts/test.sh runs ASan+UBSan and TSan ones) a report fails the suite
    // that ran it.
    if (SANITIZER_REPORT.test(this.stderr)) {
      throw new Error(`${this.label}: sanitizer report\n${this.diagnostics()}`);
    }
    return result;
  }
}

const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer/;

export function parseListeningLine(line) {
  if (!line.includes('listening')) return null;
  try {
    const record = JSON.parse(line);
    if (record && record.msg === 'listening' && typeof record.addr === 'string') return record.addr;
  } catch {
    // not JSON: accept a text log line carrying addr=HOST:PORT as a fallback
  }
  const match = /addr[=:]\s*"?([0-9.]+:\d+)/.exec(line);
  return match ? match[1] : null;
}

function portOf(addr) {
  const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
  assert.ok(port > 0, `no port in listening address ${addr}`);
  return port;
}

// Runs a one-shot CLI command (e.g. `check`) and resolves with its exit code and output.
export function runCli(args, { env = {}, timeoutMs = START_TIMEOUT_MS } = {}) {
  requireBinary();
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    liveChildren.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (c) => (stdout += c));
    proc.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`switchyard ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    proc.once('error', (err) => {
      clearTimeout(timer);
      liveChildren.delete(proc);
      reject(err);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      liveChildren.delete(proc);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers (node:http, one fresh connection per request, always with a deadline)
// ---------------------------------------------------------------------------------------------

// Sends one request; resolves with {status, headers, text, json, elapsedMs}. `json` is the
// parsed body or undefined. Rejects on transport errors or when timeoutMs passes.
export function httpRequest(url, { method = 'GET', headers = {}, body, timeoutMs = REQUEST_TIMEOUT_MS, context } = {}) {
  const target = new URL(url);
  assert.equal(target.hostname, HOST, 'tests only talk to 127.0.0.1');
  const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const allHeaders = { ...headers };
    if (payload !== undefined) {
      if (!Object.keys(allHeaders).some((h) => h.toLowerCase() === 'content-type')) allHeaders['content-type'] = 'application/json';
      allHeaders['content-length'] = Buffer.byteLength(payload);
    }
    const req = http.request(
      { host: HOST, port: target.port, path: target.pathname + target.search, method, headers: allHeaders, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json, elapsedMs: Date.now() - started });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(withContext(err, `${method} ${url} (response)`, context));
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(withContext(err, `${method} ${url}`, context));
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function withContext(err, what, context) {
  const extra = typeof context === 'function' ? context() : '';
  const wrapped = new Error(`${what} failed: ${err.message}${extra ? `\n${extra}` : ''}`);
  wrapped.cause = err;
  wrapped.code = err.code;
  return wrapped;
}

// Parses an SSE body into events [{event, data, raw}] (comments and empty events dropped).
export function parseSse(text) {
  const events = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (!block.trim()) continue;
    const data = [];
    let event = null;
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
    if (data.length === 0 && event === null) continue;
    events.push({ event, data: data.join('\n'), raw: block });
  }
  return events;
}

// Summarises an SSE body: JSON chunks, [DONE], error events and the assembled content text.
export function summariseSse(text) {
  const events = parseSse(text);
  const chunks = [];
  const errors = [];
  const unparsable = [];
  let doneCount = 0;
  for (const ev of events) {
    if (ev.data === '[DONE]') {
      doneCount++;
      continue;
    }
    let obj;
    try {
      obj = JSON.parse(ev.data);
    } catch {
      unparsable.push(ev.data);
      continue;
    }
    if (obj && obj.error) errors.push(obj);
    else chunks.push(obj);
  }
  let content = '';
  for (const chunk of chunks) {
    for (const choice of chunk.choices || []) {
      if (choice.delta && typeof choice.delta.content === 'string') content += choice.delta.content;
    }
  }
  const usage = chunks.map((c) => c.usage).filter(Boolean).pop();
  return { events, chunks, errors, unparsable, doneCount, done: doneCount > 0, content, usage };
}

// POSTs and reads the whole response as an SSE stream. Never rejects for a stream that breaks
// after the headers (that is a legitimate outcome to assert on): `incomplete` tells.
// Resolves with {status, headers, raw, incomplete, elapsedMs, firstByteMs, ...summariseSse(raw)}.
export function streamRequest(url, { headers = {}, body, timeoutMs = REQUEST_TIMEOUT_MS, context } = {}) {
  const target = new URL(url);
  assert.equal(target.hostname, HOST, 'tests only talk to 127.0.0.1');
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let res;
    let raw = '';
    let firstByteMs;
    let settled = false;
    const finish = (incomplete) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        status: res.statusCode,
        headers: res.headers,
        raw,
        incomplete,
        elapsedMs: Date.now() - started,
        firstByteMs,
        ...summariseSse(raw),
      });
    };
    const req = http.request(
      {
        host: HOST,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
        agent: false,
      },
      (response) => {
        res = response;
        res.setEncoding('utf8');
        res.on('data', (c) => {
          if (firstByteMs === undefined) firstByteMs = Date.now() - started;
          raw += c;
        });
        res.on('end', () => finish(false));
        res.on('aborted', () => finish(true));
        res.on('error', () => finish(true));
        res.on('close', () => finish(!res.complete));
      },
    );
    const timer = setTimeout(() => {
      settled = true;
      req.destroy();
      reject(
        new Error(
          `stream POST ${url} did not end within ${timeoutMs} ms; received so far:\n${raw.slice(0, 2000)}` +
            (typeof context === 'function' ? `\n${context()}` : ''),
        ),
      );
    }, timeoutMs);
    req.on('error', (err) => {
      if (res) return finish(true);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(withContext(err, `stream POST ${url}`, context));
    });
    req.end(payload);
  });
}

// Sends raw bytes on a fresh TCP connection and collects what comes back until the peer closes,
// `until(text)` is true, or timeoutMs passes. Resolves with {text, closed, timedOut, error}.
export function rawExchange(port, bytes, { timeoutMs = REQUEST_TIMEOUT_MS, until } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    let text = '';
    let settled = false;
    const finish = (extra) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed: false, timedOut: false, error: null, ...extra });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (c) => {
      text += c;
      if (until && until(text)) finish({});
    });
    socket.on('end', () => finish({ closed: true }));
    socket.on('close', () => finish({ closed: true }));
    // A server that answers and closes while we are still writing gives EPIPE/ECONNRESET here;
    // whatever it answered before that is still in `text`.
    socket.on('error', (err) => finish({ closed: true, error: err }));
    socket.write(bytes);
  });
}

// The HTTP status code from the start of a raw response, or undefined.
export function rawStatus(text) {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return match ? Number(match[1]) : undefined;
}

// The JSON body of a raw, complete HTTP/1.1 response (content-length or chunked), or undefined.
export function rawJsonBody(text) {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  const head = text.slice(0, split).toLowerCase();
  let body = text.slice(split + 4);
  if (/transfer-encoding:\s*chunked/.test(head)) {
    let out = '';
    let rest = body;
    for (;;) {
      const eol = rest.indexOf('\r\n');
      if (eol < 0) break;
      const size = parseInt(rest.slice(0, eol), 16);
      if (!size) break;
      out += rest.slice(eol + 2, eol + 2 + size);
      rest = rest.slice(eol + 2 + size + 2);
    }
    body = out;
  }
  try {
    return JSON.parse(Buffer.from(body, 'latin1').toString('utf8'));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Simulator and gateway handles
// ---------------------------------------------------------------------------------------------

export class Sim {
  constructor(child, addr, name) {
    this.child = child;
    this.addr = addr;
    this.port = portOf(addr);
    this.name = name;
    this.url = `http://${HOST}:${this.port}`;
    this.baseUrl = `${this.url}/v1`; // what a provider's base_url points at
  }

  async #control(method, p, body) {
    const res = await httpRequest(this.url + p, { method, body, context: () => this.child.diagnostics() });
    assert.ok(res.status >= 200 && res.status < 300, `sim ${this.name} ${method} ${p} -> ${res.status} ${res.text}`);
    return res;
  }

  // Queues faults: each chat request takes the next one; normal answers once the queue is empty.
  setFaults(faults, { loop = false } = {}) {
    return this.#control('POST', '/_sim/faults', { faults, loop });
  }

  clearFaults() {
    return this.#control('DELETE', '/_sim/faults');
  }

  async requests() {
    const res = await this.#control('GET', '/_sim/requests');
    assert.ok(res.json && Array.isArray(res.json.requests), `sim /_sim/requests shape: ${res.text}`);
    return res.json.requests;
  }

  // Only the chat completion requests the sim received (oldest first).
  async chatRequests() {
    return (await this.requests()).filter((r) => String(r.target).includes('/chat/completions'));
  }

  clearRequests() {
    return this.#control('DELETE', '/_sim/requests');
  }

  async stats() {
    return (await this.#control('GET', '/_sim/stats')).json;
  }

  // What the model-list GETs (a gateway's health checks) answer: a status such as 503, 'reset'
  // for a connection reset, or null to answer normally again. Chat requests are not affected.
  setHealth(status) {
    if (status === null) return this.#control('DELETE', '/_sim/health');
    return this.#control('POST', '/_sim/health', status === 'reset' ? { reset: true } : { status });
  }

  async reset() {
    await this.clearFaults();
    await this.clearRequests();
  }

  stop() {
    return this.child.stop();
  }
}

export class Gateway {
  constructor(child, addr, configPath) {
    this.child = child;
    this.addr = addr;
    this.port = portOf(addr);
    this.url = `http://${HOST}:${this.port}`;
    this.configPath = configPath;
  }

  diagnostics() {
    return this.child.diagnostics();
  }

  // The gateway's JSON log lines so far (complete ones only: the harness keeps a tail window).
  logLines() {
    const lines = [];
    for (const text of this.child.stdout.split('\n')) {
      if (!text.startsWith('{') || !text.endsWith('}')) continue;
      try {
        lines.push(JSON.parse(text));
      } catch {
        // a line cut by the tail window
      }
    }
    return lines;
  }

  request(p, options = {}) {
    return httpRequest(this.url + p, { context: () => this.diagnostics(), ...options });
  }

  get(p, options = {}) {
    return this.request(p, { ...options, method: 'GET' });
  }

  post(p, body, options = {}) {
    return this.request(p, { ...options, method: 'POST', body });
  }

  // POST /v1/chat/completions, non-stream.
  chat(body, options = {}) {
    return this.post('/v1/chat/completions', body, options);
  }

  // POST /v1/chat/completions with stream:true, read to the end.
  stream(body, options = {}) {
    return streamRequest(this.url + '/v1/chat/completions', {
      context: () => this.diagnostics(),
      ...options,
      body: { ...body, stream: true },
    });
  }

  async waitReady(timeoutMs = 3000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const res = await this.get('/readyz', { timeoutMs: 1000 });
        if (res.status === 200) return true;
      } catch {
        // not yet
      }
      await sleep(50);
    }
    return false;
  }

  stop() {
    return this.child.stop();
  }
}

// Suites about per-request failover rules share one gateway across many tests that fail targets on
// purpose; breakers and the retry budget would carry what one test did into the next. Unless a suite
// configures `resilience` itself (the resilience suites do), its gateway runs with breakers that
// never trip and a retry budget that never runs out.
export const STATELESS = {
  breaker: { consecutive_failures: 1000000, min_requests: 1000000 },
  retry_budget: { min_per_second: 1000000 },
};

// Owns the children of one test file (or suite): call stop() from an after() hook.
export class Stack {
  constructor() {
    this.children = [];
  }

  // Starts `switchyard sim --listen 127.0.0.1:0 --name NAME [--schedule SPEC] [--voice V] [--prefill MODE]`.
  // Sims with the same voice give the same answers (one model served by two providers).
  async sim(name, { schedule, env, voice, prefill } = {}) {
    const args = ['sim', '--listen', `${HOST}:0`, '--name', name];
    if (schedule) args.push('--schedule', schedule);
    if (voice) args.push('--voice', voice);
    if (prefill) args.push('--prefill', prefill);
    const child = new Child(`sim ${name}`, args, env);
    this.children.push(child);
    const addr = await child.waitListening();
    return new Sim(child, addr, name);
  }

  // Starts `switchyard serve --config FILE`; `config` is an object (emitted as YAML, with
  // listen 127.0.0.1:0 and workers 2 unless given) or a YAML string used as is.
  async gateway(config, { env, args = [], waitReady = true } = {}) {
    const yaml =
      typeof config === 'string' ? config : toYaml({ listen: `${HOST}:0`, workers: 2, resilience: STATELESS, ...config });
    const configPath = writeTempFile(yaml);
    const child = new Child('gateway', ['serve', '--config', configPath, ...args], env);
    this.children.push(child);
    const addr = await child.waitListening();
    const gateway = new Gateway(child, addr, configPath);
    if (waitReady) await gateway.waitReady();
    return gateway;
  }

  // Starts a gateway again on the very same config file (so the same store beside it), e.g. after
  // a kill -9 of `gw`.
  async restart(gw) {
    const child = new Child('gateway (restarted)', ['serve', '--config', gw.configPath]);
    this.children.push(child);
    const addr = await child.waitListening();
    const restarted = new Gateway(child, addr, gw.configPath);
    if (!(await restarted.waitReady())) throw new Error(`restarted gateway not ready\n${restarted.diagnostics()}`);
    return restarted;
  }

  async stop() {
    await Promise.all(this.children.map((c) => c.stop()));
    this.children = [];
  }
}

// ---------------------------------------------------------------------------------------------
// Request bodies and assertions
// ---------------------------------------------------------------------------------------------

export function chatBody(model, text = 'hi there', extra = {}) {
  return { model, messages: [{ role: 'user', content: text }], ...extra };
}

// The reply text the simulator produces for `text` when it is named `name`.
export function simReply(name, text = 'hi there') {
  return `Hello from ${name}: ${text}`;
}

// Asserts the OpenAI error shape {"error":{"message":string,"type":string,...}}; returns error.
export function assertOpenAIError(res, status, { type, requireParamAndCode = false } = {}) {
  const where = `${res.status} ${res.text}`;
  if (status !== undefined) {
    if (Array.isArray(status)) assert.ok(status.includes(res.status), `expected status in ${status}, got ${where}`);
    else assert.equal(res.status, status, `expected status ${status}, got ${where}`);
  }
  assert.match(String(res.headers['content-type'] || ''), /application\/json/, `content-type of ${where}`);
  assert.ok(res.json && typeof res.json === 'object', `JSON body expected, got ${where}`);
  const err = res.json.error;
  assert.ok(err && typeof err === 'object', `body.error object expected, got ${where}`);
  assert.equal(typeof err.message, 'string', `error.message string expected: ${where}`);
  assert.ok(err.message.length > 0, `error.message non-empty: ${where}`);
  assert.equal(typeof err.type, 'string', `error.type string expected: ${where}`);
  if (type) assert.equal(err.type, type, `error.type: ${where}`);
  if (requireParamAndCode) {
    assert.ok('param' in err, `error.param key expected: ${where}`);
    assert.ok('code' in err, `error.code key expected: ${where}`);
  }
  return err;
}

// Asserts a successful non-stream chat completion from the sim `name`.
export function assertCompletionFrom(res, name, text = 'hi there') {
  assert.equal(res.status, 200, `expected 200, got ${res.status} ${res.text}`);
  assert.ok(res.json, `JSON body expected: ${res.text}`);
  assert.equal(res.json.object, 'chat.completion', `object: ${res.text}`);
  assert.equal(res.json.choices?.[0]?.message?.content, simReply(name, text), `content: ${res.text}`);
}

// Asserts one clean stream from the sim `name`: chunks, the full text, exactly one [DONE], no errors.
export function assertCleanStreamFrom(res, name, text = 'hi there') {
  const where = `status ${res.status}, raw:\n${res.raw.slice(0, 3000)}`;
  assert.equal(res.status, 200, where);
  assert.match(String(res.headers['content-type'] || ''), /text\/event-stream/, `content-type: ${where}`);
  assert.deepEqual(res.errors, [], `no error events: ${where}`);
  assert.deepEqual(res.unparsable, [], `every data event is JSON or [DONE]: ${where}`);
  assert.equal(res.doneCount, 1, `exactly one [DONE]: ${where}`);
  assert.equal(res.events.at(-1).data, '[DONE]', `[DONE] comes last: ${where}`);
  assert.ok(res.chunks.length > 0, `chunks expected: ${where}`);
  for (const chunk of res.chunks) assert.equal(chunk.object, 'chat.completion.chunk', `chunk object: ${where}`);
  assert.equal(res.content, simReply(name, text), `assembled text: ${where}`);
  assert.equal(res.incomplete, false, `stream ended cleanly: ${where}`);
}

// Asserts one well-formed OpenAI stream holding exactly `text` (a stream that broke and was continued
// included): one id, one finish reason, no error event, exactly one [DONE], last.
export function assertExactStream(res, text) {
  const where = `status ${res.status}, raw:\n${res.raw.slice(0, 4000)}`;
  assert.equal(res.status, 200, where);
  assert.deepEqual(res.errors, [], `no error events: ${where}`);
  assert.deepEqual(res.unparsable, [], where);
  assert.equal(res.doneCount, 1, `one [DONE]: ${where}`);
  assert.equal(res.events.at(-1).data, '[DONE]', where);
  assert.equal(res.incomplete, false, where);
  assert.equal(new Set(res.chunks.map((c) => c.id)).size, 1, `one id: ${where}`);
  const finishes = res.chunks.flatMap((c) => (c.choices || []).map((ch) => ch.finish_reason)).filter((f) => f != null);
  assert.deepEqual(finishes, ['stop'], `one finish reason: ${where}`);
  assert.equal(res.content, text, `exactly one model's answer: ${where}`);
}

// The number of ESTABLISHED TCP connections whose remote end is 127.0.0.1:port (Linux only;
// null where /proc/net/tcp is unreadable).
export function establishedTo(port) {
  let total = 0;
  let readable = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    readable = true;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4) continue;
      const remPort = parseInt(cols[2].split(':')[1], 16);
      if (remPort === port && cols[3] === '01') total++;
    }
  }
  return readable ? total : null;
}

// Memory with many concurrent slow streams (issue 10, item 1): N clients each hold one streaming chat
// request open through the gateway while a slow upstream sends one short chunk a second. Reports the
// gateway's RSS when every stream is in flight (VmRSS), its peak (VmHWM) and the RSS per stream.
// Usage (bench/slow_streams.sh raises the file limits first): node bench/slow_streams.mjs BIN [N]
// Bounded: the upstream ends every stream after STREAM_SECONDS; the whole run stops after 180 s.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const BIN = path.resolve(process.argv[2] ?? 'build/src/app/switchyard');
const N = Number(process.argv[3] ?? 10000);
const STREAM_SECONDS = Number(process.env.STREAM_SECONDS ?? 40);
const HOST = '127.0.0.1';
const hardStop = setTimeout(() => {
  console.error('slow_streams: gave up after 180 s');
  process.exit(2);
}, 180_000);

const chunk = (content, finish = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-slow', object: 'chat.completion.chunk', created: 1, model: 'm',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }] })}\n\n`;

// The slow upstream: one word a second, then the finish chunk and [DONE].
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk('word'));
    let sent = 1;
    const timer = setInterval(() => {
      if (sent++ >= STREAM_SECONDS) {
        clearInterval(timer);
        res.end(chunk(null, 'stop') + 'data: [DONE]\n\n');
        return;
      }
      res.write(chunk(' word'));
    }, 1000);
    res.on('close', () => clearInterval(timer));
  });
});
upstream.maxConnections = N + 100;
await new Promise((resolve) => upstream.listen(0, HOST, 4096, resolve));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slow-streams-'));
const config = path.join(dir, 'gateway.yaml');
fs.writeFileSync(config, `listen: ${HOST}:0
workers: 1
limits: {max_connections: ${N + 1000}}
providers: {slow: {kind: openai, base_url: "http://${HOST}:${upstream.address().port}/v1"}}
routes: {chat: {targets: [slow/m], timeouts: {total: 120s, inter_token: 10s}}}
`);
// The default configuration: the request log is on, as in production.
const gateway = spawn(BIN, ['serve', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  let out = '';
  gateway.stdout.on('data', (data) => {
    if (out === null) return;  // drained, not kept
    out += data;
    const match = /"addr":"[^"]*:(\d+)"/.exec(out);
    if (match) {
      out = null;
      resolve(Number(match[1]));
    }
  });
  gateway.once('exit', () => reject(new Error(`gateway exited: ${out}`)));
});
const status = () => fs.readFileSync(`/proc/${gateway.pid}/status`, 'utf8');
const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())[1]);
const idleRss = kib('VmRSS');

const body = JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'hi' }] });
const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
let started = 0;
let firstBytes = 0;
let completed = 0;
let failed = 0;
const sockets = [];
function open() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    sockets.push(socket);
    let text = '';
    let first = false;
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(request));
    socket.on('data', (data) => {
      text = (text + data).slice(-200);
      if (!first) {
        first = true;
        firstBytes++;
        resolve();
      }
      if (text.includes('[DONE]')) {
        completed++;
        socket.destroy();
      }
    });
    socket.on('error', () => {
      failed++;
      resolve();
    });
  });
}
const t0 = Date.now();
const BATCH = 250;
while (started < N) {
  const batch = [];
  for (let i = 0; i < BATCH && started < N; i++, started++) batch.push(open());
  await Promise.all(batch);
}
const rampMs = Date.now() - t0;
await new Promise((resolve) => setTimeout(resolve, 2000));
const inFlightRss = kib('VmRSS');
const peak = kib('VmHWM');
const result = {
  streams: N,
  streaming_when_measured: firstBytes - completed - failed,
  failed,
  ramp_ms: rampMs,
  idle_rss_mib: +(idleRss / 1024).toFixed(1),
  rss_mib: +(inFlightRss / 1024).toFixed(1),
  peak_rss_mib: +(peak / 1024).toFixed(1),
  kib_per_stream: +((inFlightRss - idleRss) / N).toFixed(1),
};
console.log(JSON.stringify(result));
for (const socket of sockets) socket.destroy();
gateway.kill('SIGINT');
await new Promise((resolve) => gateway.once('exit', resolve));
upstream.close();
upstream.closeAllConnections?.();
fs.rmSync(dir, { recursive: true, force: true });
clearTimeout(hardStop);
process.exit(failed > 0 ? 1 : 0);

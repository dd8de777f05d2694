// Request framing (issue 10, item 10): classic request-smuggling and framing probes sent as raw bytes.
// Each must get a 400 in the dialect of the API it called (or, where the gateway cannot tell, a clean
// close), must close the connection, must never reach the upstream, and must leave the gateway
// serving. Transfer-Encoding gzip/identity/xchunked/"chunked, chunked" and an upstream's extra
// bytes are covered by hardening.test.mjs. The rules are README "### HTTP framing".
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { HOST, Stack, TEST_TIMEOUT_MS, assertCompletionFrom, chatBody, rawExchange, rawJsonBody, rawStatus } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const MAX_BODY = 64 * 1024;

const OPENAI = '/v1/chat/completions';
const ANTHROPIC = '/v1/messages';
const openaiBody = JSON.stringify(chatBody('chat', 'smuggled'));
const anthropicBody = JSON.stringify({ model: 'chat', max_tokens: 64, messages: [{ role: 'user', content: 'smuggled' }] });
const bodyFor = (path) => (path === ANTHROPIC ? anthropicBody : openaiBody);
const len = (text) => Buffer.byteLength(text);
const chunked = (text) => `${len(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;

// A complete, valid request: if any probe lets it through, the upstream sees it.
const validRequest = (path = OPENAI, extra = '', body = bodyFor(path)) =>
  `POST ${path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n${extra}Content-Length: ${len(body)}\r\n\r\n${body}`;

// A listener that only counts connections: a host named in an absolute-form URI must never be dialled.
function canary() {
  const server = net.createServer((socket) => {
    server.connectionsSeen += 1;
    socket.destroy();
  });
  server.connectionsSeen = 0;
  return new Promise((resolve) => server.listen(0, HOST, () => resolve(server)));
}

// Asserts the error shape of the API at `path`.
function assertDialectError(text, path) {
  const body = rawJsonBody(text);
  assert.ok(body && typeof body === 'object', `JSON error body expected:\n${text.slice(0, 800)}`);
  if (path === ANTHROPIC) {
    assert.equal(body.type, 'error', `Anthropic error shape: ${text.slice(0, 800)}`);
    assert.equal(typeof body.error?.type, 'string', text.slice(0, 800));
    assert.equal(typeof body.error?.message, 'string', text.slice(0, 800));
  } else {
    assert.equal(typeof body.error?.message, 'string', `OpenAI error shape: ${text.slice(0, 800)}`);
    assert.equal(typeof body.error?.type, 'string', text.slice(0, 800));
    assert.ok('param' in body.error && 'code' in body.error, text.slice(0, 800));
  }
  return body;
}

// Every probe: [name, path whose dialect the error must use, bytes, options]. `status` defaults to 400;
// `orClose` accepts a connection closed without an answer (a reset may discard the 400 when the client
// is still sending a large request).
function probes() {
  const body = openaiBody;
  const head = (path = OPENAI) => `POST ${path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n`;
  const list = [];
  for (const path of [OPENAI, ANTHROPIC]) {
    const b = bodyFor(path);
    const h = head(path);
    const tag = path === ANTHROPIC ? ' (Anthropic)' : '';
    list.push(
      [`Content-Length and Transfer-Encoding together${tag}`, path, `${h}Content-Length: ${len(b)}\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(b)}`],
      [`duplicate Content-Length, different values${tag}`, path, `${h}Content-Length: ${len(b)}\r\nContent-Length: ${len(b) + 7}\r\n\r\n${b}`],
      [`obs-fold (a header line starting with a space)${tag}`, path, `${h}X-Note: a\r\n Transfer-Encoding: chunked\r\nContent-Length: ${len(b)}\r\n\r\n${b}`],
      [`NUL in a header value${tag}`, path, `${h}X-Note: a\0b\r\nContent-Length: ${len(b)}\r\n\r\n${b}`],
      [`whitespace between a header name and its colon${tag}`, path, `${h}Content-Length : ${len(b)}\r\n\r\n${b}`],
    );
  }
  list.push(
    ['Transfer-Encoding then Content-Length', OPENAI, `${head()}Transfer-Encoding: chunked\r\nContent-Length: ${len(body)}\r\n\r\n${chunked(body)}`],
    ['duplicate Content-Length, same value (two lines)', OPENAI, `${head()}Content-Length: ${len(body)}\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['duplicate Content-Length, same value (one list)', OPENAI, `${head()}Content-Length: ${len(body)}, ${len(body)}\r\n\r\n${body}`],
    ['obs-fold with a tab', OPENAI, `${head()}X-Note: a\r\n\tb\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['a space before the first header line', OPENAI, `POST ${OPENAI} HTTP/1.1\r\n Host: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['bare LF line endings throughout', OPENAI, `POST ${OPENAI} HTTP/1.1\nHost: gw\nContent-Type: application/json\nContent-Length: ${len(body)}\n\n${body}`],
    ['one header line ending in a bare LF', OPENAI, `${head()}X-Note: a\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['a bare CR inside a header value', OPENAI, `${head()}X-Note: a\rContent-Length: 0\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['NUL in a header name', OPENAI, `${head()}X-No\0te: a\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['NUL in the request target', OPENAI, `POST ${OPENAI}\0 HTTP/1.1\r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['NUL in the method', OPENAI, `PO\0ST ${OPENAI} HTTP/1.1\r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['whitespace before the colon of Transfer-Encoding', OPENAI, `${head()}Transfer-Encoding : chunked\r\nContent-Length: ${len(body)}\r\n\r\n${chunked(body)}`],
    ['a chunk size beyond 64 bits', OPENAI, `${head()}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n${body}\r\n0\r\n\r\n`],
    ['a 64-bit chunk size (over the body limit: 413)', OPENAI, `${head()}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n${body}\r\n0\r\n\r\n`, { status: 413 }],
    ['a chunk size that is not hex', OPENAI, `${head()}Transfer-Encoding: chunked\r\n\r\n${len(body).toString(16)}g\r\n${body}\r\n0\r\n\r\n`],
    ['a negative chunk size', OPENAI, `${head()}Transfer-Encoding: chunked\r\n\r\n-${len(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`],
    ['a malformed chunk extension', OPENAI, `${head()}Transfer-Encoding: chunked\r\n\r\n${len(body).toString(16)};"x\r\n${body}\r\n0\r\n\r\n`],
    ['a chunk extension with a bare LF', OPENAI, `${head()}Transfer-Encoding: chunked\r\n\r\n${len(body).toString(16)};a=b\n${body}\r\n0\r\n\r\n`],
    ['a 1 MiB chunk extension', OPENAI, `${head()}Transfer-Encoding: chunked\r\n\r\n${len(body).toString(16)};a=${'b'.repeat(1 << 20)}\r\n${body}\r\n0\r\n\r\n`, { orClose: true }],
    ['a 1 MiB chunk-size line (leading zeros)', OPENAI, `${head()}Transfer-Encoding: chunked\r\n\r\n${'0'.repeat(1 << 20)}1\r\nx\r\n0\r\n\r\n`, { orClose: true }],
    ['trailer fields after a chunked body', OPENAI, `${head()}Transfer-Encoding: chunked\r\n\r\n${len(body).toString(16)}\r\n${body}\r\n0\r\nX-Sim-Fault: {"status":500}\r\n\r\n`],
    ['a negative Content-Length', OPENAI, `${head()}Content-Length: -${len(body)}\r\n\r\n${body}`],
    ['a plus-signed Content-Length', OPENAI, `${head()}Content-Length: +${len(body)}\r\n\r\n${body}`],
    ['a Content-Length that is not a number', OPENAI, `${head()}Content-Length: 0x${len(body).toString(16)}\r\n\r\n${body}`],
    ['HTTP/1.0 with Transfer-Encoding: chunked', OPENAI, `POST ${OPENAI} HTTP/1.0\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(body)}`],
    ['HTTP/1.0 with Transfer-Encoding and Content-Length', OPENAI, `POST ${OPENAI} HTTP/1.0\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['two spaces after the method', OPENAI, `POST  ${OPENAI} HTTP/1.1\r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['two spaces before the version', OPENAI, `POST ${OPENAI}  HTTP/1.1\r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['a space after the version', OPENAI, `POST ${OPENAI} HTTP/1.1 \r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['a tab between method and target', OPENAI, `POST\t${OPENAI} HTTP/1.1\r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['a space inside the target', OPENAI, `POST /v1/chat /completions HTTP/1.1\r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['a blank line before the request line', OPENAI, `\r\n${validRequest()}`],
    ['a method with a separator character', OPENAI, `PO(ST ${OPENAI} HTTP/1.1\r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['a method with a non-ASCII byte', OPENAI, Buffer.concat([Buffer.from('P\xd6ST', 'latin1'), Buffer.from(` ${OPENAI} HTTP/1.1\r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`)])],
    ['a non-ASCII byte in the target', OPENAI, Buffer.concat([Buffer.from(`POST ${OPENAI}`), Buffer.from([0xe9]), Buffer.from(` HTTP/1.1\r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`)])],
    ['a DEL in a header value', OPENAI, `${head()}X-Note: a\x7fb\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['HTTP/1.1 without Host', OPENAI, `POST ${OPENAI} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['two Host lines', OPENAI, `${head()}Host: other\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    ['an authority-form target (CONNECT)', OPENAI, `CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n`],
    ['an asterisk-form target on POST', OPENAI, `POST * HTTP/1.1\r\nHost: gw\r\nContent-Length: ${len(body)}\r\n\r\n${body}`],
    // Pipelined smuggling: the second request rides inside what the first one declares as its body.
    [
      'a pipelined request after CL+TE (the smuggled one is never served)',
      OPENAI,
      `${head()}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${validRequest()}`,
    ],
    ['a pipelined request after an obs-folded Transfer-Encoding', OPENAI, `${head()}Content-Length: 5\r\nX-Note: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n${validRequest()}`],
    ['a pipelined request after duplicate Content-Length', OPENAI, `${head()}Content-Length: 0\r\nContent-Length: ${len(validRequest())}\r\n\r\n${validRequest()}`],
  );
  return list;
}

describe('HTTP request framing', { timeout: 180_000 }, () => {
  const stack = new Stack();
  let a;
  let gw;
  let trap;

  before(async () => {
    trap = await canary();
    a = await stack.sim('A');
    gw = await stack.gateway({
      limits: { max_body_bytes: MAX_BODY, idle_timeout: '5s' },
      providers: { a: { kind: 'openai', base_url: a.baseUrl } },
      routes: { chat: { targets: ['a/model-a'] } },
      workers: 1,
    });
  }, opts);

  after(async () => {
    await stack.stop();
    trap.close();
  });

  beforeEach(() => a.reset());

  async function upstreamPosts() {
    return (await a.requests()).filter((r) => r.method === 'POST');
  }

  async function assertStillServing() {
    assert.equal((await upstreamPosts()).length, 0, 'nothing reached the upstream');
    assertCompletionFrom(await gw.chat(chatBody('chat')), 'A');
    await a.clearRequests();
  }

  for (const [name, path, bytes, { status = 400, orClose = false } = {}] of probes()) {
    it(`${name}: ${status}${orClose ? ' or a close' : ''}, nothing upstream`, opts, async () => {
      const res = await rawExchange(gw.port, bytes, { timeoutMs: 5000 });
      assert.equal(res.timedOut, false, `the gateway answered and closed within 5 s; got:\n${res.text.slice(0, 800)}`);
      assert.ok(res.closed, 'the connection is closed');
      if (!(orClose && res.text === '')) {
        assert.equal(rawStatus(res.text), status, res.text.slice(0, 800));
        assert.equal((res.text.match(/HTTP\/1\.[01] \d{3} /g) || []).length, 1, `one answer only:\n${res.text.slice(0, 2000)}`);
        assert.match(res.text.slice(0, res.text.indexOf('\r\n\r\n')), /\r\nconnection: close\r\n/i, 'the answer says the connection closes');
        assertDialectError(res.text, path);
      }
      await assertStillServing();
    });
  }

  it('the same probes sent one after the other on one connection never reach the upstream', opts, async () => {
    const all = probes().map(([, , bytes]) => (typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes));
    const res = await rawExchange(gw.port, Buffer.concat(all), { timeoutMs: 5000 });
    assert.equal(res.timedOut, false);
    assert.ok([400, undefined].includes(rawStatus(res.text)), res.text.slice(0, 800));
    await assertStillServing();
  });

  it('an absolute-form target is served as its path; the host it names is never contacted', opts, async () => {
    for (const authority of [`${HOST}:${trap.address().port}`, 'evil.invalid', `EVIL.invalid:8080`]) {
      const request = validRequest(`http://${authority}${OPENAI}`, 'Connection: close\r\n');
      const res = await rawExchange(gw.port, request, { timeoutMs: 5000 });
      assert.equal(rawStatus(res.text), 200, res.text.slice(0, 800));
      assert.equal(rawJsonBody(res.text)?.object, 'chat.completion', res.text.slice(0, 800));
      const posts = await upstreamPosts();
      assert.equal(posts.length, 1, 'exactly one request went to the configured upstream');
      assert.equal(posts[0].target, '/v1/chat/completions');
      await a.clearRequests();
    }
    const anthropic = await rawExchange(gw.port, validRequest(`https://${HOST}:${trap.address().port}${ANTHROPIC}`, 'Connection: close\r\n', anthropicBody), {
      timeoutMs: 5000,
    });
    assert.equal(rawStatus(anthropic.text), 200, anthropic.text.slice(0, 800));
    assert.equal(rawJsonBody(anthropic.text)?.type, 'message', anthropic.text.slice(0, 800));
    await a.clearRequests();
    // No path: the path is "/" (RFC 9112 3.2.2), which the gateway does not serve.
    for (const target of [`http://${HOST}:${trap.address().port}`, `http://${HOST}:${trap.address().port}?q=1`]) {
      const res = await rawExchange(gw.port, validRequest(target, 'Connection: close\r\n'), { timeoutMs: 5000 });
      assert.equal(rawStatus(res.text), 404, `${target}: ${res.text.slice(0, 800)}`);
    }
    assert.equal((await upstreamPosts()).length, 0);
    assert.equal(trap.connectionsSeen, 0, 'the host named in the URI was never contacted');
  });

  it('an absolute-form target with another scheme, no authority or userinfo is a 400', opts, async () => {
    for (const target of [
      `ftp://${HOST}:${trap.address().port}${OPENAI}`,
      `http:${OPENAI}`,
      `http:///v1/chat/completions`,
      `http://user@${HOST}:${trap.address().port}${OPENAI}`,
    ]) {
      const res = await rawExchange(gw.port, validRequest(target), { timeoutMs: 5000 });
      assert.equal(rawStatus(res.text), 400, `${target}: ${res.text.slice(0, 800)}`);
      assert.ok(res.closed);
      assertDialectError(res.text, OPENAI);
    }
    assert.equal(trap.connectionsSeen, 0);
    await assertStillServing();
  });

  it('well-framed requests still pass: chunked with a harmless extension, HTTP/1.0, keep-alive pipelining', opts, async () => {
    const body = openaiBody;
    const ext = `POST ${OPENAI} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${len(body).toString(16)};name=value\r\n${body}\r\n0\r\n\r\n`;
    assert.equal(rawStatus((await rawExchange(gw.port, ext, { timeoutMs: 5000 })).text), 200);
    const old = `POST ${OPENAI} HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${len(body)}\r\n\r\n${body}`;
    assert.equal(rawStatus((await rawExchange(gw.port, old, { timeoutMs: 5000 })).text), 200);
    const folded = `POST ${OPENAI} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nX-Note: a b\tc\r\nContent-Length: ${len(body)}\r\n\r\n${body}`;
    const two = await rawExchange(gw.port, folded + validRequest(OPENAI, 'Connection: close\r\n'), { timeoutMs: 5000 });
    assert.equal((two.text.match(/HTTP\/1\.1 200 /g) || []).length, 2, two.text.slice(0, 2000));
    assert.equal((await upstreamPosts()).length, 4);
  });
});

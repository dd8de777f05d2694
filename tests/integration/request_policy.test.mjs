// One request policy, whatever target serves: a request is refused with a 400 only when no target of
// the route could carry it. A target that cannot (its translation would have to drop or refuse a
// field that changes the meaning) is skipped without an attempt, on the first target and on every
// failover alike, so a client never gets a 400 because the primary happened to be down.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, TEST_TIMEOUT_MS, assertOpenAIError, chatBody } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };

describe('one request policy whatever target serves', { timeout: 60_000 }, () => {
  const stack = new Stack();
  let a;
  let x;
  let gw;

  before(async () => {
    [a, x] = await Promise.all([stack.sim('A'), stack.sim('X')]);
    gw = await stack.gateway({
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'key-a' },
        x: { kind: 'anthropic', base_url: x.url, api_key: 'key-x' },
      },
      routes: {
        mixed: { targets: ['a/model-a', 'x/claude'], retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '20ms' } },
        claude_only: { targets: ['x/claude'] },
        claude_first: { targets: ['x/claude', 'a/model-a'], retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '20ms' } },
      },
    });
  }, opts);

  after(() => stack.stop());

  beforeEach(() => Promise.all([a.reset(), x.reset()]));

  // OpenAI's `n: 2` has no Anthropic equivalent: only a same-API target can carry it.
  const twoChoices = () => chatBody('mixed', 'hi there', { n: 2 });

  it('the same-API primary carries a field no translation can', opts, async () => {
    const res = await gw.chat(twoChoices());
    assert.equal(res.status, 200, res.text);
    assert.equal(JSON.parse((await a.chatRequests())[0].body).n, 2, 'forwarded as it is');
  });

  it('with the primary down, the request gets the 503 of a route that failed, not a 400', opts, async () => {
    await a.setFaults([{ status: 503 }], { loop: true });
    const res = await gw.chat(twoChoices());
    const error = assertOpenAIError(res, 503);
    assert.match(error.message, /a\/model-a: upstream_status/);
    assert.match(error.message, /x\/claude: unsupported/);
    assert.equal((await x.requests()).filter((r) => r.method === 'POST').length, 0, 'x was never sent it');
  });

  it('an Anthropic client: a field only Anthropic carries (mcp_servers) is never a 400 because the Anthropic target is down', opts, async () => {
    const headers = { 'anthropic-version': '2023-06-01' };
    const body = { model: 'claude_first', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], mcp_servers: [] };
    const ok = await gw.post('/v1/messages', body, { headers });
    assert.equal(ok.status, 200, ok.text);
    await x.setFaults([{ status: 529 }], { loop: true });
    const down = await gw.post('/v1/messages', body, { headers });
    assert.ok([503, 529].includes(down.status), `the route failed, the request was fine: ${down.status} ${down.text}`);
    assert.match(down.json.error.message, /a\/model-a: unsupported/);
    assert.equal((await a.chatRequests()).length, 0, 'the OpenAI target was never sent it');
  });

  it('a 400 naming the field only when no target of the route could carry it', opts, async () => {
    const res = await gw.chat(chatBody('claude_only', 'hi there', { n: 2 }));
    const error = assertOpenAIError(res, 400);
    assert.match(error.message, /\bn\b/);
    assert.equal((await x.requests()).filter((r) => r.method === 'POST').length, 0);
  });
});

// The official OpenAI and Anthropic SDKs authenticating with Switchyard client keys (apiKey = the
// client key): a valid key is served, a wrong one surfaces as the SDK's AuthenticationError (401),
// a route the key may not use as PermissionDeniedError (403). The client key never goes upstream.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Stack, TEST_TIMEOUT_MS, simReply } from '../integration/lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const messages = [{ role: 'user', content: 'hi there' }];
const TEAM_KEY = 'sy-sdk-team-key-5f4e3d2c1b0a99887766';
const WRONG_KEY = 'sy-sdk-wrong-key-000000000000000000';

describe('SDKs with client keys', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let sim;
  let gw;
  let adminMade;

  before(async () => {
    sim = await stack.sim('Good');
    gw = await stack.gateway({
      auth: { anonymous: false },
      providers: {
        oai: { kind: 'openai', base_url: sim.baseUrl, api_key: 'prov-key-oai' },
        ant: { kind: 'anthropic', base_url: sim.url, api_key: 'prov-key-ant' },
      },
      routes: {
        chat: { targets: ['oai/gpt-4o'], retry: { max_attempts: 1 } },
        claude: { targets: ['ant/claude-x'], retry: { max_attempts: 1 } },
        restricted: { targets: ['oai/gpt-4o-secret'], retry: { max_attempts: 1 } },
      },
      keys: { team: { key: TEAM_KEY, routes: ['chat', 'claude'] } },
    });
    const created = await gw.post('/admin/keys', { name: 'sdk-made', routes: ['chat', 'claude'] });
    assert.equal(created.status, 201, created.text);
    adminMade = created.json.key;
  }, opts);

  after(() => stack.stop());
  beforeEach(() => sim.reset());

  async function assertKeyNotForwarded(key) {
    const seen = await sim.requests();
    assert.ok(seen.length > 0, 'the sim was asked');
    for (const r of seen) {
      for (const [name, value] of Object.entries(r.headers)) {
        assert.ok(!String(value).includes(key), `header ${name} carries the client key upstream`);
      }
    }
  }

  const openai = (apiKey) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, timeout: 10_000, maxRetries: 0 });
  const anthropic = (apiKey) => new Anthropic({ baseURL: gw.url, apiKey, timeout: 10_000, maxRetries: 0 });

  for (const [what, key] of [
    ['a config key', () => TEAM_KEY],
    ['an admin-made key', () => adminMade],
  ]) {
    it(`OpenAI SDK with ${what}: create and stream succeed`, opts, async () => {
      const client = openai(key());
      const completion = await client.chat.completions.create({ model: 'chat', messages });
      assert.equal(completion.choices[0].message.content, simReply('Good'));
      let text = '';
      for await (const chunk of await client.chat.completions.create({ model: 'chat', messages, stream: true })) {
        text += chunk.choices[0]?.delta?.content ?? '';
      }
      assert.equal(text, simReply('Good'));
      const models = await client.models.list();
      assert.ok(models.data.some((m) => m.id === 'chat'));
      await assertKeyNotForwarded(key());
    });

    it(`Anthropic SDK with ${what}: messages.create and stream succeed`, opts, async () => {
      const client = anthropic(key());
      const message = await client.messages.create({ model: 'claude', max_tokens: 256, messages });
      assert.equal(message.content[0].text, simReply('Good'));
      const final = await client.messages.stream({ model: 'claude', max_tokens: 256, messages }).finalMessage();
      assert.equal(final.content[0].text, simReply('Good'));
      await assertKeyNotForwarded(key());
    });
  }

  it('OpenAI SDK with a wrong key: AuthenticationError (401)', opts, async () => {
    await assert.rejects(openai(WRONG_KEY).chat.completions.create({ model: 'chat', messages }), (err) => {
      assert.ok(err instanceof OpenAI.AuthenticationError, `AuthenticationError, got ${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'invalid_api_key');
      assert.equal(err.type, 'authentication_error');
      return true;
    });
    await assert.rejects(openai(WRONG_KEY).models.list(), (err) => err instanceof OpenAI.AuthenticationError);
    assert.deepEqual(await sim.requests(), [], 'nothing went upstream');
  });

  it('Anthropic SDK with a wrong key: AuthenticationError (401)', opts, async () => {
    await assert.rejects(
      anthropic(WRONG_KEY).messages.create({ model: 'claude', max_tokens: 64, messages }),
      (err) => {
        assert.ok(err instanceof Anthropic.AuthenticationError, `AuthenticationError, got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 401);
        assert.equal(err.error?.error?.type, 'authentication_error');
        return true;
      },
    );
    await assert.rejects(
      anthropic(WRONG_KEY).messages.countTokens({ model: 'claude', messages }),
      (err) => err instanceof Anthropic.AuthenticationError,
    );
    assert.deepEqual(await sim.requests(), [], 'nothing went upstream');
  });

  it('OpenAI SDK on a route the key may not use: PermissionDeniedError (403)', opts, async () => {
    await assert.rejects(openai(TEAM_KEY).chat.completions.create({ model: 'restricted', messages }), (err) => {
      assert.ok(err instanceof OpenAI.PermissionDeniedError, `PermissionDeniedError, got ${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.status, 403);
      assert.equal(err.code, 'route_not_allowed');
      return true;
    });
    assert.deepEqual(await sim.requests(), [], 'nothing went upstream');
  });

  it('Anthropic SDK on a route the key may not use: PermissionDeniedError (403)', opts, async () => {
    await assert.rejects(
      anthropic(TEAM_KEY).messages.create({ model: 'restricted', max_tokens: 64, messages }),
      (err) => {
        assert.ok(err instanceof Anthropic.PermissionDeniedError, `PermissionDeniedError, got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 403);
        assert.equal(err.error?.error?.type, 'permission_error');
        return true;
      },
    );
    assert.deepEqual(await sim.requests(), [], 'nothing went upstream');
  });

  it('a key disabled through the admin API: the SDK gets AuthenticationError at once', opts, async () => {
    const created = await gw.post('/admin/keys', { name: 'short-lived' });
    assert.equal(created.status, 201, created.text);
    const client = openai(created.json.key);
    await client.chat.completions.create({ model: 'chat', messages });
    const off = await gw.request(`/admin/keys/${created.json.id}`, { method: 'PATCH', body: { enabled: false } });
    assert.equal(off.status, 200, off.text);
    await assert.rejects(client.chat.completions.create({ model: 'chat', messages }), (err) => err instanceof OpenAI.AuthenticationError);
  });
});

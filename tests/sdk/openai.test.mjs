// The official OpenAI SDK against the gateway: failover is invisible to it, and gateway errors
// surface as the SDK's own error types.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Stack, TEST_TIMEOUT_MS, simReply } from '../integration/lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const messages = [{ role: 'user', content: 'hi there' }];

describe('OpenAI SDK through switchyard', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let broken; // always answers 503 (--schedule)
  let good;
  let cutter; // truncates streams on demand
  let client;
  let strictClient; // maxRetries: 0, for the error cases

  before(async () => {
    [broken, good, cutter] = await Promise.all([
      stack.sim('Broken', { schedule: '503' }),
      stack.sim('Good'),
      stack.sim('Cutter'),
    ]);
    const gw = await stack.gateway({
      providers: {
        broken: { kind: 'openai', base_url: broken.baseUrl, api_key: 'key-broken' },
        good: { kind: 'openai', base_url: good.baseUrl, api_key: 'key-good' },
        cutter: { kind: 'openai', base_url: cutter.baseUrl },
      },
      routes: {
        chat: {
          targets: ['broken/model-x', 'good/model-y'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '5s', first_token: '5s', total: '20s' },
        },
        cut: { targets: ['cutter/model-z'], timeouts: { attempt: '5s', first_token: '5s', total: '20s' } },
      },
    });
    const baseURL = `${gw.url}/v1`;
    client = new OpenAI({ baseURL, apiKey: 'sk-dummy-client-key', timeout: 10_000 });
    strictClient = new OpenAI({ baseURL, apiKey: 'sk-dummy-client-key', timeout: 10_000, maxRetries: 0 });
  }, opts);

  after(() => stack.stop());

  beforeEach(() => Promise.all([broken.clearRequests(), good.reset(), cutter.reset()]));

  it('chat.completions.create succeeds through a route whose first target answers 503', opts, async () => {
    const { data, response } = await client.chat.completions.create({ model: 'chat', messages }).withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.choices[0].message.content, simReply('Good'));
    assert.equal(response.headers.get('x-switchyard-target'), 'good/model-y');
    assert.equal(response.headers.get('x-switchyard-attempts'), '2');
    assert.equal((await broken.chatRequests()).length, 1, 'the broken target was tried first');
  });

  it('a streamed completion succeeds through the failing first target, with usage', opts, async () => {
    const stream = await client.chat.completions.create({
      model: 'chat',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks > 1, `several chunks, got ${chunks}`);
    assert.equal(text, simReply('Good'));
    assert.ok(usage && usage.total_tokens > 0, `usage chunk: ${JSON.stringify(usage)}`);
    assert.equal((await broken.chatRequests()).length, 1);
  });

  it('models.list and models.retrieve show the routes', opts, async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids.sort(), ['chat', 'cut']);
    const model = await client.models.retrieve('chat');
    assert.equal(model.id, 'chat');
    assert.equal(model.object, 'model');
  });

  it('an unknown route raises NotFoundError (APIError status 404)', opts, async () => {
    await assert.rejects(strictClient.chat.completions.create({ model: 'no-such-route', messages }), (err) => {
      assert.ok(err instanceof OpenAI.APIError, `APIError expected, got ${err?.constructor?.name}: ${err?.message}`);
      assert.ok(err instanceof OpenAI.NotFoundError, `NotFoundError expected, got ${err.constructor.name}`);
      assert.equal(err.status, 404);
      assert.match(err.message, /chat/, 'names the known routes');
      return true;
    });
  });

  it('a malformed request raises BadRequestError (APIError status 400)', opts, async () => {
    await assert.rejects(strictClient.chat.completions.create({ model: 42, messages }), (err) => {
      assert.ok(err instanceof OpenAI.BadRequestError, `BadRequestError expected, got ${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.status, 400);
      return true;
    });
  });

  it('a stream truncated mid-way raises an error instead of ending as a success', opts, async () => {
    await cutter.setFaults([{ truncate_after: 2, token_delay_ms: 100 }]);
    const stream = await strictClient.chat.completions.create({
      model: 'cut',
      messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }],
      stream: true,
    });
    let received = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) received += chunk.choices[0]?.delta?.content ?? '';
      })(),
      (err) => {
        assert.ok(err instanceof Error, String(err));
        return true;
      },
    );
    assert.ok(received.length > 0, 'the chunks before the cut arrived');
    assert.notEqual(received, simReply('Cutter', 'one two three four five six seven eight nine ten'));
  });

  it('all targets failing raises APIError 503 with maxRetries: 0', opts, async () => {
    await good.setFaults([{ status: 503 }]);
    await assert.rejects(strictClient.chat.completions.create({ model: 'chat', messages }), (err) => {
      assert.ok(err instanceof OpenAI.APIError, `APIError expected, got ${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.status, 503);
      return true;
    });
  });
});

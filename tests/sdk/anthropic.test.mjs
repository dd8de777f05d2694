// The official Anthropic SDK against the gateway, unchanged but for its baseURL: messages.create,
// messages.stream() with finalMessage(), tool use, count_tokens and errors, through a route whose
// first target (OpenAI kind) is down and whose second is Bedrock.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { Stack, TEST_TIMEOUT_MS, simReply } from '../integration/lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const messages = [{ role: 'user', content: 'hi there' }];
const tools = [
  {
    name: 'get_weather',
    description: 'Weather for a city',
    input_schema: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
  },
];

describe('Anthropic SDK through switchyard', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let down;
  let sim;
  let client;
  let strictClient;

  before(async () => {
    [down, sim] = await Promise.all([stack.sim('Down', { schedule: '503' }), stack.sim('Good')]);
    const gw = await stack.gateway({
      providers: {
        down: { kind: 'openai', base_url: down.baseUrl, api_key: 'key-down' },
        aws: {
          kind: 'bedrock',
          base_url: sim.url,
          region: 'us-west-2',
          aws_access_key_id: 'AKIDEXAMPLE',
          aws_secret_access_key: 'secret',
        },
        oai: { kind: 'openai', base_url: sim.baseUrl },
      },
      routes: {
        claude: {
          targets: ['down/gpt-4o', 'aws/anthropic.claude-3-5-sonnet-20240620-v1:0'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '5s', first_token: '5s', total: '20s' },
        },
        only_down: { targets: ['down/gpt-4o'], retry: { max_attempts: 1 } },
        openai: { targets: ['oai/gpt-4o'] },
      },
    });
    client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-ant-dummy', timeout: 10_000 });
    strictClient = new Anthropic({ baseURL: gw.url, apiKey: 'sk-ant-dummy', timeout: 10_000, maxRetries: 0 });
  }, opts);

  after(() => stack.stop());
  beforeEach(() => sim.reset());

  it('messages.create is served by Bedrock after the OpenAI target fails', opts, async () => {
    const { data, response } = await client.messages
      .create({ model: 'claude', max_tokens: 256, messages })
      .withResponse();
    assert.equal(response.headers.get('x-switchyard-target'), 'aws/anthropic.claude-3-5-sonnet-20240620-v1:0');
    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.equal(data.content[0].type, 'text');
    assert.equal(data.content[0].text, simReply('Good'));
    assert.equal(data.stop_reason, 'end_turn');
    assert.ok(data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
  });

  it('messages.stream() delivers text events and a finalMessage', opts, async () => {
    const stream = client.messages.stream({ model: 'claude', max_tokens: 256, messages });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const final = await stream.finalMessage();
    assert.equal(text, simReply('Good'));
    assert.equal(final.content[0].text, simReply('Good'));
    assert.equal(final.stop_reason, 'end_turn');
    assert.ok(final.usage.output_tokens > 0);
  });

  it('a tool-use round trip keeps the tool_use id (OpenAI-kind target)', opts, async () => {
    const first = await client.messages.create({ model: 'openai', max_tokens: 256, tools, messages: [{ role: 'user', content: 'Paris' }] });
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { input: 'Paris' });
    const second = await client.messages.create({
      model: 'openai',
      max_tokens: 256,
      tools,
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
      ],
    });
    assert.equal(second.content[0].text, 'Tool result: sunny');
    const sent = JSON.parse((await sim.chatRequests()).pop().body);
    assert.equal(sent.messages[1].tool_calls[0].id, use.id);
    assert.equal(sent.messages[2].tool_call_id, use.id);
  });

  it('a streamed tool use arrives as input_json deltas the SDK assembles', opts, async () => {
    const stream = client.messages.stream({ model: 'claude', max_tokens: 256, tools, messages: [{ role: 'user', content: 'Lyon' }] });
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const use = final.content.find((b) => b.type === 'tool_use');
    assert.deepEqual(use.input, { input: 'Lyon' });
  });

  it('countTokens answers for a route', opts, async () => {
    const counted = await client.messages.countTokens({ model: 'claude', messages });
    assert.ok(counted.input_tokens > 0);
  });

  it('gateway errors surface as the SDK error classes', opts, async () => {
    await assert.rejects(strictClient.messages.create({ model: 'nope', max_tokens: 16, messages }), (err) => {
      assert.ok(err instanceof Anthropic.NotFoundError, `${err.constructor.name}: ${err.message}`);
      assert.equal(err.error.type, 'error');
      assert.equal(err.error.error.type, 'not_found_error');
      return true;
    });
    await assert.rejects(strictClient.messages.create({ model: 'only_down', max_tokens: 16, messages }), (err) => {
      assert.ok(err instanceof Anthropic.InternalServerError, `${err.constructor.name}: ${err.message}`);
      assert.equal(err.status, 503);
      return true;
    });
  });

  it('models.list shows the routes', opts, async () => {
    const page = await client.models.list();
    assert.ok(page.data.some((m) => m.id === 'claude'));
  });
});

// The official OpenAI SDK through a route whose targets speak other wire formats: an Anthropic
// target that is down, then a Gemini target. The SDK must not notice anything but the headers.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Stack, TEST_TIMEOUT_MS, simReply } from '../integration/lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const messages = [{ role: 'user', content: 'hi there' }];
const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
    },
  },
];

describe('OpenAI SDK through Anthropic and Gemini targets', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let down;
  let sim;
  let client;

  before(async () => {
    [down, sim] = await Promise.all([stack.sim('Down', { schedule: '529' }), stack.sim('Good')]);
    const gw = await stack.gateway({
      providers: {
        claude_down: { kind: 'anthropic', base_url: down.url, api_key: 'key-a' },
        claude: { kind: 'anthropic', base_url: sim.url, api_key: 'key-a' },
        google: { kind: 'gemini', base_url: sim.url, api_key: 'key-g' },
      },
      routes: {
        chat: {
          targets: ['claude_down/claude-sonnet-4-5', 'google/gemini-2.5-flash'],
          retry: { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' },
          timeouts: { attempt: '5s', first_token: '5s', total: '20s' },
        },
        claude: { targets: ['claude/claude-sonnet-4-5'] },
      },
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-dummy', timeout: 10_000 });
  }, opts);

  after(() => stack.stop());
  beforeEach(() => sim.reset());

  it('chat.completions.create is served by Gemini after Anthropic answers 529', opts, async () => {
    const { data, response } = await client.chat.completions.create({ model: 'chat', messages }).withResponse();
    assert.equal(response.headers.get('x-switchyard-target'), 'google/gemini-2.5-flash');
    assert.equal(response.headers.get('x-switchyard-attempts'), '2');
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.choices[0].message.content, simReply('Good'));
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.ok(data.usage.total_tokens > 0);
  });

  it('a stream with include_usage reads like an OpenAI stream', opts, async () => {
    const stream = await client.chat.completions.create({
      model: 'chat',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage;
    let finish;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, simReply('Good'));
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0);
  });

  for (const model of ['chat', 'claude']) {
    it(`a tool-calling round trip works through ${model === 'chat' ? 'Gemini' : 'Anthropic'}`, opts, async () => {
      const first = await client.chat.completions.create({ model, tools, messages: [{ role: 'user', content: 'Paris' }] });
      assert.equal(first.choices[0].finish_reason, 'tool_calls');
      const call = first.choices[0].message.tool_calls[0];
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { input: 'Paris' });
      const second = await client.chat.completions.create({
        model,
        tools,
        messages: [
          { role: 'user', content: 'Paris' },
          first.choices[0].message,
          { role: 'tool', tool_call_id: call.id, content: 'sunny' },
        ],
      });
      assert.equal(second.choices[0].message.content, 'Tool result: sunny');
    });
  }

  it('the streaming helper assembles a streamed tool call', opts, async () => {
    const runner = client.chat.completions.stream({ model: 'claude', tools, messages: [{ role: 'user', content: 'Oslo' }] });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { input: 'Oslo' });
  });
});

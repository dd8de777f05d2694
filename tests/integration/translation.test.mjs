// One endpoint, every provider: OpenAI and Anthropic clients served by targets of every wire format
// (openai, azure, anthropic, gemini, bedrock), through the real binary and the simulator's provider
// dialects. Each test names what a client relies on.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, TEST_TIMEOUT_MS, chatBody, parseSse, simReply, streamRequest } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const fastRetry = { max_attempts: 2, backoff_base: '10ms', backoff_max: '50ms' };
const timeouts = { attempt: '5s', first_token: '5s', total: '20s' };
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
  },
};

function messagesBody(model, text = 'hi there', extra = {}) {
  return { model, max_tokens: 256, messages: [{ role: 'user', content: text }], ...extra };
}

const anthropicHeaders = { 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01' };

// The Anthropic event names of a stream, in order, without pings.
function eventNames(raw) {
  return parseSse(raw)
    .map((e) => e.event)
    .filter((name) => name !== 'ping');
}

function anthropicText(raw) {
  let text = '';
  for (const e of parseSse(raw)) {
    if (e.event !== 'content_block_delta') continue;
    const data = JSON.parse(e.data);
    if (data.delta.type === 'text_delta') text += data.delta.text;
  }
  return text;
}

describe('translation between wire formats', { timeout: 180_000 }, () => {
  const stack = new Stack();
  let sim; // one simulator answers every dialect, by path
  let down; // always 503, in every dialect
  let gw;

  before(async () => {
    [sim, down] = await Promise.all([stack.sim('S'), stack.sim('Down', { schedule: '503' })]);
    const bedrockKeys = { region: 'us-east-1', aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'secret' };
    gw = await stack.gateway({
      providers: {
        oai: { kind: 'openai', base_url: sim.baseUrl, api_key: 'key-openai' },
        claude: { kind: 'anthropic', base_url: sim.url, api_key: 'key-anthropic' },
        google: { kind: 'gemini', base_url: sim.url, api_key: 'key-gemini' },
        aws: { kind: 'bedrock', base_url: sim.url, ...bedrockKeys },
        az: { kind: 'azure', base_url: sim.url, api_key: 'key-azure' },
        claude_down: { kind: 'anthropic', base_url: down.url },
        oai_down: { kind: 'openai', base_url: down.baseUrl },
        groq: { kind: 'groq', base_url: sim.baseUrl, api_key: 'key-groq' },
      },
      routes: {
        to_openai: { targets: ['oai/gpt-4o'], retry: fastRetry, timeouts },
        to_anthropic: { targets: ['claude/claude-sonnet-4-5'], retry: fastRetry, timeouts },
        to_gemini: { targets: ['google/gemini-2.5-flash'], retry: fastRetry, timeouts },
        to_bedrock: { targets: ['aws/anthropic.claude-3-haiku-20240307-v1:0'], retry: fastRetry, timeouts },
        to_azure: { targets: ['az/my-deployment'], retry: fastRetry, timeouts },
        anthropic_then_gemini: { targets: ['claude_down/claude-x', 'google/gemini-2.5-flash'], retry: fastRetry, timeouts },
        openai_then_bedrock: { targets: ['oai_down/gpt-x', 'aws/amazon.nova-pro-v1:0'], retry: fastRetry, timeouts },
        json_capable: { targets: ['claude/claude-x', 'google/gemini-2.5-flash'], retry: fastRetry, timeouts },
        anthropic_only: { targets: ['claude/claude-x'], retry: fastRetry, timeouts },
        to_preset: { targets: ['groq/llama-3.3-70b-versatile'], retry: fastRetry, timeouts },
      },
    });
  }, opts);

  after(() => stack.stop());
  beforeEach(() => Promise.all([sim.reset(), down.clearRequests()]));

  async function lastUpstream(pathPart) {
    const requests = (await sim.requests()).filter((r) => String(r.target).includes(pathPart));
    assert.ok(requests.length > 0, `the sim saw no request to ${pathPart}`);
    return requests[requests.length - 1];
  }
  const header = (request, name) => request.headers[name];

  for (const [route, pathPart, target] of [
    ['to_anthropic', '/v1/messages', 'claude/claude-sonnet-4-5'],
    ['to_gemini', ':generateContent', 'google/gemini-2.5-flash'],
    ['to_bedrock', '/converse', 'aws/anthropic.claude-3-haiku-20240307-v1:0'],
    ['to_azure', '/openai/deployments/my-deployment/chat/completions', 'az/my-deployment'],
  ]) {
    it(`an OpenAI client gets a chat.completion from ${target}`, opts, async () => {
      const res = await gw.chat(chatBody(route));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['x-switchyard-target'], target);
      assert.equal(res.json.object, 'chat.completion');
      assert.equal(res.json.choices[0].message.role, 'assistant');
      assert.equal(res.json.choices[0].message.content, simReply('S'));
      assert.equal(res.json.choices[0].finish_reason, 'stop');
      assert.ok(res.json.usage.prompt_tokens > 0 && res.json.usage.completion_tokens > 0, res.text);
      assert.equal(res.json.usage.total_tokens, res.json.usage.prompt_tokens + res.json.usage.completion_tokens);
      await lastUpstream(pathPart);
    });

    it(`an OpenAI client streams from ${target} as chat.completion.chunk events`, opts, async () => {
      const res = await gw.stream(chatBody(route, 'hi there', { stream_options: { include_usage: true } }));
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.done, true, res.raw);
      assert.equal(res.errors.length, 0, res.raw);
      assert.equal(res.content, simReply('S'));
      assert.ok(res.chunks.every((c) => c.object === 'chat.completion.chunk'));
      assert.equal(new Set(res.chunks.map((c) => c.id)).size, 1, 'one id for the whole stream');
      const finishes = res.chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason);
      assert.deepEqual(finishes.map((c) => c.finish_reason), ['stop']);
      assert.ok(res.usage && res.usage.completion_tokens > 0, 'the last chunk carries usage');
    });
  }

  for (const [route, target] of [
    ['to_openai', 'oai/gpt-4o'],
    ['to_gemini', 'google/gemini-2.5-flash'],
    ['to_bedrock', 'aws/anthropic.claude-3-haiku-20240307-v1:0'],
  ]) {
    it(`an Anthropic client gets a Message from ${target}`, opts, async () => {
      const res = await gw.post('/v1/messages', messagesBody(route), { headers: anthropicHeaders });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['x-switchyard-target'], target);
      assert.equal(res.json.type, 'message');
      assert.equal(res.json.role, 'assistant');
      assert.match(res.json.id, /^msg_/);
      assert.deepEqual(res.json.content, [{ type: 'text', text: simReply('S') }]);
      assert.equal(res.json.stop_reason, 'end_turn');
      assert.ok(res.json.usage.input_tokens > 0 && res.json.usage.output_tokens > 0, res.text);
    });

    it(`an Anthropic client streams from ${target} in Anthropic's event order`, opts, async () => {
      const res = await streamRequest(`${gw.url}/v1/messages`, {
        headers: anthropicHeaders,
        body: messagesBody(route, 'hi there', { stream: true }),
      });
      assert.equal(res.status, 200, res.raw);
      const names = eventNames(res.raw);
      assert.equal(names[0], 'message_start');
      assert.equal(names[1], 'content_block_start');
      assert.ok(names.slice(2, -3).every((n) => n === 'content_block_delta'), names.join(','));
      assert.deepEqual(names.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
      assert.equal(anthropicText(res.raw), simReply('S'));
      const delta = parseSse(res.raw).find((e) => e.event === 'message_delta');
      const data = JSON.parse(delta.data);
      assert.equal(data.delta.stop_reason, 'end_turn');
      assert.ok(data.usage.output_tokens > 0);
    });
  }

  it('an Anthropic client reaching an Anthropic target is forwarded as it is, model replaced', opts, async () => {
    const body = messagesBody('to_anthropic', 'hi there', { metadata: { user_id: 'u-1' } });
    const res = await gw.post('/v1/messages', body, {
      headers: { ...anthropicHeaders, 'anthropic-beta': 'prompt-caching-2024-07-31' },
    });
    assert.equal(res.status, 200, res.text);
    const upstream = await lastUpstream('/v1/messages');
    assert.deepEqual(JSON.parse(upstream.body), { ...body, model: 'claude-sonnet-4-5' });
    assert.equal(header(upstream, 'x-api-key'), 'key-anthropic');
    assert.equal(header(upstream, 'anthropic-version'), '2023-06-01');
    assert.equal(header(upstream, 'anthropic-beta'), 'prompt-caching-2024-07-31');
  });

  it('an OpenAI request to an Anthropic target carries the key, version and a max_tokens default', opts, async () => {
    const res = await gw.chat({
      model: 'to_anthropic',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi there' },
      ],
      stop: ['END'],
      temperature: 0.5,
    });
    assert.equal(res.status, 200, res.text);
    const upstream = await lastUpstream('/v1/messages');
    assert.equal(header(upstream, 'x-api-key'), 'key-anthropic');
    assert.equal(header(upstream, 'anthropic-version'), '2023-06-01');
    assert.equal(header(upstream, 'authorization'), undefined);
    const sent = JSON.parse(upstream.body);
    assert.equal(sent.model, 'claude-sonnet-4-5');
    assert.equal(sent.max_tokens, 4096);
    assert.equal(sent.temperature, 0.5);
    assert.deepEqual(sent.stop_sequences, ['END']);
    assert.ok(JSON.stringify(sent.system).includes('Be brief.'));
    assert.equal(sent.messages.length, 1);
  });

  it('Gemini gets its key in x-goog-api-key, Azure in api-key with the api-version, Bedrock a SigV4 signature', opts, async () => {
    assert.equal((await gw.chat(chatBody('to_gemini'))).status, 200);
    assert.equal(header(await lastUpstream(':generateContent'), 'x-goog-api-key'), 'key-gemini');
    assert.equal((await gw.chat(chatBody('to_azure'))).status, 200);
    const azure = await lastUpstream('/openai/deployments/');
    assert.equal(header(azure, 'api-key'), 'key-azure');
    assert.match(azure.target, /\?api-version=2024-10-21$/);
    assert.equal((await gw.chat(chatBody('to_bedrock'))).status, 200);
    const bedrock = await lastUpstream('/converse');
    assert.match(bedrock.target, /^\/model\/anthropic\.claude-3-haiku-20240307-v1%3A0\/converse$/);
    assert.match(
      header(bedrock, 'authorization'),
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    assert.match(header(bedrock, 'x-amz-date'), /^\d{8}T\d{6}Z$/);
  });

  it('an OpenAI-compatible preset is an openai provider (Bearer key, /chat/completions)', opts, async () => {
    const res = await gw.chat(chatBody('to_preset'));
    assert.equal(res.status, 200, res.text);
    const upstream = await lastUpstream('/v1/chat/completions');
    assert.equal(header(upstream, 'authorization'), 'Bearer key-groq');
    assert.equal(JSON.parse(upstream.body).model, 'llama-3.3-70b-versatile');
    const claude = await gw.post('/v1/messages', messagesBody('to_preset'), { headers: anthropicHeaders });
    assert.equal(claude.status, 200, claude.text);
    assert.deepEqual(claude.json.content, [{ type: 'text', text: simReply('S') }]);
  });

  it('fails over across wire formats: an Anthropic target down, Gemini serves the OpenAI client', opts, async () => {
    const res = await gw.chat(chatBody('anthropic_then_gemini'));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-switchyard-target'], 'google/gemini-2.5-flash');
    assert.equal(res.headers['x-switchyard-attempts'], '2');
    assert.equal(res.json.choices[0].message.content, simReply('S'));
  });

  it('fails over across wire formats for an Anthropic client: OpenAI target down, Bedrock serves', opts, async () => {
    const res = await streamRequest(`${gw.url}/v1/messages`, {
      headers: anthropicHeaders,
      body: messagesBody('openai_then_bedrock', 'hi there', { stream: true }),
    });
    assert.equal(res.status, 200, res.raw);
    assert.equal(res.headers['x-switchyard-target'], 'aws/amazon.nova-pro-v1:0');
    assert.equal(anthropicText(res.raw), simReply('S'));
  });

  it('an OpenAI tool-calling round trip through an Anthropic target keeps the call id', opts, async () => {
    const first = await gw.chat(chatBody('to_anthropic', 'Paris', { tools: [weatherTool] }));
    assert.equal(first.status, 200, first.text);
    const message = first.json.choices[0].message;
    assert.equal(first.json.choices[0].finish_reason, 'tool_calls');
    assert.equal(message.tool_calls.length, 1);
    const call = message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { input: 'Paris' });
    const second = await gw.chat({
      model: 'to_anthropic',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Paris' },
        message,
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.choices[0].message.content, 'Tool result: sunny');
    const sent = JSON.parse((await lastUpstream('/v1/messages')).body);
    const toolUse = sent.messages[1].content.find((b) => b.type === 'tool_use');
    const toolResult = sent.messages[2].content.find((b) => b.type === 'tool_result');
    assert.equal(toolUse.id, call.id);
    assert.equal(toolResult.tool_use_id, call.id);
  });

  it('an OpenAI client streams a tool call from a Gemini target', opts, async () => {
    const res = await gw.stream(chatBody('to_gemini', 'Paris', { tools: [weatherTool] }));
    assert.equal(res.status, 200, res.raw);
    assert.equal(res.done, true, res.raw);
    const calls = res.chunks.flatMap((c) => c.choices).flatMap((c) => c.delta.tool_calls || []);
    assert.equal(calls[0].function.name, 'get_weather');
    assert.ok(calls[0].id, 'the first tool-call delta names the call');
    const args = calls.map((c) => c.function.arguments || '').join('');
    assert.deepEqual(JSON.parse(args), { input: 'Paris' });
    const finishes = res.chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason);
    assert.deepEqual(finishes.map((c) => c.finish_reason), ['tool_calls']);
  });

  for (const route of ['to_openai', 'to_bedrock']) {
    it(`an Anthropic tool-calling round trip through ${route} keeps the tool_use id`, opts, async () => {
      const tools = [{ name: 'get_weather', description: 'Weather', input_schema: weatherTool.function.parameters }];
      const first = await gw.post('/v1/messages', messagesBody(route, 'Paris', { tools }), { headers: anthropicHeaders });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.json.stop_reason, 'tool_use');
      const use = first.json.content.find((b) => b.type === 'tool_use');
      assert.equal(use.name, 'get_weather');
      assert.deepEqual(use.input, { input: 'Paris' });
      const second = await gw.post(
        '/v1/messages',
        {
          model: route,
          max_tokens: 256,
          tools,
          messages: [
            { role: 'user', content: 'Paris' },
            { role: 'assistant', content: first.json.content },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
          ],
        },
        { headers: anthropicHeaders },
      );
      assert.equal(second.status, 200, second.text);
      assert.deepEqual(second.json.content, [{ type: 'text', text: 'Tool result: sunny' }]);
    });
  }

  it('a target that cannot honour JSON mode is skipped for one that can', opts, async () => {
    const res = await gw.chat(chatBody('json_capable', 'hi there', { response_format: { type: 'json_object' } }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-switchyard-target'], 'google/gemini-2.5-flash');
    assert.equal(res.headers['x-switchyard-attempts'], '1');
  });

  it('a request no target can carry is a 400 naming the field', opts, async () => {
    const res = await gw.chat(chatBody('anthropic_only', 'hi there', { response_format: { type: 'json_object' } }));
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.equal(res.json.error.param, 'response_format');
  });

  it('an Anthropic client sees gateway errors in Anthropic shape', opts, async () => {
    const unknown = await gw.post('/v1/messages', messagesBody('nope'), { headers: anthropicHeaders });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.type, 'error');
    assert.equal(unknown.json.error.type, 'not_found_error');
    const failed = await gw.post('/v1/messages', messagesBody('openai_then_bedrock'), {
      headers: anthropicHeaders,
      timeoutMs: 10_000,
    });
    assert.equal(failed.status, 200, 'bedrock serves'); // sanity: the route works
    const bad = await gw.post('/v1/messages', '{"model":', { headers: anthropicHeaders });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.type, 'error');
    assert.equal(bad.json.error.type, 'invalid_request_error');
    assert.equal(bad.json.error.message.length > 0, true);
  });

  it("a provider's client error reaches an Anthropic client in Anthropic's shape", opts, async () => {
    await sim.setFaults([{ status: 400 }]);
    const res = await gw.post('/v1/messages', messagesBody('to_openai'), { headers: anthropicHeaders });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.type, 'error');
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.equal(res.json.error.message, 'Invalid request.');
  });

  it("a provider's client error reaches an OpenAI client in OpenAI's shape", opts, async () => {
    await sim.setFaults([{ status: 400 }]);
    const res = await gw.chat(chatBody('to_anthropic'));
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error.type, 'invalid_request_error');
    assert.ok(res.json.error.message.length > 0);
  });

  it('every target down: an Anthropic client gets a 503 in Anthropic shape listing the attempts', opts, async () => {
    await sim.setFaults([{ status: 503 }]);
    const res = await gw.post('/v1/messages', messagesBody('openai_then_bedrock'), { headers: anthropicHeaders });
    assert.equal(res.status, 503, res.text);
    assert.equal(res.json.type, 'error');
    assert.match(res.json.error.message, /oai_down\/gpt-x: upstream_status HTTP 503/);
  });

  it('a translated stream cut mid-way ends with an error event in the client dialect', opts, async () => {
    await sim.setFaults([{ truncate_after: 2 }]);
    const openai = await gw.stream(chatBody('to_anthropic'));
    assert.equal(openai.status, 200);
    assert.equal(openai.done, false, 'no [DONE] on a broken stream');
    assert.equal(openai.errors.length, 1, openai.raw);
    await sim.setFaults([{ truncate_after: 2 }]);
    const anthropic = await streamRequest(`${gw.url}/v1/messages`, {
      headers: anthropicHeaders,
      body: messagesBody('to_gemini', 'hi there', { stream: true }),
    });
    assert.equal(anthropic.status, 200);
    const names = eventNames(anthropic.raw);
    assert.equal(names[names.length - 1], 'error', anthropic.raw);
    assert.ok(!names.includes('message_stop'));
  });

  it("count_tokens is answered by the route's Anthropic target, exactly", opts, async () => {
    const body = { model: 'to_anthropic', messages: [{ role: 'user', content: 'hello there, how are you today?' }] };
    const res = await gw.post('/v1/messages/count_tokens', body, { headers: anthropicHeaders });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { input_tokens: 6 }); // the simulator counts words
    assert.equal(res.headers['x-switchyard-target'], 'claude/claude-sonnet-4-5');
    const upstream = await lastUpstream('/v1/messages/count_tokens');
    assert.deepEqual(JSON.parse(upstream.body), { ...body, model: 'claude-sonnet-4-5' });
    assert.equal(header(upstream, 'x-api-key'), 'key-anthropic');
  });

  it('count_tokens is estimated for a route without an Anthropic target', opts, async () => {
    const res = await gw.post(
      '/v1/messages/count_tokens',
      { model: 'to_gemini', messages: [{ role: 'user', content: 'hello there, how are you today?' }] },
      { headers: anthropicHeaders },
    );
    assert.equal(res.status, 200, res.text);
    assert.ok(Number.isInteger(res.json.input_tokens) && res.json.input_tokens > 0, res.text);
    assert.equal(res.headers['x-switchyard-token-count'], 'estimate');
  });

  it('lists routes as Anthropic models when the client sends anthropic-version', opts, async () => {
    const res = await gw.get('/v1/models', { headers: anthropicHeaders });
    assert.equal(res.status, 200);
    assert.equal(res.json.has_more, false);
    assert.ok(res.json.data.every((m) => m.type === 'model' && typeof m.created_at === 'string'));
    assert.ok(res.json.data.some((m) => m.id === 'to_bedrock'));
  });
});

// Usage and cost from every provider kind (issue 13, item 7): for each kind the simulator plays
// (openai, azure, an OpenAI-compatible preset, anthropic, gemini, bedrock), whole answers and
// streams, to an OpenAI client (/v1/chat/completions) and to an Anthropic one (/v1/messages), the
// client gets the usage in its own API's fields, cache reads kept apart from the rest of the prompt
// and reasoning tokens kept where the provider reports them; a whole answer carries
// x-switchyard-cost-usd at the target's configured price; the audit record holds each attempt's
// tokens and cost. A stream cut before its usage is estimated, and the record says so.
//
// The simulator reports cache reads and reasoning when told to (/_sim/usage), each dialect as its
// provider does: OpenAI in prompt_tokens_details.cached_tokens and
// completion_tokens_details.reasoning_tokens; Anthropic in cache_read_input_tokens (apart from
// input_tokens), reasoning inside output_tokens; Gemini in cachedContentTokenCount (inside
// promptTokenCount) and thoughtsTokenCount (apart from candidatesTokenCount); Bedrock Converse in
// cacheReadInputTokens (apart from inputTokens), reasoning inside outputTokens.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOST, STATELESS, Stack, TEST_TIMEOUT_MS, chatBody, httpRequest, simReply, streamRequest } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const anthropicHeaders = { 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01' };
const COST_HEADER = 'x-switchyard-cost-usd';
// USD per million tokens, as configured for every target below.
const PRICE = { input: 3, output: 15, cached_input: 0.3 };
// What the simulator adds to every answer's usage: prompt tokens read from the cache, reasoning tokens.
const CACHED = 4;
const REASONING = 2;

// The prompt and what the simulator makes of it: a token a word, "Hello from S: " + the text.
const TEXT = 'what will this cost';
const words = (text) => text.split(/\s+/).filter(Boolean).length;
const PROMPT_TOKENS = words(TEXT) + CACHED; // the whole prompt, cache reads included
const ANSWER_TOKENS = words(simReply('S', TEXT)); // the visible answer
const OUTPUT_TOKENS = ANSWER_TOKENS + REASONING; // what the provider bills as output

// The provider kinds, each with a target of its own. `reasoning`: the provider reports reasoning
// tokens apart (Anthropic and Bedrock only count them in the output).
const KINDS = [
  { kind: 'openai', route: 'to_openai', target: 'oai/gpt-4o', reasoning: true },
  { kind: 'azure', route: 'to_azure', target: 'az/my-deployment', reasoning: true },
  { kind: 'vllm', route: 'to_vllm', target: 'local/qwen3-8b', reasoning: true },
  { kind: 'anthropic', route: 'to_anthropic', target: 'claude/claude-sonnet-4-5', reasoning: false },
  { kind: 'gemini', route: 'to_gemini', target: 'google/gemini-2.5-flash', reasoning: true },
  { kind: 'bedrock', route: 'to_bedrock', target: 'aws/anthropic.claude-3-haiku-20240307-v1:0', reasoning: false },
];

// What the audit record keeps of each attempt (canonical: input counts the cache reads, output the
// reasoning).
function expectedUsage({ reasoning }) {
  return {
    input_tokens: PROMPT_TOKENS,
    output_tokens: OUTPUT_TOKENS,
    cached_input_tokens: CACHED,
    reasoning_tokens: reasoning ? REASONING : 0,
  };
}

// The cost of that usage in nano-USD (integers: no rounding question): uncached input at the input
// price, cache reads at the cached price, output (reasoning included) at the output price.
const EXPECTED_NANO_USD =
  (PROMPT_TOKENS - CACHED) * PRICE.input * 1000 + CACHED * PRICE.cached_input * 1000 + OUTPUT_TOKENS * PRICE.output * 1000;

// What the gateway writes: a plain decimal, at most 9 decimals, no trailing zeros, no exponent.
function usd(value) {
  const fixed = value.toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '' ? '0' : fixed;
}
const EXPECTED_COST = usd(Math.round(EXPECTED_NANO_USD) / 1e9);

// OpenAI's usage object for the answer.
function assertOpenAiUsage(usage, kind, where) {
  assert.ok(usage, `usage expected: ${where}`);
  assert.equal(usage.prompt_tokens, PROMPT_TOKENS, `prompt_tokens (cache reads included): ${where}`);
  assert.equal(usage.completion_tokens, OUTPUT_TOKENS, `completion_tokens (reasoning included): ${where}`);
  assert.equal(usage.total_tokens, PROMPT_TOKENS + OUTPUT_TOKENS, `total_tokens: ${where}`);
  assert.equal(usage.prompt_tokens_details?.cached_tokens, CACHED, `prompt_tokens_details.cached_tokens: ${where}`);
  assert.equal(usage.completion_tokens_details?.reasoning_tokens, kind.reasoning ? REASONING : 0,
               `completion_tokens_details.reasoning_tokens: ${where}`);
}

// Anthropic's usage object for the answer (input_tokens without the cache reads).
function assertAnthropicUsage(usage, where) {
  assert.ok(usage, `usage expected: ${where}`);
  assert.equal(usage.input_tokens, PROMPT_TOKENS - CACHED, `input_tokens (cache reads apart): ${where}`);
  assert.equal(usage.cache_read_input_tokens, CACHED, `cache_read_input_tokens: ${where}`);
  assert.equal(usage.cache_creation_input_tokens ?? 0, 0, `cache_creation_input_tokens: ${where}`);
  assert.equal(usage.output_tokens, OUTPUT_TOKENS, `output_tokens (reasoning included): ${where}`);
}

function messagesBody(model, text = TEXT, extra = {}) {
  return { model, max_tokens: 256, messages: [{ role: 'user', content: text }], ...extra };
}

let nextId = 0;
const requestId = (label) => `usage-kinds-${label}-${process.pid}-${++nextId}`;

describe('usage and cost from every provider kind', { timeout: 300_000 }, () => {
  const stack = new Stack();
  let sim; // answers every dialect, by path, with cache reads and reasoning in its usage
  let gw;

  before(async () => {
    sim = await stack.sim('S');
    const setUsage = await httpRequest(`${sim.url}/_sim/usage`, {
      method: 'POST',
      body: { cached_input_tokens: CACHED, reasoning_tokens: REASONING },
    });
    assert.equal(setUsage.status, 200, setUsage.text);
    const timeouts = { attempt: '5s', first_token: '5s', total: '20s' };
    const retry = { max_attempts: 1 };
    const bedrockKeys = { region: 'us-east-1', aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'secret' };
    const routes = {};
    for (const { route, target } of KINDS) routes[route] = { targets: [{ target, price: PRICE }], retry, timeouts };
    // JSON is YAML: the harness's emitter does not write lists of maps.
    const config = {
      listen: `${HOST}:0`,
      workers: 2,
      resilience: STATELESS,
      providers: {
        oai: { kind: 'openai', base_url: sim.baseUrl, api_key: 'key-openai' },
        az: { kind: 'azure', base_url: sim.url, api_key: 'key-azure' },
        local: { kind: 'vllm', base_url: sim.baseUrl },
        claude: { kind: 'anthropic', base_url: sim.url, api_key: 'key-anthropic' },
        google: { kind: 'gemini', base_url: sim.url, api_key: 'key-gemini' },
        aws: { kind: 'bedrock', base_url: sim.url, ...bedrockKeys },
      },
      routes,
    };
    gw = await stack.gateway(JSON.stringify(config, null, 2));
  }, opts);

  after(() => stack.stop());
  beforeEach(() => sim.reset());

  // The request's audit record, once written (records are stored in batches).
  async function auditRecord(id) {
    for (let i = 0; i < 100; i++) {
      const res = await gw.get(`/admin/requests/${id}`);
      if (res.status === 200) return res.json;
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    assert.fail(`no audit record for ${id}`);
  }

  // The record's one attempt, checked against the answer the provider billed.
  async function assertAudited(id, kind) {
    const record = await auditRecord(id);
    const where = JSON.stringify(record);
    const tried = record.targets.filter((t) => t.verdict === 'tried');
    assert.equal(tried.length, 1, where);
    assert.equal(tried[0].target, kind.target, where);
    assert.equal(tried[0].result, 'ok', where);
    assert.deepEqual(tried[0].usage, expectedUsage(kind), `the attempt's tokens: ${where}`);
    assert.equal(usd(tried[0].cost_usd), EXPECTED_COST, `the attempt's cost: ${where}`);
    assert.equal(tried[0].usage_estimated, undefined, `reported usage is not estimated: ${where}`);
    assert.equal(usd(record.cost_usd), EXPECTED_COST, `the request's cost: ${where}`);
    assert.equal(record.tokens, PROMPT_TOKENS + OUTPUT_TOKENS, `the request's tokens: ${where}`);
    return record;
  }

  for (const kind of KINDS) {
    describe(`${kind.kind} (${kind.target})`, () => {
      it('OpenAI client, whole answer: usage, cost header, audit', opts, async () => {
        const id = requestId(`${kind.kind}-openai-whole`);
        const res = await gw.chat(chatBody(kind.route, TEXT), { headers: { 'x-request-id': id } });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers['x-switchyard-target'], kind.target);
        assert.equal(res.json.choices[0].message.content, simReply('S', TEXT), res.text);
        assertOpenAiUsage(res.json.usage, kind, res.text);
        assert.equal(res.headers[COST_HEADER], EXPECTED_COST, JSON.stringify(res.headers));
        await assertAudited(id, kind);
      });

      it('OpenAI client, stream: the usage chunk, no cost header, audit', opts, async () => {
        const id = requestId(`${kind.kind}-openai-stream`);
        const body = chatBody(kind.route, TEXT, { stream_options: { include_usage: true } });
        const res = await gw.stream(body, { headers: { 'x-request-id': id } });
        assert.equal(res.status, 200, res.raw);
        assert.equal(res.doneCount, 1, res.raw);
        assert.equal(res.content, simReply('S', TEXT), res.raw);
        const usageChunks = res.chunks.filter((c) => c.usage != null);
        assert.equal(usageChunks.length, 1, res.raw);
        assert.deepEqual(usageChunks[0].choices, [], res.raw);
        assertOpenAiUsage(usageChunks[0].usage, kind, res.raw);
        assert.equal(res.headers[COST_HEADER], undefined);
        await assertAudited(id, kind);
      });

      it('Anthropic client, whole answer: usage, cost header, audit', opts, async () => {
        const id = requestId(`${kind.kind}-anthropic-whole`);
        const res = await gw.post('/v1/messages', messagesBody(kind.route),
                                  { headers: { ...anthropicHeaders, 'x-request-id': id } });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers['x-switchyard-target'], kind.target);
        assert.equal(res.json.type, 'message', res.text);
        assertAnthropicUsage(res.json.usage, res.text);
        assert.equal(res.headers[COST_HEADER], EXPECTED_COST, JSON.stringify(res.headers));
        await assertAudited(id, kind);
      });

      it('Anthropic client, stream: message_delta usage, no cost header, audit', opts, async () => {
        const id = requestId(`${kind.kind}-anthropic-stream`);
        const res = await streamRequest(`${gw.url}/v1/messages`, {
          headers: { ...anthropicHeaders, 'x-request-id': id },
          body: messagesBody(kind.route, TEXT, { stream: true }),
        });
        assert.equal(res.status, 200, res.raw);
        assert.ok(res.events.some((e) => e.event === 'message_stop'), res.raw);
        const deltas = res.events.filter((e) => e.event === 'message_delta');
        assert.equal(deltas.length, 1, res.raw);
        assertAnthropicUsage(JSON.parse(deltas[0].data).usage, res.raw);
        assert.equal(res.headers[COST_HEADER], undefined);
        await assertAudited(id, kind);
      });
    });
  }

  // A stream cut before the provider's final usage: the gateway estimates the output from what it
  // relayed, charges that, and the record says the attempt's usage was estimated.
  describe('a cut stream is estimated, and the record says so', () => {
    for (const kind of KINDS) {
      it(`${kind.kind}: usage_estimated on the attempt`, opts, async () => {
        await sim.setFaults([{ truncate_after: 2 }]);
        const id = requestId(`${kind.kind}-cut`);
        const res = await gw.stream(chatBody(kind.route, TEXT), { headers: { 'x-request-id': id } });
        assert.equal(res.status, 200, res.raw);
        assert.equal(res.doneCount, 0, `the stream was cut: ${res.raw}`);
        const record = await auditRecord(id);
        const where = JSON.stringify(record);
        const tried = record.targets.filter((t) => t.verdict === 'tried');
        assert.equal(tried.length, 1, where);
        assert.equal(tried[0].usage_estimated, true, where);
        // Two pieces relayed: at least a token each, never the whole answer.
        assert.ok(tried[0].usage.output_tokens >= 2 && tried[0].usage.output_tokens < OUTPUT_TOKENS, where);
        assert.ok(tried[0].cost_usd > 0, `the partial output is charged: ${where}`);
        assert.equal(usd(record.cost_usd), usd(tried[0].cost_usd), where);
      });
    }
  });
});

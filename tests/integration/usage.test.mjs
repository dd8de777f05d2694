// Usage and cost of every answer (issue 13): the gateway reads each answer's token usage on every
// path (forwarded and translated, whole and streamed, both dialects), asks an OpenAI upstream for a
// stream's usage whatever the client asked (and keeps that usage chunk from a client that did not
// ask), and tells the client what a whole answer cost in x-switchyard-cost-usd when the target is
// priced.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOST, STATELESS, Stack, TEST_TIMEOUT_MS, chatBody, streamRequest } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const anthropicHeaders = { 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01' };
const COST_HEADER = 'x-switchyard-cost-usd';
// USD per million tokens, as configured below.
const PRICE = { input: 1, output: 2 };

function messagesBody(model, text = 'hi there', extra = {}) {
  return { model, max_tokens: 256, messages: [{ role: 'user', content: text }], ...extra };
}

// What the gateway writes: a plain decimal, at most 9 decimals, no trailing zeros, no exponent.
function usd(value) {
  const fixed = value.toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '' ? '0' : fixed;
}

// The cost of an OpenAI usage object at PRICE (no cached-input price: cache reads cost the input price).
function openAiCost(usage) {
  return (usage.prompt_tokens * PRICE.input + usage.completion_tokens * PRICE.output) / 1e6;
}

// The same for an Anthropic usage object (input_tokens excludes the cache tokens).
function anthropicCost(usage) {
  const input = usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
  return (input * PRICE.input + usage.output_tokens * PRICE.output) / 1e6;
}

// The chunks of an OpenAI stream that carry a usage object (OpenAI's usage chunk).
function usageChunks(res) {
  return res.chunks.filter((c) => c.usage != null);
}

describe('usage and cost', { timeout: 120_000 }, () => {
  const stack = new Stack();
  let sim;
  let gw;

  before(async () => {
    sim = await stack.sim('S');
    const timeouts = { attempt: '5s', first_token: '5s', total: '20s' };
    const retry = { max_attempts: 1 };
    const pricedTarget = (target) => ({ target, price: PRICE });
    // JSON is YAML: the harness's emitter does not write lists of maps.
    const config = {
      listen: `${HOST}:0`,
      workers: 2,
      resilience: STATELESS,
      providers: {
        oai: { kind: 'openai', base_url: sim.baseUrl, api_key: 'key-openai' },
        claude: { kind: 'anthropic', base_url: sim.url, api_key: 'key-anthropic' },
      },
      routes: {
        to_openai: { targets: [pricedTarget('oai/gpt-4o')], retry, timeouts },
        to_anthropic: { targets: [pricedTarget('claude/claude-sonnet-4-5')], retry, timeouts },
      },
    };
    gw = await stack.gateway(JSON.stringify(config, null, 2));
  }, opts);

  after(() => stack.stop());
  beforeEach(() => sim.reset());

  // The last request the sim received on a path ending with `suffix`, its body parsed.
  async function lastUpstreamBody(suffix) {
    const requests = (await sim.requests()).filter((r) => String(r.target).endsWith(suffix));
    assert.ok(requests.length > 0, `the sim received a request on ${suffix}`);
    return JSON.parse(requests.at(-1).body);
  }

  describe('x-switchyard-cost-usd on whole answers', () => {
    it('forwarded OpenAI answer: the cost of the usage the client sees', opts, async () => {
      const res = await gw.chat(chatBody('to_openai', 'what does this cost'));
      assert.equal(res.status, 200, res.text);
      const usage = res.json.usage;
      assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0, res.text);
      assert.equal(res.headers[COST_HEADER], usd(openAiCost(usage)),
                   `${COST_HEADER} missing or wrong (is AttemptInput::price set?): ${JSON.stringify(res.headers)}`);
    });

    it('forwarded Anthropic answer: cache tokens are part of the prompt', opts, async () => {
      const res = await gw.post('/v1/messages', messagesBody('to_anthropic', 'price of this please'),
                                { headers: anthropicHeaders });
      assert.equal(res.status, 200, res.text);
      assert.ok(res.json.usage.output_tokens > 0, res.text);
      assert.equal(res.headers[COST_HEADER], usd(anthropicCost(res.json.usage)), JSON.stringify(res.headers));
    });

    it('translated answers (OpenAI client to Anthropic target and back)', opts, async () => {
      const openai = await gw.chat(chatBody('to_anthropic', 'one two three four'));
      assert.equal(openai.status, 200, openai.text);
      assert.equal(openai.headers[COST_HEADER], usd(openAiCost(openai.json.usage)),
                   `${COST_HEADER} (is TranslatedInput::price set?): ${JSON.stringify(openai.headers)}`);
      const anthropic = await gw.post('/v1/messages', messagesBody('to_openai', 'five six seven'),
                                      { headers: anthropicHeaders });
      assert.equal(anthropic.status, 200, anthropic.text);
      assert.equal(anthropic.headers[COST_HEADER], usd(anthropicCost(anthropic.json.usage)));
    });

    it('an error answer has no cost', opts, async () => {
      await sim.setFaults([{ status: 400 }]);
      const res = await gw.chat(chatBody('to_openai'));
      assert.equal(res.status, 400, res.text);
      assert.equal(res.headers[COST_HEADER], undefined);
    });

    it('streams carry no cost header', opts, async () => {
      const res = await gw.stream(chatBody('to_openai'));
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.headers[COST_HEADER], undefined);
    });
  });

  describe('forwarded OpenAI streams ask for usage', () => {
    it('a client that did not ask never sees the usage chunk; the upstream was asked', opts, async () => {
      const res = await gw.stream(chatBody('to_openai', 'count my tokens'));
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.doneCount, 1, res.raw);
      assert.deepEqual(res.errors, [], res.raw);
      assert.deepEqual(usageChunks(res), [], `no usage chunk for a client that did not ask:\n${res.raw}`);
      assert.ok(res.chunks.every((c) => Array.isArray(c.choices) && c.choices.length > 0), res.raw);
      assert.ok(res.content.length > 0, res.raw);
      const sent = await lastUpstreamBody('/chat/completions');
      assert.deepEqual(sent.stream_options, { include_usage: true });
      assert.equal(sent.model, 'gpt-4o');
      assert.deepEqual(sent.messages, [{ role: 'user', content: 'count my tokens' }]);
    });

    it('a client that asked gets the usage chunk as the upstream wrote it', opts, async () => {
      const body = chatBody('to_openai', 'count my tokens', { stream_options: { include_usage: true } });
      const res = await gw.stream(body);
      assert.equal(res.status, 200, res.raw);
      const chunks = usageChunks(res);
      assert.equal(chunks.length, 1, res.raw);
      assert.deepEqual(chunks[0].choices, []);
      assert.ok(chunks[0].usage.prompt_tokens > 0 && chunks[0].usage.completion_tokens > 0, res.raw);
      // Same prompt, same answer: the usage matches the whole answer's.
      const whole = await gw.chat(chatBody('to_openai', 'count my tokens'));
      assert.equal(chunks[0].usage.prompt_tokens, whole.json.usage.prompt_tokens);
      assert.equal(chunks[0].usage.completion_tokens, whole.json.usage.completion_tokens);
      const requests = (await sim.requests()).filter((r) => String(r.target).endsWith('/chat/completions'));
      assert.deepEqual(JSON.parse(requests[0].body).stream_options, { include_usage: true });
    });

    it('include_usage false is turned on upstream and the usage chunk kept from the client', opts, async () => {
      const body = chatBody('to_openai', 'hello', { stream_options: { include_usage: false } });
      const res = await gw.stream(body);
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(usageChunks(res), [], res.raw);
      assert.equal(res.doneCount, 1, res.raw);
      assert.deepEqual((await lastUpstreamBody('/chat/completions')).stream_options, { include_usage: true });
    });

    it('other stream_options are kept beside include_usage', opts, async () => {
      const body = chatBody('to_openai', 'hello', { stream_options: { include_obfuscation: false } });
      const res = await gw.stream(body);
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(usageChunks(res), [], res.raw);
      assert.ok(res.chunks.every((c) => !('obfuscation' in c)), res.raw);
      assert.deepEqual((await lastUpstreamBody('/chat/completions')).stream_options,
                       { include_usage: true, include_obfuscation: false });
    });

    it('a non-stream request is forwarded without stream_options', opts, async () => {
      const res = await gw.chat(chatBody('to_openai'));
      assert.equal(res.status, 200, res.text);
      assert.equal((await lastUpstreamBody('/chat/completions')).stream_options, undefined);
    });
  });

  // The usage the gateway read, as its audit record keeps it for the request's one attempt.
  async function auditedUsage(requestId) {
    for (let i = 0; i < 50; i++) {
      const res = await gw.get(`/admin/requests/${requestId}`);
      if (res.status === 200) {
        const tried = res.json.targets.filter((t) => t.verdict === 'tried');
        assert.equal(tried.length, 1, res.text);
        return tried[0].usage ?? null;
      }
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    assert.fail(`no audit record for ${requestId}`);
  }

  describe('the usage of streams, as the gateway read it', () => {
    const text = 'one two three';
    let whole; // the same prompt's whole answer: its usage is the stream's
    before(async () => {
      const res = await gw.chat(chatBody('to_openai', text));
      whole = res.json.usage;
    });
    const openAiUsage = (u) => ({ input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens,
                                  cached_input_tokens: 0, reasoning_tokens: 0 });

    it('forwarded OpenAI stream: the usage chunk kept from the client is read', opts, async () => {
      const res = await gw.stream(chatBody('to_openai', text), { headers: { 'x-request-id': 'usage-fwd-openai' } });
      assert.deepEqual(usageChunks(res), [], res.raw);
      assert.deepEqual(await auditedUsage('usage-fwd-openai'), openAiUsage(whole));
    });

    it('forwarded Anthropic stream: message_start and message_delta', opts, async () => {
      const res = await streamRequest(`${gw.url}/v1/messages`, {
        headers: { ...anthropicHeaders, 'x-request-id': 'usage-fwd-anthropic' },
        body: messagesBody('to_anthropic', text, { stream: true }),
      });
      const delta = JSON.parse(res.events.find((e) => e.event === 'message_delta').data).usage;
      const usage = await auditedUsage('usage-fwd-anthropic');
      assert.equal(usage.output_tokens, delta.output_tokens);
      assert.equal(usage.input_tokens, delta.input_tokens + delta.cache_read_input_tokens +
                                       delta.cache_creation_input_tokens);
    });

    it('translated stream: the decoder\'s usage', opts, async () => {
      await gw.stream(chatBody('to_anthropic', text), { headers: { 'x-request-id': 'usage-translated' } });
      const usage = await auditedUsage('usage-translated');
      assert.ok(usage.input_tokens > 0 && usage.output_tokens > 0, JSON.stringify(usage));
    });

    it('a cut OpenAI stream: output estimated at a token a chunk relayed, no prompt count', opts, async () => {
      await sim.setFaults([{ truncate_after: 2 }]);
      const res = await gw.stream(chatBody('to_openai', text), { headers: { 'x-request-id': 'usage-cut-openai' } });
      assert.equal(res.doneCount, 0, res.raw);
      const relayed = res.chunks.filter((c) => c.choices?.[0]?.delta?.content).length;
      assert.equal(relayed, 2, res.raw);
      const usage = await auditedUsage('usage-cut-openai');
      assert.equal(usage.output_tokens, relayed);
      assert.equal(usage.input_tokens, 0);
    });

    it('a cut Anthropic stream: the prompt from message_start, the output from the text relayed', opts, async () => {
      await sim.setFaults([{ truncate_after: 2 }]);
      const res = await streamRequest(`${gw.url}/v1/messages`, {
        headers: { ...anthropicHeaders, 'x-request-id': 'usage-cut-anthropic' },
        body: messagesBody('to_anthropic', text, { stream: true }),
      });
      const start = JSON.parse(res.events.find((e) => e.event === 'message_start').data).message.usage;
      let relayed = '';
      for (const e of res.events.filter((ev) => ev.event === 'content_block_delta')) relayed += JSON.parse(e.data).delta.text;
      const usage = await auditedUsage('usage-cut-anthropic');
      assert.equal(usage.input_tokens, start.input_tokens);
      assert.equal(usage.output_tokens, Math.max(start.output_tokens, Math.ceil(Buffer.byteLength(relayed) / 4)));
    });
  });

  describe('translated and Anthropic streams', () => {
    it('OpenAI client, Anthropic target: the usage chunk only when asked', opts, async () => {
      const plain = await gw.stream(chatBody('to_anthropic', 'tell me'));
      assert.equal(plain.status, 200, plain.raw);
      assert.deepEqual(usageChunks(plain), [], plain.raw);
      assert.equal(plain.doneCount, 1, plain.raw);
      const asked = await gw.stream(chatBody('to_anthropic', 'tell me', { stream_options: { include_usage: true } }));
      const chunks = usageChunks(asked);
      assert.equal(chunks.length, 1, asked.raw);
      assert.ok(chunks[0].usage.prompt_tokens > 0 && chunks[0].usage.completion_tokens > 0, asked.raw);
    });

    it('Anthropic client, OpenAI target: the upstream is asked, the usage reaches message_delta', opts, async () => {
      const res = await streamRequest(`${gw.url}/v1/messages`, {
        headers: anthropicHeaders,
        body: messagesBody('to_openai', 'a b c d', { stream: true }),
      });
      assert.equal(res.status, 200, res.raw);
      const delta = res.events.find((e) => e.event === 'message_delta');
      assert.ok(delta, res.raw);
      assert.ok(JSON.parse(delta.data).usage.output_tokens > 0, res.raw);
      assert.deepEqual((await lastUpstreamBody('/chat/completions')).stream_options, { include_usage: true });
    });

    it('Anthropic client, Anthropic target: the body goes out as sent, usage in the stream', opts, async () => {
      const body = messagesBody('to_anthropic', 'e f g', { stream: true });
      const res = await streamRequest(`${gw.url}/v1/messages`, { headers: anthropicHeaders, body });
      assert.equal(res.status, 200, res.raw);
      const start = res.events.find((e) => e.event === 'message_start');
      const delta = res.events.find((e) => e.event === 'message_delta');
      assert.ok(JSON.parse(start.data).message.usage.input_tokens > 0, res.raw);
      assert.ok(JSON.parse(delta.data).usage.output_tokens > 0, res.raw);
      const sent = await lastUpstreamBody('/messages');
      assert.equal(sent.stream_options, undefined);
      assert.deepEqual(sent.messages, body.messages);
    });
  });
});

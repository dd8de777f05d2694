// Mid-stream failover that never alters an answer. A stream cut after the client got part of it is
// continued only in ways that keep the answer one model's answer: a prefill where the target can
// continue a partial assistant turn, a replay (the original request again, its repeat of what the
// client has discarded) where it cannot, an instruction only when the route opts in to best effort;
// otherwise the stream ends with an error event and no [DONE].
//
// Every fallback sim below but O has the voice of the primary A: it is the same model served by
// another provider, so its full answer to the same question is A's answer.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, TEST_TIMEOUT_MS, assertExactStream, chatBody, parseSse, simReply, streamRequest } from './lib/harness.mjs';

const opts = { timeout: TEST_TIMEOUT_MS };
const QUESTION = Array.from({ length: 24 }, (_, i) => `word${i}`).join(' ');
const FULL = simReply('A', QUESTION);
const CUT = [{ truncate_after: 4, token_delay_ms: 30 }];
const RETRY = { max_attempts: 3, backoff_base: '10ms', backoff_max: '50ms' };
const TIMEOUTS = { attempt: '3s', first_token: '3s', inter_token: '400ms', total: '15s' };

const assertExact = (res) => assertExactStream(res, FULL);

// An honest end: part of A's answer, then the error event, and no [DONE].
function assertHonestError(res) {
  const where = `status ${res.status}, raw:\n${res.raw.slice(0, 4000)}`;
  assert.equal(res.status, 200, where);
  assert.equal(res.doneCount, 0, `no [DONE]: ${where}`);
  assert.equal(res.errors.length, 1, `one error event: ${where}`);
  assert.equal(res.errors[0].error.code, 'stream_interrupted', where);
  assert.ok(res.content.length > 0 && FULL.startsWith(res.content), `only A's own words: ${where}`);
  const finishes = res.chunks.flatMap((c) => (c.choices || []).map((ch) => ch.finish_reason)).filter((f) => f != null);
  assert.deepEqual(finishes, [], `no finish reason: ${where}`);
}

describe('exact stream continuation', { timeout: 180_000 }, () => {
  const stack = new Stack();
  const sims = {};
  let gw;

  before(async () => {
    const started = await Promise.all([
      stack.sim('A'),
      stack.sim('R', { voice: 'A' }), // OpenAI-compatible, no prefill: replayed
      stack.sim('V', { voice: 'A' }), // vLLM: continue_final_message
      stack.sim('F', { voice: 'A', prefill: 'reject' }), // llama.cpp in thinking mode: refuses prefill
      stack.sim('S', { voice: 'A', prefill: 'restart' }), // ignores continuations, answers from the start
      stack.sim('N', { voice: 'A' }), // Anthropic: prefill
      stack.sim('O'), // another model: another answer
    ]);
    for (const sim of started) sims[sim.name] = sim;
    const openai = (sim, extra = {}) => ({ kind: 'openai', base_url: sim.baseUrl, ...extra });
    const route = (fallback, extra = {}) => ({
      targets: ['a/m', fallback],
      retry: RETRY,
      timeouts: TIMEOUTS,
      ...extra,
    });
    gw = await stack.gateway({
      providers: {
        a: openai(sims.A),
        r: openai(sims.R),
        v: { kind: 'vllm', base_url: sims.V.baseUrl },
        f: { kind: 'llamacpp', base_url: sims.F.baseUrl },
        s: openai(sims.S),
        n: { kind: 'anthropic', base_url: sims.N.url, api_key: 'key-n' },
        o: openai(sims.O),
      },
      routes: {
        replay: route('r/m'),
        vllm: route('v/m'),
        refuses: route('f/m'),
        restarts: route('s/m'),
        anthropic: route('n/m'),
        other: route('o/m'),
        other_best_effort: route('o/m', { mid_stream_failover: 'best_effort' }),
        replay_then_other: { targets: ['a/m', 'o/m', 'r/m'], retry: RETRY, timeouts: TIMEOUTS },
      },
    });
  }, opts);

  after(() => stack.stop());

  beforeEach(() => Promise.all(Object.values(sims).map((sim) => sim.reset())));

  it('replays on a target that cannot prefill and resumes past what the client has', opts, async () => {
    await sims.A.setFaults(CUT);
    const res = await gw.stream(chatBody('replay', QUESTION, { stream_options: { include_usage: true } }));
    assertExact(res);
    const [sent] = await sims.R.chatRequests();
    const body = JSON.parse(sent.body);
    assert.equal(body.messages.at(-1).role, 'user', 'the original request, not a continuation');
    assert.equal(body.messages.length, 1);
    assert.ok(res.usage && res.usage.completion_tokens >= FULL.split(' ').length, JSON.stringify(res.usage));
  });

  it('a stream that stalls past inter_token is replayed exactly too', opts, async () => {
    await sims.A.setFaults([{ stall_after: 4 }]);
    const res = await gw.stream(chatBody('replay', QUESTION), { timeoutMs: 8000 });
    assertExact(res);
  });

  it('a model that ignores continuations and answers from the start still yields the exact answer', opts, async () => {
    await sims.A.setFaults(CUT);
    const res = await gw.stream(chatBody('restarts', QUESTION));
    assertExact(res);
  });

  it('continues from a prefill on vLLM with continue_final_message and add_generation_prompt: false', opts, async () => {
    await sims.A.setFaults(CUT);
    const res = await gw.stream(chatBody('vllm', QUESTION));
    assertExact(res);
    const body = JSON.parse((await sims.V.chatRequests())[0].body);
    assert.equal(body.continue_final_message, true);
    assert.equal(body.add_generation_prompt, false);
    assert.equal(body.messages.at(-1).role, 'assistant');
    assert.ok(FULL.startsWith(body.messages.at(-1).content), `the partial answer is the prefill: ${body.messages.at(-1).content}`);
  });

  it('continues from a prefill on an Anthropic target', opts, async () => {
    await sims.A.setFaults(CUT);
    const res = await gw.stream(chatBody('anthropic', QUESTION));
    assertExact(res);
    const [sent] = (await sims.N.requests()).filter((r) => String(r.target).includes('/v1/messages'));
    const body = JSON.parse(sent.body);
    assert.equal(body.messages.at(-1).role, 'assistant');
  });

  it('a target that refuses the prefill with a 400 is learnt and asked again by replay; the client never sees the 400', opts, async () => {
    await sims.A.setFaults(CUT);
    const res = await gw.stream(chatBody('refuses', QUESTION));
    assertExact(res);
    const first = (await sims.F.chatRequests()).map((r) => JSON.parse(r.body));
    assert.equal(first.length, 2, 'a refused prefill, then a replay');
    assert.equal(first[0].messages.at(-1).role, 'assistant');
    assert.equal(first[1].messages.at(-1).role, 'user');
    // Learnt for the process's life: the next broken stream goes straight to a replay.
    await sims.F.clearRequests();
    await sims.A.setFaults(CUT);
    assertExact(await gw.stream(chatBody('refuses', QUESTION)));
    const second = (await sims.F.chatRequests()).map((r) => JSON.parse(r.body));
    assert.equal(second.length, 1);
    assert.equal(second[0].messages.at(-1).role, 'user');
  });

  it('a fallback whose answer is another cannot be spliced: an error event and no [DONE]', opts, async () => {
    await sims.A.setFaults(CUT);
    const res = await gw.stream(chatBody('other', QUESTION));
    assertHonestError(res);
    assert.ok(!res.content.includes('Hello from O'), 'nothing of O reaches the client');
    assert.equal((await sims.O.chatRequests()).length, 1, 'O was asked (a replay)');
  });

  it('after a diverging replay the next candidate may still continue exactly', opts, async () => {
    await sims.A.setFaults(CUT);
    const res = await gw.stream(chatBody('replay_then_other', QUESTION));
    assertExact(res);
  });

  it('best_effort continues by instruction where nothing exact is possible', opts, async () => {
    await sims.A.setFaults(CUT);
    const res = await gw.stream(chatBody('other_best_effort', QUESTION));
    const where = res.raw.slice(0, 4000);
    assert.equal(res.doneCount, 1, where);
    assert.deepEqual(res.errors, [], where);
    const sent = (await sims.O.chatRequests()).map((r) => JSON.parse(r.body));
    assert.equal(sent.length, 2, 'a replay (diverged), then an instruction');
    assert.match(sent[1].messages.at(-1).content, /Continue it exactly where it stopped/);
    assert.ok(res.content.startsWith(FULL.split(' ').slice(0, 4).join(' ')), where);
  });

  it('an Anthropic client gets the exact answer in Anthropic events after a replay', opts, async () => {
    await sims.A.setFaults(CUT);
    const res = await streamRequest(`${gw.url}/v1/messages`, {
      headers: { 'anthropic-version': '2023-06-01' },
      body: { model: 'replay', max_tokens: 256, stream: true, messages: [{ role: 'user', content: QUESTION }] },
    });
    const events = parseSse(res.raw);
    assert.ok(!events.some((e) => e.event === 'error'), res.raw);
    assert.equal(events.at(-1).event, 'message_stop', res.raw);
    const text = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => JSON.parse(e.data).delta.text)
      .join('');
    assert.equal(text, FULL);
  });
});

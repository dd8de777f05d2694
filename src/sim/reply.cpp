#include "sim/reply.h"

#include "sim/chat_request.h"
#include "sim/sim_state.h"

#include <boost/json.hpp>

#include <ctime>

namespace switchyard::sim {
namespace {

namespace json = boost::json;

void setText(SimReply& reply, std::string_view text, const SimChat& chat) {
  reply.words = splitWords(text);
  if (chat.max_tokens && *chat.max_tokens < reply.words.size()) {
    reply.words.resize(*chat.max_tokens);
    reply.finish = SimFinish::Length;
  }
  reply.output_tokens = reply.words.size();
}

// The conversation as it stood when the assistant turn being continued began: what a model that
// restarts answers.
SimChat withoutContinuation(const SimChat& chat) {
  SimChat asked = chat;
  if (chat.question_is_tool_result) {
    asked.last_turn_is_tool_result = true;
    asked.tool_result_text = *chat.question;
  } else {
    asked.last_turn_is_tool_result = false;
    asked.last_user_text = *chat.question;
  }
  asked.prefill_text.reset();
  asked.question.reset();
  return asked;
}

}  // namespace

boost::system::result<SimReply, SimError> replyFor(const SimChat& chat, const SimDialect& dialect,
                                                   SimState& state) {
  if (chat.prefill_text && state.prefill == PrefillMode::Reject) return dialect.prefillRejected();
  if (chat.question && state.prefill == PrefillMode::Restart) {
    return replyFor(withoutContinuation(chat), dialect, state);
  }

  SimReply reply;
  reply.id = dialect.newId(state.random);
  reply.created = static_cast<int64_t>(std::time(nullptr));
  reply.model = chat.model;
  reply.fingerprint = fingerprintFor(state.name);
  reply.input_tokens = chat.prompt_tokens + state.usage_details.cached_input_tokens;
  reply.cached_input_tokens = state.usage_details.cached_input_tokens;
  reply.reasoning_tokens = state.usage_details.reasoning_tokens;
  if (chat.prefill_text) {
    // Continue: the same voice gives the same whole answer, so a prefill that is its start leaves
    // exactly the rest to send (blanks and all); any other prefill gets the whole answer again, as a
    // model that starts over would give it. A model continuing text writes text, tools or not.
    const std::string whole = chat.question_is_tool_result ? "Tool result: " + *chat.question
                                                           : replyText(state.voice, *chat.question);
    std::string_view rest = whole;
    if (rest.starts_with(*chat.prefill_text)) rest.remove_prefix(chat.prefill_text->size());
    setText(reply, rest, chat);
    return reply;
  }
  if (!chat.first_tool_name.empty() && !chat.last_turn_is_tool_result) {
    json::object arguments{{"input", chat.last_user_text}};
    reply.tool_call =
        SimToolCall{dialect.newToolCallId(state.random), chat.first_tool_name, json::serialize(arguments)};
    reply.finish = SimFinish::ToolUse;
    reply.output_tokens = 1 + countWords(chat.last_user_text);
    return reply;
  }
  const std::string text = chat.last_turn_is_tool_result ? "Tool result: " + chat.tool_result_text
                                                         : replyText(state.voice, chat.last_user_text);
  setText(reply, text, chat);
  return reply;
}

}  // namespace switchyard::sim

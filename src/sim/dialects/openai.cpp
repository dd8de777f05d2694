// The OpenAI chat-completions dialect of the simulator (also what Azure OpenAI and every
// OpenAI-compatible server speak).
#include "sim/chat_request.h"
#include "sim/dialect.h"
#include "sim/openai_responses.h"

#include <boost/json/value.hpp>

namespace switchyard::sim {
namespace {

SimError toSimError(const ErrorInfo& error, unsigned status) {
  return {status, error.message, error.type, error.param.value_or(""), error.code.value_or("")};
}

std::string_view finishReasonOf(SimFinish finish) {
  switch (finish) {
    case SimFinish::Length: return kFinishLength;
    case SimFinish::ToolUse: return kFinishToolCalls;
    case SimFinish::Stop: break;
  }
  return kFinishStop;
}

// OpenAI counts cache reads in prompt_tokens and reasoning in completion_tokens, and details both.
Usage usageOf(const SimReply& reply) {
  return Usage{reply.input_tokens, reply.output_tokens + reply.reasoning_tokens, reply.cached_input_tokens,
               reply.reasoning_tokens};
}

CompletionMeta metaOf(const SimReply& reply) {
  return {reply.id, reply.created, reply.model, reply.fingerprint};
}

class OpenAiStream final : public SimStream {
 public:
  OpenAiStream(const SimReply& reply, const SimChat& chat)
      : chunks_(metaOf(reply), chat.include_usage, chat.include_obfuscation),
        include_usage_(chat.include_usage) {}

  std::string start(const SimReply&) override { return sseEvent(chunks_.role()); }
  std::string text(std::string_view piece) override { return sseEvent(chunks_.content(piece)); }
  std::string toolCall(const SimToolCall& call) override { return chunks_.toolCall(call); }
  std::string finish(const SimReply& reply) override {
    std::string tail = sseEvent(chunks_.finish(finishReasonOf(reply.finish)));
    if (include_usage_) tail += sseEvent(chunks_.usage(usageOf(reply)));
    tail += kSseDone;
    return tail;
  }
  std::string malformed() override { return "data: {not json\n\n"; }

 private:
  StreamChunks chunks_;
  bool include_usage_;
};

class OpenAiDialect final : public SimDialect {
 public:
  std::string_view name() const override { return "openai"; }

  boost::system::result<SimChat, SimError> parse(const boost::json::value& body,
                                                   std::string_view path) const override {
    auto parsed = parseChatRequest(body);
    if (!parsed) return toSimError(parsed.error(), 400);
    SimChat chat;
    chat.model = parsed->model;
    // Azure names the deployment in the path; the body's model is optional there.
    constexpr std::string_view kDeployments = "/openai/deployments/";
    if (path.starts_with(kDeployments) && chat.model.empty()) {
      const auto rest = path.substr(kDeployments.size());
      chat.model = std::string(rest.substr(0, rest.find('/')));
    }
    chat.stream = parsed->stream;
    chat.include_usage = parsed->include_usage;
    chat.include_obfuscation = parsed->include_obfuscation;
    chat.max_tokens = parsed->max_tokens;
    chat.last_user_text = parsed->last_user_text;
    chat.prompt_tokens = parsed->prompt_tokens;
    chat.first_tool_name = parsed->first_tool_name;
    chat.last_turn_is_tool_result = parsed->last_turn_is_tool_result;
    chat.tool_result_text = parsed->tool_result_text;
    chat.prefill_text = parsed->prefill_text;
    chat.question = parsed->question;
    chat.question_is_tool_result = parsed->question_is_tool_result;
    return chat;
  }

  std::string newId(std::mt19937_64& random) const override { return newCompletionId(random); }

  std::string completion(const SimReply& reply) const override {
    std::string content;
    for (const auto& word : reply.words) content += word;
    return completionJson(metaOf(reply), content, finishReasonOf(reply.finish),
                          usageOf(reply),
                          reply.tool_call ? &*reply.tool_call : nullptr);
  }

  std::string_view streamContentType() const override { return "text/event-stream; charset=utf-8"; }

  std::unique_ptr<SimStream> stream(const SimReply& reply, const SimChat& chat) const override {
    return std::make_unique<OpenAiStream>(reply, chat);
  }

  std::string errorBody(const SimError& error) const override {
    return errorJson(ErrorInfo{error.message, error.type,
                               error.param.empty() ? std::nullopt : std::optional<std::string>(error.param),
                               error.code.empty() ? std::nullopt : std::optional<std::string>(error.code)});
  }

  SimError errorForStatus(unsigned status, std::string_view model) const override {
    return toSimError(sim::errorForStatus(status, model), status);
  }

  SimError invalidJson() const override { return toSimError(invalidJsonError(), 400); }
};

}  // namespace

const SimDialect& openAiDialect() {
  static const OpenAiDialect dialect;
  return dialect;
}

}  // namespace switchyard::sim

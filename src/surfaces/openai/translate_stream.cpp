// Canonical stream events rendered as OpenAI's chat.completion.chunk server-sent events.
//
// The shape follows what api.openai.com streams: a first chunk announcing the assistant role, one
// chunk per text or tool-call fragment, a chunk with an empty delta and the finish_reason, then (with
// stream_options.include_usage) a chunk with no choices and the usage, and `data: [DONE]`. With
// include_usage every other chunk carries "usage":null, as OpenAI's do.
#include "canonical/json_writer.h"
#include "surfaces/openai/translate.h"
#include "surfaces/openai/translate_wire.h"

namespace switchyard::surfaces::openai {
namespace {

using canonical::appendInt;
using canonical::appendQuoted;
using canonical::EventType;

class ChunkEncoder final : public canonical::StreamEncoder {
 public:
  explicit ChunkEncoder(bool include_usage) : include_usage_(include_usage) {}

  void encode(const canonical::StreamEvent& event, std::string& out) override {
    if (event.type == EventType::Start) {
      if (!started_) start(event.id, event.name, out);
      return;
    }
    if (!started_) start({}, {}, out);
    switch (event.type) {
      case EventType::Start:
        break;
      case EventType::TextDelta: {
        std::string delta = R"({"content":)";
        appendQuoted(delta, event.text);
        delta.push_back('}');
        appendChunk(delta, {}, out);
        break;
      }
      case EventType::ToolCallStart: {
        std::string delta = R"({"tool_calls":[{"index":)";
        appendInt(delta, event.index);
        delta.append(R"(,"id":)");
        appendQuoted(delta,
                     event.id.empty() ? wire::randomId("call_", wire::kToolCallIdLength) : std::string(event.id));
        delta.append(R"(,"type":"function","function":{"name":)");
        appendQuoted(delta, event.name);
        delta.append(R"(,"arguments":""}}]})");
        appendChunk(delta, {}, out);
        break;
      }
      case EventType::ToolCallDelta: {
        std::string delta = R"({"tool_calls":[{"index":)";
        appendInt(delta, event.index);
        delta.append(R"(,"function":{"arguments":)");
        appendQuoted(delta, event.text);
        delta.append("}}]}");
        appendChunk(delta, {}, out);
        break;
      }
      case EventType::Finish:
        appendChunk("{}", wire::finishReasonName(event.finish), out);
        break;
      case EventType::Usage:
        usage_ = event.usage;  // written last, in its own chunk
        break;
    }
  }

  void setIncludeUsage(bool include) override { include_usage_ = include; }

  void finish(std::string& out) override {
    if (!started_) start({}, {}, out);
    if (include_usage_) {
      appendHeader(out);
      out.append(R"("choices":[],"usage":)");
      wire::appendUsage(out, usage_);
      out.append("}\n\n");
    }
    out.append("data: [DONE]\n\n");
  }

  void fail(const canonical::Error& error, std::string& out) override {
    out.append("data: ").append(renderErrorBody(error)).append("\n\n");
  }

 private:
  void start(std::string_view id, std::string_view model, std::string& out) {
    started_ = true;
    // Every chunk repeats the id, creation time and model: written once, reused.
    prefix_ = R"(data: {"id":)";
    appendQuoted(prefix_, id.empty() ? wire::randomId("chatcmpl-", wire::kCompletionIdLength) : std::string(id));
    prefix_.append(R"(,"object":"chat.completion.chunk","created":)");
    appendInt(prefix_, wire::nowSeconds());
    prefix_.append(R"(,"model":)");
    appendQuoted(prefix_, model);
    prefix_.append(R"(,"service_tier":"default","system_fingerprint":null,)");
    appendChunk(R"({"role":"assistant","content":"","refusal":null})", {}, out);
  }

  void appendHeader(std::string& out) const { out.append(prefix_); }

  void appendChunk(std::string_view delta, std::string_view finish_reason, std::string& out) const {
    appendHeader(out);
    out.append(R"("choices":[{"index":0,"delta":)").append(delta).append(R"(,"logprobs":null,"finish_reason":)");
    if (finish_reason.empty())
      out.append("null");
    else
      appendQuoted(out, finish_reason);
    out.append("}]");
    if (include_usage_) out.append(R"(,"usage":null)");
    out.append("}\n\n");
  }

  bool include_usage_;
  bool started_ = false;
  std::string prefix_;
  canonical::Usage usage_;
};

}  // namespace

std::unique_ptr<canonical::StreamEncoder> makeStreamEncoder(bool include_usage) {
  return std::make_unique<ChunkEncoder>(include_usage);
}

}  // namespace switchyard::surfaces::openai

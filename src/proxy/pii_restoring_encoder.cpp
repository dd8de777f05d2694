#include "proxy/pii_restoring_encoder.h"

namespace switchyard::proxy {

using canonical::EventType;

PiiRestoringEncoder::PiiRestoringEncoder(std::unique_ptr<canonical::StreamEncoder> inner,
                                         const policy::PiiRestorer& restorer)
    : inner_(std::move(inner)), restorer_(restorer), text_(restorer) {}

void PiiRestoringEncoder::encode(const canonical::StreamEvent& event, std::string& out) {
  switch (event.type) {
    case EventType::TextDelta: {
      const std::string text = text_.feed(event.text);
      if (text.empty()) return;
      canonical::StreamEvent restored = event;
      restored.text = text;
      inner_->encode(restored, out);
      return;
    }
    case EventType::ToolCallStart:
      releaseText(out);
      inner_->encode(event, out);
      return;
    case EventType::ToolCallDelta: {
      auto it = tools_.try_emplace(event.index, restorer_).first;
      const std::string arguments = it->second.feed(event.text);
      if (arguments.empty()) return;
      canonical::StreamEvent restored = event;
      restored.text = arguments;
      inner_->encode(restored, out);
      return;
    }
    case EventType::Finish:
      releaseText(out);
      releaseTools(out);
      inner_->encode(event, out);
      return;
    default:
      inner_->encode(event, out);
      return;
  }
}

void PiiRestoringEncoder::releaseText(std::string& out) {
  const std::string held = text_.finish();
  if (held.empty()) return;
  canonical::StreamEvent event;
  event.type = EventType::TextDelta;
  event.text = held;
  inner_->encode(event, out);
}

void PiiRestoringEncoder::releaseTools(std::string& out) {
  for (auto& [index, restorer] : tools_) {
    const std::string held = restorer.finish();
    if (held.empty()) continue;
    canonical::StreamEvent event;
    event.type = EventType::ToolCallDelta;
    event.index = index;
    event.text = held;
    inner_->encode(event, out);
  }
}

void PiiRestoringEncoder::finish(std::string& out) {
  releaseText(out);
  releaseTools(out);
  inner_->finish(out);
}

void PiiRestoringEncoder::fail(const canonical::Error& error, std::string& out) {
  // What was held is part of the answer the client got so far.
  releaseText(out);
  releaseTools(out);
  inner_->fail(error, out);
}

}  // namespace switchyard::proxy

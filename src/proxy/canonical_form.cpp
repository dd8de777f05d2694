#include "proxy/canonical_form.h"

#include "surfaces/anthropic/messages.h"
#include "surfaces/openai/translate.h"

namespace switchyard::proxy {

const canonical::ChatRequest* CanonicalForm::get() {
  if (!parsed_) {
    parsed_ = std::make_unique<Parsed>();
    canonical::Arena& arena = parsed_->arena;
    auto& request = parsed_->request.emplace(arena);
    const auto error = surface_ == canonical::Dialect::Anthropic
                           ? surfaces::anthropic::parseMessagesRequest(body_, arena, request)
                           : surfaces::openai::parseChatCompletion(body_, arena, request);
    if (error) {
      parsed_->error = *error;
      parsed_->request.reset();
    }
  }
  return parsed_->request ? &*parsed_->request : nullptr;
}

}  // namespace switchyard::proxy

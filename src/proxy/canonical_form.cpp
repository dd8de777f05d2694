#include "proxy/canonical_form.h"

#include "surfaces/anthropic/messages.h"
#include "surfaces/openai/translate.h"

namespace switchyard::proxy {

const canonical::ChatRequest* CanonicalForm::get() {
  if (!parsed_) {
    parsed_ = true;
    arena_.emplace();
    request_.emplace(*arena_);
    const auto error = surface_ == canonical::Dialect::Anthropic
                           ? surfaces::anthropic::parseMessagesRequest(body_, *arena_, *request_)
                           : surfaces::openai::parseChatCompletion(body_, *arena_, *request_);
    if (error) {
      error_ = *error;
      request_.reset();
    }
  }
  return request_ ? &*request_ : nullptr;
}

}  // namespace switchyard::proxy

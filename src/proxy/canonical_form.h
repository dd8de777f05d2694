#pragma once
// The client's request in canonical form, parsed at most once and only when a target of another API
// needs it (the same-API path forwards the body as it is and never builds it). A request that has
// none (a field the translation would have to drop or refuse) is not the client's mistake while a
// same-API target can carry it: only the targets that need the form are skipped.
#include <memory>
#include <optional>
#include <string_view>

#include "canonical/arena.h"
#include "canonical/chat.h"

namespace switchyard::proxy {

class CanonicalForm {
 public:
  CanonicalForm(canonical::Dialect surface, std::string_view body) : surface_(surface), body_(body) {}
  // The canonical request, or null when the client's request has none.
  const canonical::ChatRequest* get();
  // Why there is no canonical form (after get() returned null); its views live on the arena.
  const canonical::Error& error() const { return *parsed_->error; }
  canonical::Arena& arena() { return parsed_->arena; }

 private:
  // On the heap, and only once parsed: a forwarded request never pays for it, and a request's
  // coroutine frame (which holds this object for the request's whole life) stays small.
  struct Parsed {
    canonical::Arena arena;
    std::optional<canonical::ChatRequest> request;
    std::optional<canonical::Error> error;
  };
  canonical::Dialect surface_;
  std::string_view body_;
  std::unique_ptr<Parsed> parsed_;
};

}  // namespace switchyard::proxy

#pragma once
// The client's request in canonical form, parsed at most once and only when a target of another API
// needs it (the same-API path forwards the body as it is and never builds it). A request that has
// none (a field the translation would have to drop or refuse) is not the client's mistake while a
// same-API target can carry it: only the targets that need the form are skipped.
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
  const canonical::Error& error() const { return *error_; }
  canonical::Arena& arena() { return *arena_; }

 private:
  canonical::Dialect surface_;
  std::string_view body_;
  bool parsed_ = false;
  std::optional<canonical::Arena> arena_;
  std::optional<canonical::ChatRequest> request_;
  std::optional<canonical::Error> error_;
};

}  // namespace switchyard::proxy

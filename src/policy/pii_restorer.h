#pragma once
// Puts redacted values back into the answer, so the user sees them and the provider never did.
// Only the placeholders of this request's mapping (PiiRedactor::mapping()) are replaced: text that
// merely looks like one ("[EMAIL_9]" the model made up, "[NOTE_1]" the user wrote) stays as is.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace switchyard::policy {

class PiiRestorer final {
 public:
  explicit PiiRestorer(const std::vector<std::pair<std::string, std::string>>& mapping);

  bool empty() const { return values_.empty(); }

  // Plain text: a decoded message, a text delta.
  void restore(std::string& text) const;

  // A JSON document (a whole answer body, one SSE event's data): each value is inserted
  // JSON-escaped, as it sits inside a JSON string. A placeholder needs no escaping itself, so it
  // appears verbatim in the document. Not escaped twice: a placeholder inside a JSON string that is
  // itself inside a JSON string (tool call arguments) gets a value escaped once, which is right for
  // values without '"', '\' or control characters (every built-in kind).
  void restoreJson(std::string& json) const;

 private:
  friend class PiiStreamRestorer;
  void replace(std::string& text, bool json) const;
  // Where the held-back suffix of `text` starts: the last '[' when what follows it is a proper
  // prefix of a placeholder, text.size() otherwise.
  std::size_t holdFrom(std::string_view text) const;

  std::unordered_map<std::string, std::string> values_;  // placeholder -> value
  std::vector<std::string> sorted_;                      // placeholders, for prefix queries
};

// Restores a stream of text deltas. A placeholder can be split across deltas ("[EMA" + "IL_1]"):
// feed() holds back a suffix that could still become one (a '[' followed by a proper prefix of a
// placeholder, so at most the longest placeholder's length) and returns what can be shown now,
// restored; finish() returns what is still held, as is. The restorer must outlive it.
class PiiStreamRestorer final {
 public:
  explicit PiiStreamRestorer(const PiiRestorer& restorer);
  std::string feed(std::string_view delta);  // may return "" while holding back
  std::string finish();

 private:
  const PiiRestorer& restorer_;
  std::string held_;
};

}  // namespace switchyard::policy

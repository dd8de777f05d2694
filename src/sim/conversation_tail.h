#pragma once
// Follows a conversation's turns in order to find what the prefill modes act on (SimChat's
// prefill_text, question, question_is_tool_result). Every dialect feeds it the same way, so that
// "a continuation" means the same thing whatever the wire format.
#include <string>
#include <string_view>

namespace switchyard::sim {

class ConversationTail {
 public:
  void user(std::string_view text) {
    push(Kind::User);
    user_text_ = text;
  }
  void toolResult(std::string_view text) {
    push(Kind::ToolResult);
    tool_text_ = text;
  }
  void assistant(std::string_view text) {
    // What this turn answered: a model that restarts answers it again.
    asked_tool_result_ = last_ == Kind::ToolResult;
    asked_text_ = asked_tool_result_ ? tool_text_ : user_text_;
    push(Kind::Assistant);
    assistant_text_ = text;
  }
  // A turn that is neither (OpenAI's system or developer messages).
  void other() { push(Kind::Other); }

  // A trailing assistant turn is a prefill; it, or an assistant turn followed by one user text
  // turn (a "continue where you stopped" instruction), makes a continuation request. `Chat` is
  // SimChat, or a dialect's own parse result with the same three fields.
  template <class Chat>
  void fill(Chat& chat) const {
    const bool prefill = last_ == Kind::Assistant;
    if (!prefill && !(last_ == Kind::User && before_last_ == Kind::Assistant)) return;
    if (prefill) chat.prefill_text = assistant_text_;
    chat.question = asked_text_;
    chat.question_is_tool_result = asked_tool_result_;
  }

 private:
  enum class Kind { None, User, ToolResult, Assistant, Other };
  void push(Kind kind) {
    before_last_ = last_;
    last_ = kind;
  }

  Kind last_ = Kind::None;
  Kind before_last_ = Kind::None;
  std::string user_text_;   // the latest user text turn's
  std::string tool_text_;   // the latest tool result's
  std::string asked_text_;  // what the latest assistant turn answered
  bool asked_tool_result_ = false;
  std::string assistant_text_;
};

}  // namespace switchyard::sim

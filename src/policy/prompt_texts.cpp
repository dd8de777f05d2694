#include "policy/prompt_texts.h"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace switchyard::policy {
namespace {

namespace json = boost::json;
using Fn = std::function<void(json::string&)>;

class Walker {
 public:
  explicit Walker(const Fn& fn) : fn_(fn) {}
  std::size_t visited() const { return visited_; }

  void text(json::value& v) {
    if (auto* s = v.if_string()) {
      fn_(*s);
      ++visited_;
    }
  }

  // Content: a string, or an array of strings, parts, blocks or input items.
  void content(json::value& v) {
    if (v.is_string()) {
      text(v);
    } else if (auto* array = v.if_array()) {
      for (json::value& item : *array) content(item);
    } else if (auto* object = v.if_object()) {
      part(*object);
    }
  }

  // A part, block or Responses input item. Keys that are not listed are structural or binary.
  void part(json::object& o) {
    if (isThinking(o)) return;
    if (auto* v = o.if_contains("text")) text(*v);
    if (auto* v = o.if_contains("content")) content(*v);     // tool_result, Responses message
    if (auto* v = o.if_contains("output")) content(*v);      // Responses function_call_output
    if (auto* v = o.if_contains("arguments")) text(*v);      // Responses function_call
    if (auto* v = o.if_contains("input")) stringValues(*v);  // Anthropic tool_use
    if (auto* v = o.if_contains("source"); v && v->is_object()) {
      // Anthropic document block with a plain-text source; base64 and URL sources are binary.
      json::object& source = v->get_object();
      const json::value* type = source.if_contains("type");
      if (type && type->is_string() && type->get_string() == "text")
        if (auto* data = source.if_contains("data")) text(*data);
    }
  }

  void message(json::object& m) {
    if (auto* v = m.if_contains("content")) content(*v);
    if (auto* calls = m.if_contains("tool_calls"); calls && calls->is_array()) {
      for (json::value& call : calls->get_array())
        if (auto* function = functionOf(call))
          if (auto* args = function->if_contains("arguments")) text(*args);
    }
    if (auto* legacy = m.if_contains("function_call"); legacy && legacy->is_object())
      if (auto* args = legacy->get_object().if_contains("arguments")) text(*args);
  }

  // Every string value of a JSON value (not object keys): tool_use input is the model's own call
  // being sent back, and any of its values may quote the user.
  void stringValues(json::value& v) {
    if (v.is_string()) {
      text(v);
    } else if (auto* array = v.if_array()) {
      for (json::value& item : *array) stringValues(item);
    } else if (auto* object = v.if_object()) {
      for (auto& entry : *object) stringValues(entry.value());
    }
  }

 private:
  static bool isThinking(const json::object& o) {
    const json::value* type = o.if_contains("type");
    return type && type->is_string() &&
           (type->get_string() == "thinking" || type->get_string() == "redacted_thinking");
  }
  static json::object* functionOf(json::value& call) {
    if (!call.is_object()) return nullptr;
    json::value* function = call.get_object().if_contains("function");
    return function && function->is_object() ? &function->get_object() : nullptr;
  }

  const Fn& fn_;
  std::size_t visited_ = 0;
};

}  // namespace

std::size_t forEachPromptText(json::object& body, const Fn& fn) {
  Walker walker(fn);
  if (auto* system = body.if_contains("system")) walker.content(*system);
  if (auto* messages = body.if_contains("messages"); messages && messages->is_array()) {
    for (json::value& m : messages->get_array())
      if (m.is_object()) walker.message(m.get_object());
  }
  for (const char* key : {"prompt", "input", "instructions"})
    if (auto* v = body.if_contains(key)) walker.content(*v);
  return walker.visited();
}

}  // namespace switchyard::policy

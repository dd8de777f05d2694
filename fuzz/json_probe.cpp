// The body probe: validates a client's JSON and reads `model` and `stream` without building a
// document (canonical/json_probe), the OpenAI fast path's request check built on it, and the byte
// span that lets the gateway splice another model name in. Differential oracle: the probe accepts
// exactly what Boost.JSON's full parser accepts at the same depth limit, and so does the answer
// validator (canonical/json_validate).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/parse.hpp>

#include "canonical/json_probe.h"
#include "canonical/json_scan.h"
#include "canonical/json_validate.h"
#include "fuzz_support.h"
#include "surfaces/openai/chat_request.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzzing::asView(data, size);
  static constexpr std::array<std::string_view, 3> kKeys{"model", "stream", "messages"};
  std::array<canonical::ProbedMember, 3> members;
  const canonical::JsonProbe probe = canonical::probeJson(body, kKeys, members);

  boost::json::parse_options options;
  options.max_depth = canonical::kMaxJsonDepth;
  boost::system::error_code ec;
  const boost::json::value document = boost::json::parse(body, ec, {}, options);
  if (probe.valid != !ec) fuzzing::fail("probe and parser disagree on validity", body);
  if (canonical::isValidJson(body) != !ec) fuzzing::fail("validator and parser disagree on validity", body);
  // The probe's one pass reads what the reference (Boost.JSON's SAX parser) reads.
  std::array<canonical::ProbedMember, 3> reference;
  const canonical::JsonProbe expected = canonical::probeJsonWithBoost(body, kKeys, reference);
  if (expected.valid != probe.valid || expected.is_object != probe.is_object) {
    fuzzing::fail("probe and its reference disagree", body);
  }
  for (std::size_t i = 0; probe.valid && i < kKeys.size(); ++i) {
    const auto& got = members[i];
    const auto& want = reference[i];
    if (got.kind != want.kind || (got.kind == canonical::JsonKind::String && got.string_value != want.string_value) ||
        (got.kind == canonical::JsonKind::Bool && got.bool_value != want.bool_value) ||
        (got.kind == canonical::JsonKind::Number && got.int_value != want.int_value)) {
      fuzzing::fail("probe and its reference disagree on a member", body);
    }
  }
  if (probe.valid) {
    if (probe.is_object != document.is_object()) fuzzing::fail("probe and parser disagree on the type", body);
    if (document.is_object()) {
      const auto& object = document.as_object();
      for (std::size_t i = 0; i < kKeys.size(); ++i) {
        const auto* value = object.if_contains(kKeys[i]);
        if ((value != nullptr) != (members[i].kind != canonical::JsonKind::Absent)) {
          fuzzing::fail("probe and parser disagree on a member's presence", body);
        }
        if (value != nullptr && value->is_string() &&
            (members[i].kind != canonical::JsonKind::String || members[i].string_value != value->get_string())) {
          fuzzing::fail("probe and parser disagree on a string member", body);
        }
      }
    }
  }

  const auto parsed = surfaces::openai::parseChatRequest(body);
  if (const auto* request = std::get_if<surfaces::openai::ChatRequest>(&parsed)) {
    // The span is where the splice writes: it must hold the model's JSON string.
    const auto span = request->model_span;
    if (span.begin > span.end || span.end > body.size()) fuzzing::fail("model span out of the body", body);
    const boost::json::value model = boost::json::parse(body.substr(span.begin, span.end - span.begin), ec);
    if (ec || !model.is_string() || model.get_string() != request->model) {
      fuzzing::fail("model span does not hold the model", body);
    }
    std::string spliced(body.substr(0, span.begin));
    spliced += canonical::jsonQuote("upstream-model");
    spliced += body.substr(span.end);
    fuzzing::expectJson(spliced, "spliced body is not JSON");
  }
  return 0;
}

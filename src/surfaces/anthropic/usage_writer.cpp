#include "surfaces/anthropic/usage_writer.h"

#include "canonical/json_writer.h"
#include "surfaces/anthropic/wire.h"

namespace switchyard::surfaces::anthropic {

using canonical::appendInt;

namespace {

void appendInputFields(const canonical::Usage& usage, std::string& out) {
  out.append(R"({"input_tokens":)");
  appendInt(out, uncachedInputTokens(usage));
  out.append(R"(,"cache_creation_input_tokens":)");
  appendInt(out, usage.cache_write_tokens);
  out.append(R"(,"cache_read_input_tokens":)");
  appendInt(out, usage.cache_read_tokens);
}

}  // namespace

void appendMessageUsage(const canonical::Usage& usage, std::string& out) {
  appendInputFields(usage, out);
  out.append(R"(,"cache_creation":{"ephemeral_5m_input_tokens":)");
  appendInt(out, usage.cache_write_tokens);
  out.append(R"(,"ephemeral_1h_input_tokens":0},"output_tokens":)");
  appendInt(out, usage.output_tokens);
  out.append(R"(,"service_tier":"standard"})");
}

void appendDeltaUsage(const canonical::Usage& usage, std::string& out) {
  appendInputFields(usage, out);
  out.append(R"(,"output_tokens":)");
  appendInt(out, usage.output_tokens);
  out.push_back('}');
}

}  // namespace switchyard::surfaces::anthropic

#pragma once
// What every wire format's tests share: golden files (in SY_GOLDEN_DIR, set per test binary) and the
// wire-neutral name of a finish reason for readable expectations.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "canonical/chat.h"

namespace switchyard::unit_testing {

inline std::string readGolden(std::string_view name) {
  std::ifstream in(std::string(SY_GOLDEN_DIR) + "/" + std::string(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing golden file " << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string_view finishName(canonical::FinishReason finish) {
  switch (finish) {
    case canonical::FinishReason::EndTurn: return "end_turn";
    case canonical::FinishReason::StopSequence: return "stop_sequence";
    case canonical::FinishReason::MaxTokens: return "max_tokens";
    case canonical::FinishReason::ToolUse: return "tool_use";
    case canonical::FinishReason::ContentFilter: return "content_filter";
  }
  return "unknown";
}

}  // namespace switchyard::unit_testing

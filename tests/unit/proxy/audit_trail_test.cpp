#include "proxy/audit_trail.h"

#include <climits>
#include <cstdint>
#include <string>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace switchyard::proxy {
namespace {

// The record is written into storage sized beforehand for its worst case: every member must come
// out whole and escaped, however long or odd the strings.
TEST(AuditTrail, RecordIsOneJsonObjectWithEveryMemberEscaped) {
  const std::string request_id = "req-\"1\"";
  AuditTrail trail(request_id, canonical::Dialect::OpenAi, "chat.completions");
  trail.route("bench\nroute");
  trail.stream(true);
  const std::string control(600, '\x01');  // each byte becomes \u0001: six times as long
  trail.skipped("a/one", "skipped_policy", "data class \"phi\" not allowed\t" + control);
  canonical::Usage usage;
  usage.input_tokens = 24;
  usage.output_tokens = 19;
  trail.tried("b/two", 1, "ok", 200, false, false, &usage, 15'000);
  trail.tried("c/three", 2, "timeout", 0, true, true);
  trail.spent(15'000, 43);
  const store::AuditRecord record = store::copyOf(trail.finish("failed_over", 200, "b/two", "c/three", 2, "detail\\x"));

  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(record.json, ec);
  ASSERT_FALSE(ec) << record.json;
  const auto& object = parsed.as_object();
  EXPECT_EQ(object.at("request_id").as_string(), request_id);
  EXPECT_EQ(object.at("route").as_string(), "bench\nroute");
  EXPECT_EQ(object.at("key_id"), nullptr);
  EXPECT_EQ(object.at("stream").as_bool(), true);
  EXPECT_EQ(object.at("status").as_int64(), 200);
  EXPECT_EQ(object.at("outcome").as_string(), "failed_over");
  EXPECT_EQ(object.at("continued_by").as_string(), "c/three");
  EXPECT_EQ(object.at("detail").as_string(), "detail\\x");
  EXPECT_DOUBLE_EQ(object.at("cost_usd").to_number<double>(), 0.000015);
  EXPECT_EQ(object.at("tokens").as_int64(), 43);
  const auto& targets = object.at("targets").as_array();
  ASSERT_EQ(targets.size(), 3U);
  EXPECT_EQ(targets[0].at("reason").as_string(), "data class \"phi\" not allowed\t" + control);
  EXPECT_EQ(targets[1].at("usage").at("output_tokens").as_int64(), 19);
  EXPECT_EQ(targets[2].at("hedge").as_bool(), true);
  EXPECT_EQ(targets[2].at("continuation").as_bool(), true);
  EXPECT_GE(object.at("latency_ms").to_number<double>(), 0.0);
  EXPECT_EQ(record.request_id, request_id);
  EXPECT_EQ(record.outcome, "failed_over");
}

// The storage is sized from the strings and a fixed allowance per target for keys and numbers: the
// widest numbers (every count at INT64_MAX, the largest cost) and every flag on many targets must
// still fit (a sanitizer build catches a write past it).
TEST(AuditTrail, RecordWithTheWidestNumbersOnManyTargetsFitsItsStorage) {
  AuditTrail trail("r", canonical::Dialect::Anthropic, "messages");
  canonical::Usage usage;
  usage.input_tokens = INT64_MAX;
  usage.output_tokens = INT64_MAX;
  usage.cache_read_tokens = INT64_MAX;
  usage.reasoning_tokens = INT64_MAX;
  for (int i = 0; i < 40; ++i) {
    trail.tried("t", INT32_MAX, "upstream_status", 599, true, true, &usage, INT64_MAX, true);
  }
  trail.spent(INT64_MAX, INT64_MAX);
  const store::AuditRecord record = store::copyOf(trail.finish("incomplete", 502, "", "", INT32_MAX));
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(record.json, ec);
  ASSERT_FALSE(ec) << record.json;
  EXPECT_EQ(parsed.at("targets").as_array().size(), 40U);
  EXPECT_EQ(parsed.at("tokens").as_int64(), INT64_MAX);
}

// Records are rendered in storage the thread keeps between requests: a small record after a large
// one holds only its own text, at its own size, and a record too large to keep storage for (a
// reason of 20,000 control bytes, 120 KB escaped) is written whole in storage of its own.
TEST(AuditTrail, EachRecordHoldsOnlyItsOwnTextWhateverCameBeforeOnTheThread) {
  const std::string control(20'000, '\x02');
  AuditTrail large("large", canonical::Dialect::OpenAi, "chat.completions");
  large.skipped("a/one", "skipped_policy", control);
  const store::AuditRecord first = store::copyOf(large.finish("refused", 403, "", "", 0, "policy"));
  boost::system::error_code ec;
  const boost::json::value first_parsed = boost::json::parse(first.json, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(first_parsed.at("targets").as_array()[0].at("reason").as_string(), control);

  // Twice: after the large record, and after a small one.
  for (int round = 0; round < 2; ++round) {
    AuditTrail small("small", canonical::Dialect::OpenAi, "chat.completions");
    small.route("r");
    const store::AuditRecord record = store::copyOf(small.finish("ok", 200, "a/one", "", 1));
    const boost::json::value parsed = boost::json::parse(record.json, ec);
    ASSERT_FALSE(ec) << record.json;
    EXPECT_EQ(parsed.at("request_id").as_string(), "small");
    EXPECT_EQ(parsed.at("route").as_string(), "r");
    EXPECT_TRUE(parsed.at("targets").as_array().empty());
    EXPECT_LT(record.json.size(), 512U) << record.json;
  }
}

}  // namespace
}  // namespace switchyard::proxy

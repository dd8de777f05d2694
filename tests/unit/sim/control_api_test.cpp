#include "sim/control_api.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace switchyard::sim {
namespace {

namespace json = boost::json;

TEST(ControlApi, QueuedFaultsAreTakenInOrderThenNormal) {
  SimState state("sim");
  const auto answer = handleControl(
      "POST", "/_sim/faults", R"({"faults":[{"status":503},{"reset":true}],"loop":false})", state);
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, R"({"queued":2,"loop":false})");
  EXPECT_EQ(state.faults.next()->status, 503u);
  EXPECT_TRUE(state.faults.next()->reset);
  EXPECT_FALSE(state.faults.next());
}

TEST(ControlApi, LoopDefaultsToFalseAndCanBeSet) {
  SimState state("sim");
  handleControl("POST", "/_sim/faults", R"({"faults":[{"status":500}]})", state);
  EXPECT_FALSE(state.faults.loop());
  handleControl("POST", "/_sim/faults", R"({"faults":[{"status":500}],"loop":true})", state);
  EXPECT_TRUE(state.faults.loop());
}

TEST(ControlApi, GetFaultsShowsWhatIsQueued) {
  SimState state("sim");
  handleControl("POST", "/_sim/faults", R"({"faults":[{"status":429,"retry_after":"1"},{}]})", state);
  EXPECT_EQ(handleControl("GET", "/_sim/faults", "", state).body,
            R"({"faults":[{"status":429,"retry_after":"1"},{}],"loop":false})");
}

TEST(ControlApi, DeleteFaultsClearsTheQueue) {
  SimState state("sim");
  handleControl("POST", "/_sim/faults", R"({"faults":[{"status":500}],"loop":true})", state);
  EXPECT_EQ(handleControl("DELETE", "/_sim/faults", "", state).status, 200u);
  EXPECT_FALSE(state.faults.next());
}

TEST(ControlApi, BadFaultListIsA400NamingTheFault) {
  SimState state("sim");
  const auto typo =
      handleControl("POST", "/_sim/faults", R"({"faults":[{"status":500},{"hnag":true}]})", state);
  EXPECT_EQ(typo.status, 400u);
  EXPECT_NE(typo.body.find("faults[1]"), std::string::npos);
  EXPECT_EQ(handleControl("POST", "/_sim/faults", "{", state).status, 400u);
  EXPECT_EQ(handleControl("POST", "/_sim/faults", R"({"faults":{}})", state).status, 400u);
  EXPECT_EQ(handleControl("POST", "/_sim/faults", R"({"faults":[],"loop":1})", state).status, 400u);
  // A rejected list leaves the previous queue alone.
  handleControl("POST", "/_sim/faults", R"({"faults":[{"status":502}]})", state);
  handleControl("POST", "/_sim/faults", R"({"faults":[{"nope":1}]})", state);
  EXPECT_EQ(state.faults.next()->status, 502u);
}

TEST(ControlApi, RequestsAreListedAndCleared) {
  SimState state("sim");
  state.requests.record(RecordedRequest{"POST", "/v1/chat/completions", {}, "{}"});
  const auto listed = handleControl("GET", "/_sim/requests", "", state);
  EXPECT_EQ(json::parse(listed.body).at("requests").as_array().size(), 1u);
  handleControl("DELETE", "/_sim/requests", "", state);
  EXPECT_EQ(state.requests.size(), 0u);
}

TEST(ControlApi, StatsReportCounters) {
  SimState state("sim");
  state.stats.chat_requests = 4;
  state.stats.faults_served = 1;
  EXPECT_EQ(handleControl("GET", "/_sim/stats", "", state).body,
            R"({"chat_requests":4,"faults_served":1})");
  handleControl("DELETE", "/_sim/stats", "", state);
  EXPECT_EQ(state.stats.chat_requests, 0u);
}

TEST(ControlApi, UnknownEndpointsAndMethodsAreJsonErrors) {
  SimState state("sim");
  const auto unknown = handleControl("GET", "/_sim/nope", "", state);
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_TRUE(json::parse(unknown.body).at("error").is_object());
  EXPECT_EQ(handleControl("PUT", "/_sim/stats", "", state).status, 405u);
}

TEST(ControlApi, HealthOverrideIsSetShownAndCleared) {
  SimState state("sim");
  EXPECT_FALSE(state.health);
  EXPECT_EQ(handleControl("GET", "/_sim/health", "", state).body, R"({"health":null})");
  const auto set = handleControl("POST", "/_sim/health", R"({"status":503})", state);
  EXPECT_EQ(set.status, 200u);
  EXPECT_EQ(set.body, R"({"health":{"status":503}})");
  ASSERT_TRUE(state.health);
  EXPECT_EQ(state.health->status, 503u);
  EXPECT_FALSE(state.health->reset);
  handleControl("POST", "/_sim/health", R"({"reset":true})", state);  // replaces, not merges
  EXPECT_EQ(handleControl("GET", "/_sim/health", "", state).body, R"({"health":{"reset":true}})");
  EXPECT_EQ(handleControl("DELETE", "/_sim/health", "", state).status, 200u);
  EXPECT_FALSE(state.health);
}

TEST(ControlApi, HealthOverrideNeverTouchesTheChatFaultQueue) {
  SimState state("sim");
  handleControl("POST", "/_sim/faults", R"({"faults":[{"status":500}]})", state);
  handleControl("POST", "/_sim/health", R"({"status":503})", state);
  handleControl("DELETE", "/_sim/health", "", state);
  EXPECT_EQ(state.faults.next()->status, 500u);
  handleControl("POST", "/_sim/health", R"({"status":429})", state);
  handleControl("DELETE", "/_sim/faults", "", state);
  EXPECT_EQ(state.health->status, 429u);
}

TEST(ControlApi, BadHealthOverrideIsA400AndKeepsThePreviousOne) {
  SimState state("sim");
  handleControl("POST", "/_sim/health", R"({"status":502})", state);
  for (const char* bad : {"{", "[]", "{}", R"({"status":"503"})", R"({"status":42})", R"({"status":600})",
                          R"({"reset":1})", R"({"reset":false})", R"({"stauts":503})"}) {
    EXPECT_EQ(handleControl("POST", "/_sim/health", bad, state).status, 400u) << bad;
  }
  EXPECT_EQ(state.health->status, 502u);
  EXPECT_EQ(handleControl("PUT", "/_sim/health", "", state).status, 405u);
}

TEST(ControlApi, UsageDetailsAreSetShownAndCleared) {
  SimState state("sim");
  EXPECT_EQ(handleControl("GET", "/_sim/usage", "", state).body, R"({"cached_input_tokens":0,"reasoning_tokens":0})");
  const auto set = handleControl("POST", "/_sim/usage", R"({"cached_input_tokens":4,"reasoning_tokens":2})", state);
  EXPECT_EQ(set.status, 200u);
  EXPECT_EQ(set.body, R"({"cached_input_tokens":4,"reasoning_tokens":2})");
  EXPECT_EQ(state.usage_details.cached_input_tokens, 4u);
  EXPECT_EQ(state.usage_details.reasoning_tokens, 2u);
  // A field left out is 0: the body replaces what was set.
  handleControl("POST", "/_sim/usage", R"({"reasoning_tokens":7})", state);
  EXPECT_EQ(state.usage_details.cached_input_tokens, 0u);
  EXPECT_EQ(state.usage_details.reasoning_tokens, 7u);
  for (const char* bad : {"{", "[]", R"({"cached_input_tokens":-1})", R"({"reasoning_tokens":"2"})",
                          R"({"cached_tokens":3})"}) {
    EXPECT_EQ(handleControl("POST", "/_sim/usage", bad, state).status, 400u) << bad;
  }
  EXPECT_EQ(state.usage_details.reasoning_tokens, 7u);
  EXPECT_EQ(handleControl("DELETE", "/_sim/usage", "", state).status, 200u);
  EXPECT_EQ(state.usage_details.reasoning_tokens, 0u);
  EXPECT_EQ(handleControl("PUT", "/_sim/usage", "", state).status, 405u);
}

TEST(ControlApi, OnlySimPathsAreControlTargets) {
  EXPECT_TRUE(isControlTarget("/_sim/faults"));
  EXPECT_FALSE(isControlTarget("/v1/chat/completions"));
  EXPECT_FALSE(isControlTarget("/_simulator"));
}

}  // namespace
}  // namespace switchyard::sim

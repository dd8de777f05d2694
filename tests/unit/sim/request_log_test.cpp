#include "sim/request_log.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace switchyard::sim {
namespace {

namespace json = boost::json;

RecordedRequest request(std::string target) {
  return RecordedRequest{"POST", std::move(target), {{"authorization", "Bearer k"}}, R"({"a":1})"};
}

TEST(RequestLog, RendersMethodTargetHeadersAndRawBody) {
  RequestLog log;
  log.record(request("/v1/chat/completions"));
  EXPECT_EQ(log.toJson(),
            R"({"requests":[{"method":"POST","target":"/v1/chat/completions",)"
            R"("headers":{"authorization":"Bearer k"},"body":"{\"a\":1}"}]})");
}

TEST(RequestLog, KeepsOnlyTheNewestUpToCapacity) {
  RequestLog log(3);
  for (int i = 0; i < 5; ++i) log.record(request("/" + std::to_string(i)));
  EXPECT_EQ(log.size(), 3u);
  const auto requests = json::parse(log.toJson()).at("requests").as_array();
  EXPECT_EQ(requests.at(0).at("target"), "/2");
  EXPECT_EQ(requests.at(2).at("target"), "/4");
}

TEST(RequestLog, DefaultCapacityIs200) {
  RequestLog log;
  for (int i = 0; i < 250; ++i) log.record(request("/"));
  EXPECT_EQ(log.size(), kRequestLogCapacity);
  EXPECT_EQ(kRequestLogCapacity, 200u);
}

TEST(RequestLog, RepeatedHeadersAreJoined) {
  RequestLog log;
  log.record(RecordedRequest{"GET", "/", {{"x-a", "1"}, {"x-b", "2"}, {"x-a", "3"}}, ""});
  const auto headers = json::parse(log.toJson()).at("requests").at(0).at("headers");
  EXPECT_EQ(headers.at("x-a"), "1, 3");
  EXPECT_EQ(headers.at("x-b"), "2");
}

TEST(RequestLog, ClearEmptiesTheLog) {
  RequestLog log;
  log.record(request("/"));
  log.clear();
  EXPECT_EQ(log.toJson(), R"({"requests":[]})");
}

}  // namespace
}  // namespace switchyard::sim

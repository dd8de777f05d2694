#include "http/response_writer.h"

#include <gtest/gtest.h>

namespace switchyard::http {
namespace {

TEST(ResponseHead, HasStatusLineAndFieldsButLeavesFramingToTheWriter) {
  beast::http::fields fields;
  fields.set(beast::http::field::content_type, "application/json");
  fields.set("x-switchyard-route", "chat");
  fields.set(beast::http::field::content_length, "999");
  fields.set(beast::http::field::connection, "close");
  std::string head;
  appendStatusLine(head, 11, Status::service_unavailable);
  appendHeaderLines(head, fields);
  EXPECT_EQ(head,
            "HTTP/1.1 503 Service Unavailable\r\n"
            "Content-Type: application/json\r\n"
            "x-switchyard-route: chat\r\n");
}

TEST(ResponseHead, SpeaksTheClientsVersion) {
  std::string head;
  appendStatusLine(head, 10, Status::ok);
  EXPECT_EQ(head, "HTTP/1.0 200 OK\r\n");
}

}  // namespace
}  // namespace switchyard::http

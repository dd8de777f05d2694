// `switchyard drill`: an outage drill on a running gateway, through its admin API.
#include <cstdlib>
#include <iostream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "app/commands.h"
#include "base/duration.h"
#include "base/executor.h"
#include "config/config.h"

namespace switchyard::app {

namespace {

namespace beast_http = boost::beast::http;

struct Answer {
  unsigned status = 0;
  std::string body;
};

// One blocking exchange with the gateway (a CLI, not an event loop).
Answer exchange(const std::string& host, std::uint16_t port, beast_http::verb method, const std::string& target,
                const std::string& body) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  TcpSocket socket(io);
  boost::asio::connect(socket, resolver.resolve(host, std::to_string(port)));
  beast_http::request<beast_http::string_body> request{method, target, 11};
  request.set(beast_http::field::host, host);
  request.set(beast_http::field::user_agent, "switchyard-drill");
  if (const char* key = std::getenv("SWITCHYARD_ADMIN_KEY"); key != nullptr && *key != '\0') {
    request.set(beast_http::field::authorization, std::string("Bearer ") + key);
  }
  if (!body.empty()) request.set(beast_http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  beast_http::write(socket, request);
  boost::beast::flat_buffer buffer;
  beast_http::response<beast_http::string_body> response;
  beast_http::read(socket, buffer, response);
  boost::system::error_code ignored;
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  return {response.result_int(), response.body()};
}

std::string percentEncoded(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      out += hex;
    }
  }
  return out;
}

}  // namespace

int runDrill(const std::string& config_path, const DrillOptions& options) {
  std::string host;
  std::uint16_t port = 0;
  try {
    const config::Config config = config::loadFile(config_path);
    host = config.listen_host == "0.0.0.0" ? "127.0.0.1" : config.listen_host == "::" ? "::1" : config.listen_host;
    port = config.listen_port;
  } catch (const std::exception& error) {
    std::cerr << error.what() << "\n";
    return 1;
  }
  const auto duration = base::parseDuration(options.duration);
  if (!options.end && (!duration || duration->count() <= 0)) {
    std::cerr << "switchyard drill: --duration must be a duration like 60s or 5m\n";
    return 2;
  }
  try {
    if (options.end) {
      const Answer answer = exchange(host, port, beast_http::verb::delete_, "/admin/drills/" + percentEncoded(options.target), "");
      std::cout << answer.body << "\n";
      return answer.status == 200 ? 0 : 1;
    }
    const std::string body = boost::json::serialize(
        boost::json::object{{"target", options.target}, {"duration", options.duration}});
    const Answer answer = exchange(host, port, beast_http::verb::post, "/admin/drills", body);
    std::cout << answer.body << "\n";
    if (answer.status != 201) return 1;
    if (!options.wait) return 0;
    const auto parsed = boost::json::parse(answer.body);
    const std::uint64_t incident = parsed.at("incident").to_number<std::uint64_t>();
    std::this_thread::sleep_for(*duration + std::chrono::milliseconds(500));
    const Answer report = exchange(host, port, beast_http::verb::get,
                                   "/admin/incidents/" + std::to_string(incident) + "/report", "");
    std::cout << report.body;
    return report.status == 200 ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "switchyard drill: " << host << ":" << port << ": " << error.what() << "\n";
    return 1;
  }
}

}  // namespace switchyard::app

#pragma once
// The gateway's HTTP front: dispatches each request to its endpoint (chat completions, models,
// health) on the worker that accepted it. One instance per worker; owns that worker's upstream
// connection pools.
#include <memory>
#include <random>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "http/client.h"
#include "http/server.h"
#include "proxy/gateway_state.h"

namespace switchyard::proxy {

class GatewayHandler final : public http::RequestHandler {
 public:
  GatewayHandler(const GatewayState& state, boost::asio::io_context& io);

  boost::asio::awaitable<void> handle(http::Request& request, http::ResponseWriter& writer) override;
  http::Response reject(http::Status status, std::string_view message, std::string_view target) override;

 private:
  boost::asio::awaitable<void> chatCompletions(http::Request& request, http::ResponseWriter& writer);
  http::Response models() const;
  http::Response model(const std::string& id) const;
  // 404 naming the known routes, for a `model` that is not one.
  http::Response unknownRoute(std::string_view name) const;

  const GatewayState& state_;
  boost::asio::io_context& io_;
  std::vector<std::unique_ptr<http::ClientPool>> pools_;  // per provider
  std::mt19937_64 random_;
};

// An OpenAI-shaped error response.
http::Response openAiError(http::Status status, std::string message, std::string code = {},
                           std::string param = {});

}  // namespace switchyard::proxy

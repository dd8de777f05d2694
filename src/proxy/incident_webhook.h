#pragma once
// `incidents: {webhook: URL}` (issue 14): each incident's opening and closing POSTed as JSON, from
// an io_context that is no worker's (the control thread's). send() never blocks: it queues (at
// most kMaxQueue bodies; beyond that it drops, counted) and one coroutine on the io_context sends
// them in order, each within kTimeout (a failure is logged and the body dropped, counted).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/io_context.hpp>

#include "config/config.h"

namespace switchyard::proxy {

class IncidentWebhook {
 public:
  static constexpr std::size_t kMaxQueue = 256;
  static constexpr std::chrono::milliseconds kTimeout{5000};

  IncidentWebhook(boost::asio::io_context& io, const config::IncidentSettings& settings);
  // Any thread.
  void send(std::string body);
  std::uint64_t dropped() const;
  std::uint64_t delivered() const;

  struct State;

 private:
  std::shared_ptr<State> state_;  // shared with the sending coroutine
};

}  // namespace switchyard::proxy

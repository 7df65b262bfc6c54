#include "proxy/server.h"

#include <sys/socket.h>

#include <spdlog/spdlog.h>

namespace nucleus::proxy {

using nlohmann::json;

Server::Server(Listener listener, Handler handler, RejectHandler on_reject, ServerLimits limits)
    : listener_(std::move(listener)),
      handler_(std::move(handler)),
      on_reject_(std::move(on_reject)),
      limits_(limits) {}

Server::~Server() {
  stop();
  std::lock_guard guard(workers_lock_);
  for (Worker& worker : workers_) {
    if (worker.thread.joinable()) worker.thread.join();
  }
}

void Server::stop() {
  stopping_ = true;
  listener_.shutdown();
}

void Server::reap_finished() {
  std::lock_guard guard(workers_lock_);
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::run() {
  spdlog::info("event=listening address={}", listener_.address());
  while (!stopping_) {
    std::optional<Connection> connection = listener_.accept();
    if (!connection) break;
    reap_finished();
    if (active_.load() >= limits_.max_connections) {
      const json busy = error_response(nullptr, {ToolError::Kind::failed, "too many connections; retry later"});
      connection->write_all(busy.dump() + "\n", std::chrono::seconds(1));
      spdlog::warn("event=connection_refused reason=max_connections limit={}", limits_.max_connections);
      continue;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    ++active_;
    std::lock_guard guard(workers_lock_);
    workers_.push_back(Worker{std::thread([this, c = std::move(*connection), done]() mutable {
                                serve(std::move(c));
                                --active_;
                                done->store(true);
                              }),
                              done});
  }
  // Unblock connection threads waiting for their next request.
  {
    std::lock_guard guard(workers_lock_);
    for (Worker& worker : workers_) {
      if (worker.thread.joinable()) worker.thread.join();
    }
    workers_.clear();
  }
  spdlog::info("event=stopped address={}", listener_.address());
}

void Server::serve(Connection connection) {
  std::string line;
  while (!stopping_) {
    // Short idle slices so stop() is noticed; the total idle time is bounded
    // by limits_.idle_timeout.
    auto status = Connection::ReadStatus::timed_out;
    auto idle = std::chrono::milliseconds(0);
    while (!stopping_ && idle < limits_.idle_timeout) {
      status = connection.read_line(line, limits_.max_request_bytes, std::chrono::milliseconds(200));
      if (status != Connection::ReadStatus::timed_out) break;
      idle += std::chrono::milliseconds(200);
    }
    if (status == Connection::ReadStatus::too_long) {
      const std::string reason = "request line exceeds " + std::to_string(limits_.max_request_bytes) + " bytes";
      on_reject_(reason);
      connection.write_all(error_response(nullptr, {ToolError::Kind::too_large, reason}).dump() + "\n",
                           limits_.write_timeout);
      return;
    }
    if (status != Connection::ReadStatus::line) return;

    json response;
    auto request = parse_request(line);
    if (!request.ok()) {
      on_reject_(request.error());
      response = error_response(nullptr, {ToolError::Kind::invalid_argument, request.error()});
    } else {
      response = handler_(*request);
    }
    if (!connection.write_all(response.dump(-1, ' ', false, json::error_handler_t::replace) + "\n",
                              limits_.write_timeout)) {
      return;
    }
  }
}

}  // namespace nucleus::proxy

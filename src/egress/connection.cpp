// Serving one client connection of a pod: read the head, decide, connect,
// relay.
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <string_view>

#include "egress/connect.h"
#include "egress/decision.h"
#include "egress/head_reader.h"
#include "egress/pod_egress.h"
#include "egress/relay.h"
#include "egress/request.h"

namespace nucleus::egress {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kResponseTimeout{2'000};
constexpr std::chrono::milliseconds kLingerTimeout{500};

std::string_view status_text(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 408:
      return "Request Timeout";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

std::string error_response(int status, std::string_view reason) {
  const std::string body = std::string(reason) + "\n";
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      status, status_text(status), body.size(), body);
}

// Writes all of `data` to non-blocking `fd` unless the deadline passes or
// the pod stops first.
bool write_all(int fd, int stop_fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t written = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (written > 0) {
      data.remove_prefix(static_cast<std::size_t>(written));
      continue;
    }
    if (written < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    std::array<pollfd, 2> fds{pollfd{fd, POLLOUT, 0}, pollfd{stop_fd, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), poll_timeout_ms(deadline)) <= 0 || fds[1].revents != 0) return false;
  }
  return true;
}

// Sends an error response, then reads and discards what the client still
// sends for a moment, because closing a socket with unread input resets
// the connection and can destroy the response before the client reads it.
void respond_and_close(int fd, int stop_fd, int status, std::string_view reason) {
  if (!write_all(fd, stop_fd, error_response(status, reason), Clock::now() + kResponseTimeout)) return;
  ::shutdown(fd, SHUT_WR);
  const Clock::time_point deadline = Clock::now() + kLingerTimeout;
  std::array<char, 4096> discard{};
  while (Clock::now() < deadline) {
    std::array<pollfd, 2> fds{pollfd{fd, POLLIN, 0}, pollfd{stop_fd, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), poll_timeout_ms(deadline)) <= 0 || fds[1].revents != 0) return;
    const ssize_t got = ::recv(fd, discard.data(), discard.size(), 0);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) return;
  }
}

struct Attempt {
  std::string target = "-";
  std::string address = "-";
};

void log_attempt(const PodEgress& pod, const Attempt& attempt, std::string_view decision, std::string_view reason) {
  const auto level = decision == "allow" ? spdlog::level::info : spdlog::level::warn;
  spdlog::log(level, "event=egress pod={} target={} address={} decision={} reason=\"{}\"", pod.id,
              attempt.target, attempt.address, decision, reason);
}

void reject(PodEgress& pod, int client, const Attempt& attempt, int status, std::string_view decision,
            std::string_view reason) {
  log_attempt(pod, attempt, decision, reason);
  respond_and_close(client, pod.stop_event.get(), status, reason);
}

// Moves bytes until both sides are done, either fails, the pod stops, or
// nothing moves for idle_timeout.
void run_relay(PodEgress& pod, Relay& relay) {
  Clock::time_point last_activity = Clock::now();
  while (!relay.finished()) {
    std::array<pollfd, 3> fds{};
    relay.prepare(fds[0], fds[1]);
    fds[2] = pollfd{pod.stop_event.get(), POLLIN, 0};
    const Clock::time_point idle_deadline = last_activity + pod.options.idle_timeout;
    const int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms(idle_deadline));
    if (ready < 0 && errno != EINTR) return;
    if (fds[2].revents != 0) return;
    if (ready > 0) {
      last_activity = Clock::now();
      relay.handle(fds[0], fds[1]);
    } else if (Clock::now() >= idle_deadline) {
      spdlog::info("event=egress_idle_closed pod={}", pod.id);
      return;
    }
  }
}

// Returns the allowed address to connect to with the reason, or nothing
// after rejecting.
std::optional<Decision> choose_address(PodEgress& pod, int client, const ProxyRequest& request, Attempt& attempt) {
  const Decision decision = decide(pod.rules, request.host, request.port);
  if (!decision.allowed) {
    reject(pod, client, attempt, 403, "deny", decision.reason);
    return std::nullopt;
  }
  if (decision.address) return decision;

  auto resolved = pod.resolver.resolve(request.host);
  if (!resolved) {
    reject(pod, client, attempt, 502, "error", resolved.error());
    return std::nullopt;
  }
  attempt.address = resolved->text();
  const Decision checked = check_resolved_address(request.host, request.port, *resolved);
  if (!checked.allowed) {
    reject(pod, client, attempt, 403, "deny", checked.reason);
    return std::nullopt;
  }
  return Decision{true, decision.reason + ", " + checked.reason, *resolved};
}

std::optional<ProxyRequest> read_request(PodEgress& pod, int client, Attempt& attempt, std::string& rest) {
  const HeadRead head = read_request_head(client, pod.stop_event.get(), pod.options.max_head_bytes,
                                          Clock::now() + pod.options.head_timeout);
  switch (head.status) {
    case HeadReadStatus::complete:
      break;
    case HeadReadStatus::closed:
    case HeadReadStatus::stopped:
      return std::nullopt;
    case HeadReadStatus::timed_out:
      reject(pod, client, attempt, 408, "malformed", "the request head did not arrive in time");
      return std::nullopt;
    case HeadReadStatus::too_large:
      reject(pod, client, attempt, 400, "malformed",
             fmt::format("the request head is longer than {} bytes", pod.options.max_head_bytes));
      return std::nullopt;
  }
  auto request = parse_request_head(head.head);
  if (!request) {
    reject(pod, client, attempt, 400, "malformed", request.error());
    return std::nullopt;
  }
  attempt.target = request->authority();
  rest = head.rest;
  return std::move(*request);
}

}  // namespace

void send_busy_response(int client) {
  const std::string response = error_response(503, "too many open connections for this pod; retry later");
  [[maybe_unused]] const ssize_t written = ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
}

void serve_connection(PodEgress& pod, UniqueFd client) {
  Attempt attempt;
  std::string rest;
  const std::optional<ProxyRequest> request = read_request(pod, client.get(), attempt, rest);
  if (!request) return;
  const std::optional<Decision> allowed = choose_address(pod, client.get(), *request, attempt);
  if (!allowed) return;
  attempt.address = allowed->address->text();

  auto upstream = connect_tcp(*allowed->address, request->port, pod.stop_event.get(),
                              Clock::now() + pod.options.connect_timeout);
  if (!upstream) {
    reject(pod, client.get(), attempt, 502, "error", upstream.error());
    return;
  }
  log_attempt(pod, attempt, "allow", allowed->reason);

  Relay relay(std::move(client), std::move(*upstream), pod.options.relay_buffer_bytes);
  if (request->kind == RequestKind::connect) {
    relay.queue_to_first("HTTP/1.1 200 Connection established\r\n\r\n");
    relay.queue_to_second(rest);
  } else {
    relay.queue_to_second(origin_request_head(*request));
    relay.limit_first_to_second(make_body_limit(request->body));
    relay.inject_from_first(rest);
  }
  run_relay(pod, relay);
  spdlog::debug("event=egress_closed pod={} target={} bytes_sent={} bytes_received={}", pod.id, attempt.target,
                relay.bytes_to_second(), relay.bytes_to_first());
}

}  // namespace nucleus::egress

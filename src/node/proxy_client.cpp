#include "node/proxy_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nucleus::node {

using nlohmann::json;

namespace {

Result<bool> send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(std::string("sending to the tool proxy failed: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

Result<std::string> read_line(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string reply;
  char buffer[65536];
  while (reply.find('\n') == std::string::npos) {
    if (reply.size() > kMaxReplyBytes) return make_error("the tool proxy's reply exceeds 16 MiB");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return make_error("the tool proxy did not reply in time");
    pollfd entry{fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) return make_error(std::string("poll failed: ") + std::strerror(errno));
    if (ready <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(std::string("reading from the tool proxy failed: ") + std::strerror(errno));
    if (n == 0) return make_error("the tool proxy closed the connection");
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  return reply.substr(0, reply.find('\n'));
}

}  // namespace

Result<json> proxy_request(int fd, const std::string& method, const json& params,
                           std::chrono::milliseconds timeout) {
  const json request = {{"id", 1}, {"method", method}, {"params", params}};
  if (auto sent = send_all(fd, request.dump() + "\n"); !sent) return make_error(sent.error());
  auto line = read_line(fd, timeout);
  if (!line) return make_error(line.error());
  json reply = json::parse(*line, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) return make_error("the tool proxy sent a reply that is not a JSON object");
  return reply;
}

}  // namespace nucleus::node

#include "test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include "common/errno_text.h"

namespace nucleus::proxy::testing {

namespace {

constexpr std::size_t kMaxRequestBytes = 1024 * 1024;
constexpr int kIoTimeoutMillis = 5000;

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

sockaddr_in loopback_address(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

UniqueFd bound_loopback_socket() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw std::runtime_error(syscall_error("socket", "AF_INET"));
  const int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address = loopback_address(0);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error(syscall_error("bind", "127.0.0.1:0"));
  }
  return fd;
}

std::uint16_t local_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error(syscall_error("getsockname", "listener"));
  }
  return ntohs(address.sin_port);
}

// Waits until `fd` is readable. False on timeout or when `stop_fd` fires.
bool wait_readable(int fd, int stop_fd, int timeout_millis) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
  const int ready = ::poll(fds, 2, timeout_millis);
  return ready > 0 && (fds[1].revents & POLLIN) == 0 && (fds[0].revents & (POLLIN | POLLHUP)) != 0;
}

// Appends what arrives on `fd` to `buffer` until `complete(buffer)` holds,
// the peer closes, or nothing comes for kIoTimeoutMillis.
template <typename Predicate>
void receive_until(int fd, int stop_fd, std::string& buffer, Predicate complete) {
  char chunk[16 * 1024];
  while (!complete(buffer) && buffer.size() < kMaxRequestBytes) {
    if (!wait_readable(fd, stop_fd, kIoTimeoutMillis)) return;
    const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0) return;
    buffer.append(chunk, static_cast<std::size_t>(got));
  }
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return;  // the client hung up, e.g. after its body cap
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
}

std::optional<RecordedRequest> read_request(int fd, int stop_fd) {
  std::string buffer;
  receive_until(fd, stop_fd, buffer, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; });
  const std::size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;

  RecordedRequest request;
  const std::string_view head(buffer.data(), head_end);
  std::size_t line_end = head.find("\r\n");
  const std::string_view request_line = head.substr(0, line_end);
  const std::size_t first_space = request_line.find(' ');
  const std::size_t second_space = request_line.find(' ', first_space + 1);
  if (first_space == std::string_view::npos || second_space == std::string_view::npos) return std::nullopt;
  request.method = std::string(request_line.substr(0, first_space));
  request.target = std::string(request_line.substr(first_space + 1, second_space - first_space - 1));

  while (line_end != std::string_view::npos && line_end < head.size()) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, line_end == std::string_view::npos ? line_end : line_end - start);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace_back(lowercase(line.substr(0, colon)), std::string(value));
  }

  std::size_t content_length = 0;
  if (auto length = request.header("content-length")) {
    std::from_chars(length->data(), length->data() + length->size(), content_length);
  }
  std::string rest = buffer.substr(head_end + 4);
  receive_until(fd, stop_fd, rest, [&](const std::string& b) { return b.size() >= content_length; });
  request.body = rest.substr(0, content_length);
  return request;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 404: return "Not Found";
    case 422: return "Unprocessable Entity";
    case 502: return "Bad Gateway";
    default: return "Scripted";
  }
}

std::string serialize(const ScriptedResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(reason_phrase(response.status)) +
                    "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n";
  out += response.body;
  return out;
}

// Sends `request` (absolute-form target) to its loopback origin and returns
// the origin's raw response bytes.
std::string forward(const RecordedRequest& request, int stop_fd) {
  constexpr std::string_view kPrefix = "http://127.0.0.1:";
  if (request.target.rfind(kPrefix, 0) != 0) return serialize({502, {}, "only http://127.0.0.1 is forwarded", {}});
  const std::string_view rest = std::string_view(request.target).substr(kPrefix.size());
  const std::size_t slash = rest.find('/');
  const std::string_view port_text = rest.substr(0, slash);
  const std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::uint16_t port = 0;
  std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);

  UniqueFd origin(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = loopback_address(port);
  if (!origin || ::connect(origin.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return serialize({502, {}, syscall_error("connect", request.target), {}});
  }
  std::string outgoing = request.method + " " + path + " HTTP/1.1\r\n";
  for (const auto& [name, value] : request.headers) {
    if (name != "proxy-connection" && name != "connection") outgoing += name + ": " + value + "\r\n";
  }
  outgoing += "Connection: close\r\n\r\n" + request.body;
  send_all(origin.get(), outgoing);

  std::string response;
  receive_until(origin.get(), stop_fd, response, [](const std::string&) { return false; });
  return response;
}

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

TestHttpServer::TestHttpServer() {
  listener_ = bound_loopback_socket();
  if (::listen(listener_.get(), 16) != 0) throw std::runtime_error(syscall_error("listen", "127.0.0.1"));
  port_ = local_port(listener_.get());
  stop_event_ = UniqueFd(::eventfd(0, EFD_CLOEXEC));
  if (!stop_event_) throw std::runtime_error(syscall_error("eventfd", "stop"));
  thread_ = std::thread([this] { serve(); });
}

TestHttpServer::~TestHttpServer() {
  const std::uint64_t one = 1;
  (void)::write(stop_event_.get(), &one, sizeof one);
  thread_.join();
}

std::string TestHttpServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void TestHttpServer::respond(const std::string& path, ScriptedResponse response) {
  const std::lock_guard lock(mutex_);
  responses_[path] = std::move(response);
}

void TestHttpServer::act_as_forward_proxy() {
  const std::lock_guard lock(mutex_);
  forward_proxy_ = true;
}

std::vector<RecordedRequest> TestHttpServer::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

void TestHttpServer::serve() {
  while (true) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_event_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if ((fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) continue;
    const timeval io_timeout{kIoTimeoutMillis / 1000, 0};
    ::setsockopt(client.get(), SOL_SOCKET, SO_SNDTIMEO, &io_timeout, sizeof io_timeout);
    handle(client.get());
  }
}

void TestHttpServer::handle(int client) {
  std::optional<RecordedRequest> request = read_request(client, stop_event_.get());
  if (!request) return;
  {
    const std::lock_guard lock(mutex_);
    requests_.push_back(*request);
  }
  const std::string response = build_response(*request);
  send_all(client, response);
  ::shutdown(client, SHUT_WR);
}

std::string TestHttpServer::build_response(const RecordedRequest& request) {
  std::optional<ScriptedResponse> scripted;
  bool forwarding = false;
  {
    const std::lock_guard lock(mutex_);
    forwarding = forward_proxy_;
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (auto found = responses_.find(path); found != responses_.end()) scripted = found->second;
  }
  if (forwarding) return forward(request, stop_event_.get());
  if (!scripted) return serialize({404, {}, "no scripted response for " + request.target, {}});
  if (!wait_or_stop(scripted->delay)) return {};
  return serialize(*scripted);
}

bool TestHttpServer::wait_or_stop(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return true;
  pollfd stop{stop_event_.get(), POLLIN, 0};
  return ::poll(&stop, 1, static_cast<int>(delay.count())) == 0;
}

std::uint16_t unused_loopback_port() {
  const UniqueFd fd = bound_loopback_socket();
  return local_port(fd.get());
}

}  // namespace nucleus::proxy::testing

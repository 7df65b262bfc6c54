#include "loopback_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <array>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nucleus::egress::testing {
namespace {

void set_timeouts(int fd) {
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

sockaddr_in loopback_address(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return address;
}

// Reads one request (head and framed body) from a blocking socket.
bool read_request(int fd, OriginRequest& request) {
  std::string data;
  std::size_t head_end = std::string::npos;
  std::array<char, 4096> chunk{};
  auto fill = [&] {
    const ssize_t got = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (got <= 0) return false;
    data.append(chunk.data(), static_cast<std::size_t>(got));
    return true;
  };
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return false;
  }
  request.head = data.substr(0, head_end + 4);
  std::string rest = data.substr(head_end + 4);
  std::string lower = request.head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (const std::size_t at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
    const std::size_t length = std::stoul(lower.substr(at + 17));
    data = rest;
    while (data.size() < length && fill()) {
    }
    request.body = data.substr(0, length);
  } else if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    data = rest;
    while (data.find("0\r\n\r\n") == std::string::npos && fill()) {
    }
    std::size_t at = 0;
    while (true) {
      const std::size_t size = std::stoul(data.substr(at), nullptr, 16);
      at = data.find("\r\n", at) + 2;
      if (size == 0) break;
      request.body += data.substr(at, size);
      at += size + 2;
    }
  }
  return true;
}

std::string response(int status, const std::string& body) {
  std::ostringstream out;
  out << "HTTP/1.1 " << status << (status == 200 ? " OK" : " Not Found") << "\r\nContent-Length: " << body.size()
      << "\r\nConnection: close\r\n\r\n"
      << body;
  return out.str();
}

}  // namespace

LoopbackServer::LoopbackServer()
    : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)), stop_event_(::eventfd(0, EFD_CLOEXEC)) {
  sockaddr_in address = loopback_address(0);
  if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_.get(), 16) != 0) {
    throw std::runtime_error("test server: bind or listen on 127.0.0.1 failed");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
}

LoopbackServer::~LoopbackServer() = default;

void LoopbackServer::start() {
  thread_ = std::thread([this] { accept_loop(); });
}

void LoopbackServer::stop() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(stop_event_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void LoopbackServer::accept_loop() {
  while (true) {
    std::array<pollfd, 2> fds{pollfd{listener_.get(), POLLIN, 0}, pollfd{stop_event_.get(), POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0 || fds[1].revents != 0) return;
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) continue;
    set_timeouts(client.get());
    serve(client.get());
  }
}

OriginServer::OriginServer(std::filesystem::path document_root) : document_root_(std::move(document_root)) {
  start();
}

OriginServer::~OriginServer() { stop(); }

std::vector<OriginRequest> OriginServer::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

void OriginServer::serve(int client) {
  OriginRequest request;
  if (!read_request(client, request)) return;
  {
    const std::lock_guard lock(mutex_);
    requests_.push_back(request);
  }
  const std::size_t space = request.head.find(' ');
  std::string path = request.head.substr(space + 1, request.head.find(' ', space + 1) - space - 1);
  path = path.substr(0, path.find('?'));

  std::string reply;
  if (!request.body.empty()) {
    reply = response(200, "received " + std::to_string(request.body.size()) + " bytes: " + request.body);
  } else if (path == "/hello") {
    reply = response(200, "hello from origin");
  } else if (!document_root_.empty() && path.find("..") == std::string::npos &&
             std::filesystem::is_regular_file(document_root_ / path.substr(1))) {
    std::ifstream file(document_root_ / path.substr(1), std::ios::binary);
    std::ostringstream contents;
    contents << file.rdbuf();
    reply = response(200, contents.str());
  } else {
    reply = response(404, "not found");
  }
  send_all(client, reply);
}

EchoServer::EchoServer() { start(); }

EchoServer::~EchoServer() { stop(); }

void EchoServer::serve(int client) {
  std::array<char, 4096> chunk{};
  while (true) {
    const ssize_t got = ::recv(client, chunk.data(), chunk.size(), 0);
    if (got <= 0) break;
    send_all(client, std::string_view(chunk.data(), static_cast<std::size_t>(got)));
  }
  ::shutdown(client, SHUT_WR);
}

std::uint16_t unused_loopback_port() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = loopback_address(0);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

UniqueFd connect_loopback(std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = loopback_address(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("test client: connect to 127.0.0.1:" + std::to_string(port) + " failed");
  }
  set_timeouts(fd.get());
  return fd;
}

UniqueFd connect_unix_socket(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return UniqueFd();
  set_timeouts(fd.get());
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
}

std::string read_all(int fd) {
  std::string out;
  std::array<char, 4096> chunk{};
  while (true) {
    const ssize_t got = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (got <= 0) return out;
    out.append(chunk.data(), static_cast<std::size_t>(got));
  }
}

std::string read_until(int fd, std::string_view marker) {
  std::string out;
  char byte = 0;
  while (out.find(marker) == std::string::npos) {
    if (::recv(fd, &byte, 1, 0) != 1) return out;
    out += byte;
  }
  return out;
}

}  // namespace nucleus::egress::testing

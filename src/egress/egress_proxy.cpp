// EgressProxy pod management and the per-pod accept loop.
#include "egress/egress_proxy.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "egress/pod_egress.h"

namespace nucleus::egress {

PodEgress::PodEgress(std::string pod_id, std::string path, std::vector<policy::EgressRule> pod_rules,
                     const EgressProxyOptions& proxy_options)
    : id(std::move(pod_id)),
      socket_path(std::move(path)),
      rules(std::move(pod_rules)),
      options(proxy_options),
      resolver(proxy_options.static_hosts),
      stop_event(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

PodEgress::~PodEgress() { stop(); }

void PodEgress::start(UniqueFd listening_socket) {
  listener_ = std::move(listening_socket);
  started_ = true;
  accept_thread_ = std::thread([this] { accept_loop(); });
}

void PodEgress::stop() {
  // A pod that never started must not unlink the path: it may be another
  // proxy's live socket.
  if (!started_ || stopped_) return;
  stopped_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(stop_event.get(), &one, sizeof one);
  if (accept_thread_.joinable()) accept_thread_.join();
  listener_.reset();
  ::unlink(socket_path.c_str());
  for (Worker& worker : workers_) worker.thread.join();
  workers_.clear();
}

void PodEgress::reap_finished_workers() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done.load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void PodEgress::accept_one() {
  UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!client) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
      spdlog::warn("event=egress_accept_failed pod={} error=\"{}\"", id, std::strerror(errno));
      // Out of descriptors or memory: back off instead of spinning.
      ::poll(nullptr, 0, 100);
    }
    return;
  }
  reap_finished_workers();
  if (workers_.size() >= options.max_connections_per_pod) {
    spdlog::warn("event=egress pod={} target=- address=- decision=busy reason=\"the pod has {} open "
                 "connections, the maximum\"",
                 id, workers_.size());
    send_busy_response(client.get());
    return;
  }
  Worker& worker = workers_.emplace_back();
  worker.thread = std::thread([this, &worker, fd = client.release()] {
    serve_connection(*this, UniqueFd(fd));
    worker.done.store(true);
  });
}

void PodEgress::accept_loop() {
  spdlog::info("event=egress_pod_listening pod={} socket={} rules={}", id, socket_path, rules.size());
  while (true) {
    std::array<pollfd, 2> fds{pollfd{listener_.get(), POLLIN, 0}, pollfd{stop_event.get(), POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("event=egress_poll_failed pod={} error=\"{}\"", id, std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0) accept_one();
  }
}

EgressProxy::EgressProxy(EgressProxyOptions options) : options_(std::move(options)) {}

EgressProxy::~EgressProxy() {
  const std::lock_guard lock(mutex_);
  for (auto& [pod_id, pod] : pods_) {
    pod->stop();
    spdlog::info("event=egress_pod_removed pod={}", pod_id);
  }
  pods_.clear();
}

Result<std::monostate> EgressProxy::add_pod(const std::string& pod_id, const std::string& unix_socket_path,
                                            std::vector<policy::EgressRule> rules, uid_t socket_owner,
                                            gid_t socket_group) {
  const std::lock_guard lock(mutex_);
  if (pods_.contains(pod_id)) return make_error("pod \"" + pod_id + "\" already has an egress socket");
  auto pod = std::make_unique<PodEgress>(pod_id, unix_socket_path, std::move(rules), options_);
  if (!pod->stop_event) return make_error(std::string("eventfd() failed: ") + std::strerror(errno));
  auto listener = listen_unix(unix_socket_path, socket_owner, socket_group);
  if (!listener) return make_error("adding egress for pod \"" + pod_id + "\": " + listener.error());
  pod->start(std::move(*listener));
  pods_.emplace(pod_id, std::move(pod));
  return std::monostate{};
}

Result<std::monostate> EgressProxy::remove_pod(const std::string& pod_id) {
  std::unique_ptr<PodEgress> pod;
  {
    const std::lock_guard lock(mutex_);
    auto found = pods_.find(pod_id);
    if (found == pods_.end()) return make_error("pod \"" + pod_id + "\" has no egress socket");
    pod = std::move(found->second);
    pods_.erase(found);
  }
  // Stopping joins threads that may take a moment, so it runs unlocked.
  pod->stop();
  spdlog::info("event=egress_pod_removed pod={}", pod_id);
  return std::monostate{};
}

}  // namespace nucleus::egress

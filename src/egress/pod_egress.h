// PodEgress: one pod's state inside EgressProxy (listener, rules, pinned
// resolver, connection threads). Internal to the egress library.
#pragma once

#include <atomic>
#include <list>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "egress/egress_proxy.h"
#include "egress/resolver.h"
#include "policy/egress.h"

namespace nucleus::egress {

struct PodEgress {
  PodEgress(std::string pod_id, std::string path, std::vector<policy::EgressRule> pod_rules,
            const EgressProxyOptions& proxy_options);
  ~PodEgress();
  PodEgress(const PodEgress&) = delete;
  PodEgress& operator=(const PodEgress&) = delete;

  // Starts the accept thread on `listening_socket`.
  void start(UniqueFd listening_socket);
  // Signals every thread of the pod to stop, joins them all and unlinks the
  // socket. Safe to call more than once.
  // NOTE: a thread inside getaddrinfo cannot be interrupted, so stop() may
  // wait for the system resolver's timeout.
  void stop();

  const std::string id;
  const std::string socket_path;
  const std::vector<policy::EgressRule> rules;
  const EgressProxyOptions& options;
  PinnedResolver resolver;
  // An eventfd that becomes readable, and stays so, when the pod stops.
  // Every blocking wait of the pod's threads also polls it.
  UniqueFd stop_event;

 private:
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void accept_loop();
  void accept_one();
  void reap_finished_workers();

  UniqueFd listener_;
  std::thread accept_thread_;
  // Touched only by the accept thread, and by stop() after joining it.
  std::list<Worker> workers_;
  bool started_ = false;
  bool stopped_ = false;
};

// Creates a listening Unix socket at `path`, mode 0660, owned by
// owner:group. Replaces a stale socket file, fails on a live one.
Result<UniqueFd> listen_unix(const std::string& path, uid_t owner, gid_t group);

// Serves one accepted connection of `pod` to completion.
void serve_connection(PodEgress& pod, UniqueFd client);

// Sends a short response on a refused connection without waiting, for the
// accept thread (503 when the pod is at its connection cap).
void send_busy_response(int client);

}  // namespace nucleus::egress

// EgressProxy: the node's egress allowlist proxy, one listening Unix socket
// per pod.
//
// Each pod's sandbox reaches its socket through a LoopbackBridge, so the
// socket that accepted a connection identifies the pod. A connection
// carries one HTTP/1.x request: "CONNECT host:port" opens a tunnel, and an
// absolute-form "http://host[:port]/path" request is forwarded once with
// "Connection: close". The pod's dns_allow entries decide (see decision.h);
// names are resolved by the proxy and pinned per pod (see resolver.h).
//
// Response status codes:
//   200 Connection established: an allowed CONNECT.
//   400: a malformed or oversized head.
//   403: a rejected target, with the reason as the text body.
//   408: the head did not arrive within head_timeout.
//   502: the name did not resolve or the upstream connect failed.
//   503: the pod already has max_connections_per_pod connections open. Every attempt is logged as
// event=egress pod= target= address= decision= reason=.
//
// Threads: one accept thread per pod and one thread per open connection,
// at most max_connections_per_pod per pod.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "egress/resolver.h"
#include "policy/egress.h"

namespace nucleus::egress {

struct EgressProxyOptions {
  // Names mapped to addresses ahead of DNS, shared by all pods.
  StaticHosts static_hosts;
  std::size_t max_connections_per_pod = 64;
  std::size_t max_head_bytes = 16 * 1024;
  // Time a client has to send its whole request head.
  std::chrono::milliseconds head_timeout{10'000};
  std::chrono::milliseconds connect_timeout{10'000};
  // A relay with no bytes moving either way for this long is closed.
  std::chrono::milliseconds idle_timeout{15 * 60'000};
  // Bytes buffered per direction of each relayed connection.
  std::size_t relay_buffer_bytes = 64 * 1024;
};

struct PodEgress;  // one pod's listener, rules and connections

class EgressProxy {
 public:
  explicit EgressProxy(EgressProxyOptions options = {});
  // Removes every pod: closes listeners and connections, unlinks sockets.
  ~EgressProxy();
  EgressProxy(const EgressProxy&) = delete;
  EgressProxy& operator=(const EgressProxy&) = delete;

  // Creates the pod's listening socket at `unix_socket_path` with mode 0660
  // owned by socket_owner:socket_group, and starts accepting. Fails when
  // the pod id is already added, or a live socket exists at the path (a
  // stale socket file that refuses connections is replaced), or a system
  // call fails. Changing the owner needs CAP_CHOWN unless the ids are the
  // caller's own.
  Result<std::monostate> add_pod(const std::string& pod_id, const std::string& unix_socket_path,
                                 std::vector<policy::EgressRule> rules, uid_t socket_owner,
                                 gid_t socket_group);

  // Closes the pod's listener, unlinks its socket, closes its open
  // connections and waits for their threads. Fails for an unknown pod id.
  Result<std::monostate> remove_pod(const std::string& pod_id);

 private:
  const EgressProxyOptions options_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<PodEgress>> pods_;
};

}  // namespace nucleus::egress

// The sandbox driver interface. A driver runs one tool proxy per sandbox
// behind an isolation boundary (Linux namespaces today, microVMs later) and
// gives the node a socket to it. Every method is safe to call from several
// threads for different sandboxes. The caller serializes calls for the
// same id (the node takes one lock per pod).
//
// Lifecycle: create -> start -> wait_ready -> connect... -> stop -> destroy.
// A sandbox that exits by itself (the proxy failed, a limit killed it) is
// reported by status(); destroy() is still required to free its resources.
// After a node restart, adopt() finds every sandbox the previous process
// left behind: running ones are adopted, dead ones are reaped.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace nucleus::sandbox {

struct Limits {
  std::uint64_t memory_bytes = 512ULL << 20;
  std::uint32_t pids = 256;
  std::uint32_t cpu_millis = 1000;               // hard cap: 1000 = one core
  std::uint64_t workspace_bytes = 1024ULL << 20;  // 0: no cap, plain directory
  std::uint64_t tmp_bytes = 64ULL << 20;          // /tmp and /dev/shm, each; counted as memory
};

struct SandboxConfig {
  std::string id;                       // check_sandbox_id
  std::string work_dir = "/workspace";  // where the workspace appears inside
  // A host directory whose usr, bin, lib*, sbin and etc/ssl replace the
  // host's own system directories. Empty: the host's.
  std::string root_dir;
  Limits limits;
  // Written into the sandbox as the tool proxy's policy (YAML or JSON).
  std::string policy_text;
  // Extra flags for nucleus-tool-proxy after the ones the driver sets.
  std::vector<std::string> proxy_flags;
  // Start the egress bridge: programs inside see HTTP_PROXY on loopback,
  // relayed to <sandbox>/run/egress.sock, where the node's egress proxy
  // must be listening.
  bool egress = false;
};

enum class Phase { created, starting, running, exited };

struct Status {
  Phase phase = Phase::created;
  // Set once phase == exited. Exactly one of exit_code and signal is set.
  std::optional<int> exit_code;
  std::optional<int> signal;
  // Why it ended, in words: "stopped", "proxy exited with status 1",
  // "out of memory", "supervisor lost"...
  std::string reason;
};

// Host paths of a sandbox's files, for callers that serve them.
struct Paths {
  std::string dir;             // the sandbox's own directory
  std::string workspace;       // host path of the workspace
  std::string run_dir;         // mounted at /run/nucleus inside
  std::string proxy_socket;    // the tool proxy's socket
  std::string egress_socket;   // where the egress proxy must listen
  std::string audit_log;
  std::string log_file;        // supervisor, init and proxy output
  // Host uid and gid of the sandbox's uid 0 (the tool proxy and the
  // egress bridge); the egress socket must be usable by it.
  unsigned host_uid = 0;
};

class Driver {
 public:
  virtual ~Driver() = default;

  virtual std::string name() const = 0;

  // Prepares the sandbox's directory, workspace and keys. Nothing runs yet.
  virtual Result<Paths> create(const SandboxConfig& config) = 0;
  // Launches the sandbox; returns once its supervisor runs.
  virtual Result<bool> start(const std::string& id) = 0;
  // Blocks until the tool proxy accepts connections, the sandbox fails, or
  // the timeout passes. The error explains which, with the log's tail.
  virtual Result<bool> wait_ready(const std::string& id, std::chrono::milliseconds timeout) = 0;
  // A new connection to the sandbox's tool proxy.
  virtual Result<UniqueFd> connect(const std::string& id) = 0;
  // SIGTERM to the whole sandbox, SIGKILL after `grace`; returns once
  // every process in it is gone.
  virtual Result<bool> stop(const std::string& id, std::chrono::milliseconds grace) = 0;
  virtual Result<Status> status(const std::string& id) = 0;
  // Stops the sandbox if needed, then removes its cgroups, mounts and
  // directory. Idempotent.
  virtual Result<bool> destroy(const std::string& id) = 0;
  // Ids of the sandboxes found on disk, after adopting or reaping each.
  virtual std::vector<std::string> adopt() = 0;
  virtual Result<Paths> paths(const std::string& id) const = 0;
};

}  // namespace nucleus::sandbox

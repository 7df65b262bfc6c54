// The namespace driver: Nucleus's default isolation on any Linux host.
// Each sandbox gets a detached supervisor process (nucleus-sandbox), its
// own cgroup with the configured limits, fresh namespaces, a generated
// root file system, a capped workspace and, when configured, a loopback
// bridge to the node's egress proxy. See supervisor.h, sandbox_init.h and
// rootfs.h for the steps, docs/threat-model.md for what it protects
// against. Needs root on the host.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "sandbox/driver.h"

namespace nucleus::sandbox {

struct NamespaceDriverOptions {
  std::string state_dir;           // sandboxes live in <state_dir>/<id>[/<sandbox_subdir>]
  // When set, each sandbox is a subdirectory of <state_dir>/<id>, so a
  // caller can keep its own files for the same id beside it (the node's
  // pod directory). The driver never removes <state_dir>/<id> itself then.
  std::string sandbox_subdir;
  std::string supervisor_binary;   // nucleus-sandbox
  std::string proxy_binary;        // nucleus-tool-proxy
  std::string cgroup_parent = "nucleus";
  // Sandbox n maps its ids 0..65535 to uid_base + n * 65536 on the host.
  uid_t uid_base = 0x10000000;
  std::uint32_t max_sandboxes = 4096;
  // Confine every command the proxy runs (seccomp, Landlock, no
  // capabilities). Off only in tests of the proxy itself.
  bool confine_commands = true;
};

class NamespaceDriver final : public Driver {
 public:
  // Fails when the binaries are missing, the state directory cannot be
  // created, or the host has no usable cgroup hierarchy.
  static Result<std::unique_ptr<NamespaceDriver>> make(NamespaceDriverOptions options);

  std::string name() const override { return "namespace"; }
  Result<Paths> create(const SandboxConfig& config) override;
  Result<bool> start(const std::string& id) override;
  Result<bool> wait_ready(const std::string& id, std::chrono::milliseconds timeout) override;
  Result<UniqueFd> connect(const std::string& id) override;
  Result<bool> stop(const std::string& id, std::chrono::milliseconds grace) override;
  Result<Status> status(const std::string& id) override;
  Result<bool> destroy(const std::string& id) override;
  std::vector<std::string> adopt() override;
  Result<Paths> paths(const std::string& id) const override;

 private:
  explicit NamespaceDriver(NamespaceDriverOptions options) : options_(std::move(options)) {}
  Result<std::string> sandbox_dir(const std::string& id) const;
  Result<uid_t> allocate_uid_base();
  Result<bool> prepare_run_dir(const SandboxConfig& config, const std::string& run_dir, uid_t base);
  Result<bool> prepare_workspace(const SandboxConfig& config, const std::string& dir, uid_t base);
  std::vector<std::string> proxy_args(const SandboxConfig& config) const;
  // Marks a sandbox whose supervisor is gone as exited and frees what it
  // left behind.
  Result<Status> reap_orphan(const std::string& id, const std::string& dir);

  NamespaceDriverOptions options_;
  std::mutex mutex_;
  std::map<std::string, UniqueFd> ready_pipes_;  // guarded by mutex_
};

}  // namespace nucleus::sandbox

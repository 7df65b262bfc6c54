// Creating sandboxes: directories, id ranges, keys, policy, workspace.
#include "sandbox/namespace_driver.h"
#include "common/file_text.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sandbox/cgroup.h"
#include "sandbox/launch_config.h"
#include "sandbox/remove_tree.h"
#include "sandbox/sandbox_id.h"
#include "sandbox/supervisor.h"
#include "sandbox/supervisor_records.h"
#include "sandbox/workspace_image.h"

namespace nucleus::sandbox {
namespace {

Error errno_error(const std::string& what) { return make_error(what + ": " + std::strerror(errno)); }

Result<bool> write_private_file(const std::string& path, const std::string& text, uid_t owner) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return errno_error("create " + path);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fchown(fd, owner, owner) == 0;
  ::close(fd);
  if (!ok) return errno_error("write " + path);
  return true;
}

Result<std::string> random_key() {
  unsigned char bytes[32];
  if (::getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) return errno_error("getrandom");
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}


}  // namespace

Result<std::unique_ptr<NamespaceDriver>> NamespaceDriver::make(NamespaceDriverOptions options) {
  for (const auto* binary : {&options.supervisor_binary, &options.proxy_binary}) {
    if (binary->empty() || !binary->starts_with('/') || ::access(binary->c_str(), X_OK) != 0) {
      return make_error(fmt::format("namespace driver: {} is not an executable absolute path", *binary));
    }
  }
  if (!options.state_dir.starts_with('/')) return make_error("namespace driver: state_dir must be absolute");
  if (::mkdir(options.state_dir.c_str(), 0711) != 0 && errno != EEXIST) {
    return errno_error("namespace driver: mkdir " + options.state_dir);
  }
  if (auto version = Cgroup::detect(kCgroupRoot); !version) return make_error("namespace driver: " + version.error());
  if (options.sandbox_subdir.find('/') != std::string::npos || options.sandbox_subdir.starts_with('.')) {
    return make_error("namespace driver: sandbox_subdir must be a plain directory name");
  }
  if (options.uid_base < kIdRange ||
      std::uint64_t{options.uid_base} + std::uint64_t{options.max_sandboxes} * kIdRange > 0xfffffffeULL) {
    return make_error("namespace driver: uid_base and max_sandboxes leave the 32-bit id space");
  }
  return std::unique_ptr<NamespaceDriver>(new NamespaceDriver(std::move(options)));
}

Result<std::string> NamespaceDriver::sandbox_dir(const std::string& id) const {
  auto checked = check_sandbox_id(id);
  if (!checked) return checked;
  if (options_.sandbox_subdir.empty()) return options_.state_dir + "/" + id;
  return options_.state_dir + "/" + id + "/" + options_.sandbox_subdir;
}

Result<Paths> NamespaceDriver::paths(const std::string& id) const {
  auto dir = sandbox_dir(id);
  if (!dir) return make_error(dir.error());
  const Layout layout(*dir);
  Paths paths{layout.dir,           layout.workspace, layout.run_dir,  layout.run_dir + "/proxy.sock",
              layout.run_dir + "/egress.sock", layout.run_dir + "/audit.log", layout.log_file, 0};
  if (auto config = launch_config_from_json(read_file_text(layout.launch_file))) paths.host_uid = config->uid_base;
  return paths;
}

// The lowest id range no sandbox on disk uses. Called under mutex_.
Result<uid_t> NamespaceDriver::allocate_uid_base() {
  std::set<uid_t> used;
  if (DIR* entries = ::opendir(options_.state_dir.c_str())) {
    while (const dirent* entry = ::readdir(entries)) {
      if (entry->d_name[0] == '.') continue;
      const std::string dir = options_.state_dir + "/" + entry->d_name +
                              (options_.sandbox_subdir.empty() ? "" : "/" + options_.sandbox_subdir);
      auto config = launch_config_from_json(read_file_text(dir + "/launch.json"));
      if (config) used.insert(config->uid_base);
    }
    ::closedir(entries);
  }
  for (std::uint32_t slot = 0; slot < options_.max_sandboxes; ++slot) {
    const uid_t base = options_.uid_base + slot * kIdRange;
    if (!used.contains(base)) return base;
  }
  return make_error(fmt::format("namespace driver: all {} sandbox id ranges are in use", options_.max_sandboxes));
}

Result<bool> NamespaceDriver::prepare_run_dir(const SandboxConfig& config, const std::string& run_dir, uid_t base) {
  if (::mkdir(run_dir.c_str(), 0700) != 0 || ::chown(run_dir.c_str(), base, base) != 0) {
    return errno_error("prepare " + run_dir);
  }
  if (::mkdir((run_dir + "/private").c_str(), 0700) != 0 || ::chown((run_dir + "/private").c_str(), base, base) != 0) {
    return errno_error("prepare " + run_dir + "/private");
  }
  for (const char* key : {"audit.key", "approver.key"}) {
    auto secret = random_key();
    if (!secret) return make_error(secret.error());
    if (auto ok = write_private_file(run_dir + "/" + key, *secret, base); !ok) return ok;
  }
  return write_private_file(run_dir + "/policy.yaml", config.policy_text, base);
}

Result<bool> NamespaceDriver::prepare_workspace(const SandboxConfig& config, const std::string& dir, uid_t base) {
  const Layout layout(dir);
  const uid_t agent = base + kAgentUid;
  if (::mkdir(layout.workspace.c_str(), 0755) != 0) return errno_error("mkdir " + layout.workspace);
  if (config.limits.workspace_bytes == 0) {
    if (::chown(layout.workspace.c_str(), agent, agent) != 0) return errno_error("chown " + layout.workspace);
    return true;
  }
  const std::string templates = options_.state_dir + "/.templates";
  if (auto ok = create_workspace_image(layout.workspace_image, config.limits.workspace_bytes, templates); !ok) {
    return ok;
  }
  if (auto ok = mount_workspace_image(layout.workspace_image, layout.workspace); !ok) return ok;
  // mkfs leaves lost+found behind; the agent has no use for it.
  ::rmdir((layout.workspace + "/lost+found").c_str());
  if (::chown(layout.workspace.c_str(), agent, agent) != 0 || ::chmod(layout.workspace.c_str(), 0755) != 0) {
    return errno_error("chown " + layout.workspace);
  }
  return true;
}

std::vector<std::string> NamespaceDriver::proxy_args(const SandboxConfig& config) const {
  const std::string run = kRunDirInside;
  std::vector<std::string> args{"--socket",          run + "/proxy.sock",
                                "--pod",             config.id,
                                "--policy",          run + "/policy.yaml",
                                "--workspace",       config.work_dir,
                                "--audit-log",       run + "/audit.log",
                                "--audit-key-file",  run + "/audit.key",
                                "--approver-key-file", run + "/approver.key",
                                "--private-dir",     run + "/private",
                                "--run-uid",         std::to_string(kAgentUid),
                                "--run-gid",         std::to_string(kAgentUid)};
  if (config.egress) {
    args.push_back("--egress-proxy");
    args.push_back(fmt::format("http://127.0.0.1:{}", kEgressBridgePort));
  }
  if (options_.confine_commands) args.push_back("--confine-commands");
  // The sandbox is a pid namespace of its own, where uid 1000 runs only
  // agent commands, so sweeping that uid is safe.
  args.push_back("--sweep-agent-processes");
  args.insert(args.end(), config.proxy_flags.begin(), config.proxy_flags.end());
  return args;
}

Result<Paths> NamespaceDriver::create(const SandboxConfig& config) {
  auto dir = sandbox_dir(config.id);
  if (!dir) return make_error(dir.error());
  if (!config.work_dir.starts_with('/') || config.work_dir == "/" ||
      config.work_dir.find("/..") != std::string::npos || config.work_dir.starts_with(kRunDirInside)) {
    return make_error(fmt::format("sandbox {}: work_dir {} must be an absolute directory below / outside {}",
                                  config.id, config.work_dir, kRunDirInside));
  }
  std::lock_guard lock(mutex_);
  auto base = allocate_uid_base();
  if (!base) return make_error(base.error());
  if (!options_.sandbox_subdir.empty()) {
    const std::string parent = options_.state_dir + "/" + config.id;
    if (::mkdir(parent.c_str(), 0711) != 0 && errno != EEXIST) return errno_error("mkdir " + parent);
  }
  if (::mkdir(dir->c_str(), 0711) != 0) {
    if (errno == EEXIST) return make_error(fmt::format("sandbox {} already exists", config.id));
    return errno_error("mkdir " + *dir);
  }
  const Layout layout(*dir);
  LaunchConfig launch{config.id, *dir, config.work_dir, config.root_dir, config.limits, *base,
                      options_.cgroup_parent, options_.proxy_binary, proxy_args(config), config.egress};
  Result<bool> prepared = true;
  if (::mkdir(layout.root_mount.c_str(), 0700) != 0) prepared = errno_error("mkdir " + layout.root_mount);
  if (prepared) prepared = prepare_run_dir(config, layout.run_dir, *base);
  if (prepared) prepared = prepare_workspace(config, *dir, *base);
  // launch.json last: its presence marks a complete sandbox directory and
  // reserves the id range.
  if (prepared) prepared = write_json_atomically(layout.launch_file, launch_config_to_json(launch));
  if (!prepared) {
    (void)unmount_if_mounted(layout.workspace);
    (void)remove_tree(*dir);
    return make_error(fmt::format("sandbox {}: {}", config.id, prepared.error()));
  }
  spdlog::info("event=sandbox_created sandbox={} uid_base={} workspace_bytes={}", config.id, *base,
               config.limits.workspace_bytes);
  return paths(config.id);
}

}  // namespace nucleus::sandbox

// Running sandboxes: start, readiness, connections, stop, status, reaping.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sandbox/cgroup.h"
#include "sandbox/launch_config.h"
#include "sandbox/namespace_driver.h"
#include "sandbox/ready_channel.h"
#include "sandbox/remove_tree.h"
#include "sandbox/supervisor.h"
#include "sandbox/supervisor_records.h"
#include "sandbox/workspace_image.h"

namespace nucleus::sandbox {
namespace {

using namespace std::chrono_literals;

Error errno_error(const std::string& what) { return make_error(what + ": " + std::strerror(errno)); }

std::string log_tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  if (all.size() > 2000) all = "..." + all.substr(all.size() - 2000);
  while (!all.empty() && all.back() == '\n') all.pop_back();
  return all.empty() ? "(empty)" : all;
}

// Connects through /proc/self/fd so the socket path never hits the 108-byte
// sun_path limit, however deep the state directory is.
Result<UniqueFd> connect_in_dir(const std::string& dir, const std::string& name) {
  UniqueFd dir_fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return errno_error("open " + dir);
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return errno_error("socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = fmt::format("/proc/self/fd/{}/{}", dir_fd.get(), name);
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return errno_error("connect " + dir + "/" + name);
  }
  return sock;
}

Result<bool> spawn_supervisor(const std::string& binary, const Layout& layout, int ready_write) {
  UniqueFd log(::open(layout.log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (!log) return errno_error("open " + layout.log_file);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, log.get(), 2);
  posix_spawn_file_actions_adddup2(&actions, ready_write, kReadyFd);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigset_t defaults;
  sigemptyset(&none);
  sigfillset(&defaults);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string arg0 = "nucleus-sandbox";
  std::string arg1 = "supervise";
  std::string arg2 = layout.dir;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path_env, nullptr};
  pid_t pid = 0;
  const int error = ::posix_spawn(&pid, binary.c_str(), &actions, &attributes, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) return make_error(fmt::format("cannot run {}: {}", binary, std::strerror(error)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return make_error(fmt::format("{} failed to detach: {}", binary, log_tail(layout.log_file)));
  }
  return true;
}

}  // namespace

Result<bool> NamespaceDriver::start(const std::string& id) {
  auto dir = sandbox_dir(id);
  if (!dir) return make_error(dir.error());
  const Layout layout(*dir);
  if (::access(layout.launch_file.c_str(), F_OK) != 0) return make_error(fmt::format("no sandbox {}", id));
  // The marker is created exclusively, so two racing calls cannot both
  // launch a supervisor.
  UniqueFd marker(::open((layout.dir + "/started").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!marker) {
    if (errno == EEXIST) return make_error(fmt::format("sandbox {} was already started", id));
    return errno_error("create " + layout.dir + "/started");
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return errno_error("pipe2");
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  if (auto spawned = spawn_supervisor(options_.supervisor_binary, layout, write_end.get()); !spawned) {
    return make_error(fmt::format("sandbox {}: {}", id, spawned.error()));
  }
  std::lock_guard lock(mutex_);
  ready_pipes_[id] = std::move(read_end);
  return true;
}

Result<bool> NamespaceDriver::wait_ready(const std::string& id, std::chrono::milliseconds timeout) {
  auto dir = sandbox_dir(id);
  if (!dir) return make_error(dir.error());
  const Layout layout(*dir);
  UniqueFd pipe;
  {
    std::lock_guard lock(mutex_);
    if (auto it = ready_pipes_.find(id); it != ready_pipes_.end()) {
      pipe = std::move(it->second);
      ready_pipes_.erase(it);
    }
  }
  if (!pipe) {
    // Adopted or already waited for: the proxy is ready when it accepts a connection.
    if (connect_in_dir(layout.run_dir, "proxy.sock")) return true;
    return make_error(fmt::format("sandbox {}: its tool proxy does not accept connections", id));
  }
  pollfd entry{pipe.get(), POLLIN, 0};
  const int ready = ::poll(&entry, 1, static_cast<int>(timeout.count()));
  if (ready == 0) {
    return make_error(fmt::format("sandbox {}: tool proxy not ready after {} ms; log: {}", id, timeout.count(),
                                  log_tail(layout.log_file)));
  }
  char message[4096] = {};
  const ssize_t n = ::read(pipe.get(), message, sizeof(message) - 1);
  if (n >= 1 && message[0] == kReadyByte) return true;
  std::string reason = n > 1 ? std::string(message + 1, static_cast<std::size_t>(n - 1)) : "no report";
  while (!reason.empty() && reason.back() == '\n') reason.pop_back();
  return make_error(fmt::format("sandbox {} failed to start: {}; log: {}", id, reason, log_tail(layout.log_file)));
}

Result<UniqueFd> NamespaceDriver::connect(const std::string& id) {
  auto dir = sandbox_dir(id);
  if (!dir) return make_error(dir.error());
  return connect_in_dir(Layout(*dir).run_dir, "proxy.sock");
}

}  // namespace nucleus::sandbox

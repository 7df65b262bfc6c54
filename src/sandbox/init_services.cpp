#include "sandbox/init_services.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "egress/bridge.h"
#include "sandbox/ready_channel.h"
#include "sandbox/seccomp_filter.h"

namespace nucleus::sandbox {
namespace {

std::vector<std::string> proxy_argv(const LaunchConfig& config) {
  std::vector<std::string> argv{"nucleus-tool-proxy"};
  argv.insert(argv.end(), config.proxy_args.begin(), config.proxy_args.end());
  argv.push_back("--ready-fd");
  argv.push_back(std::to_string(kReadyFd));
  return argv;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the forked child: descriptors 0-3 only (stdin from /dev/null, the
// log as stdout and stderr, the ready pipe), default signal mask, its own
// session, then exec.
[[noreturn]] void exec_proxy(int proxy_binary, int ready_fd, char* const* argv, char* const* envp) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setsid();
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  if (ready_fd == kReadyFd) {
    ::fcntl(kReadyFd, F_SETFD, 0);
  } else {
    ::dup2(ready_fd, kReadyFd);
  }
  ::syscall(SYS_close_range, kReadyFd + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  ::syscall(SYS_execveat, proxy_binary, "", argv, envp, AT_EMPTY_PATH);
  const std::string reason = std::string("sandbox init: exec of the tool proxy failed: ") + std::strerror(errno);
  report_launch_failure(kReadyFd, reason);
  ::_exit(127);
}

int status_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

[[noreturn]] void reap_until_proxy_exits(pid_t proxy) {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  while (true) {
    int status = 0;
    for (pid_t done; (done = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      if (done == proxy) ::_exit(status_code(status));
    }
    siginfo_t info{};
    const int signal_number = ::sigwaitinfo(&signals, &info);
    if (signal_number == SIGTERM || signal_number == SIGINT || signal_number == SIGHUP) {
      // Every process in the pid namespace but this one.
      ::kill(-1, SIGTERM);
    }
  }
}

}  // namespace

void run_init_services(const LaunchConfig& config, int proxy_binary, int ready_fd) {
  auto argv_strings = proxy_argv(config);
  std::vector<std::string> env_strings{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/run/nucleus",
                                       "LANG=C.UTF-8", "TMPDIR=/tmp"};
  auto argv = pointers(argv_strings);
  auto envp = pointers(env_strings);
  // Bound before the proxy starts, so a ready proxy implies a ready bridge.
  std::unique_ptr<egress::LoopbackBridge> bridge;
  if (config.egress) {
    auto created = egress::LoopbackBridge::create(kEgressBridgePort, std::string(kRunDirInside) + "/egress.sock");
    if (!created) {
      report_launch_failure(ready_fd, "sandbox init: egress bridge: " + created.error());
      ::_exit(1);
    }
    bridge = std::move(*created);
  }
  // Installed once here, before the fork: the proxy inherits the filter
  // and keeps it across exec.
  if (auto filtered = apply_supervisor_filter(); !filtered) {
    report_launch_failure(ready_fd, "sandbox init: seccomp: " + filtered.error());
    ::_exit(1);
  }
  const pid_t proxy = ::fork();
  if (proxy < 0) {
    report_launch_failure(ready_fd, std::string("sandbox init: fork: ") + std::strerror(errno));
    ::_exit(1);
  }
  if (proxy == 0) exec_proxy(proxy_binary, ready_fd, argv.data(), envp.data());
  ::close(proxy_binary);
  if (bridge) {
    // Detached: the init only ever ends through _exit, which ends the
    // thread with it. Signals stay blocked in the thread (inherited mask).
    std::thread([relay = bridge.get()] {
      if (auto ran = relay->run(); !ran) std::fprintf(stderr, "sandbox init: egress bridge: %s\n", ran.error().c_str());
    }).detach();
  }
  reap_until_proxy_exits(proxy);
}

}  // namespace nucleus::sandbox

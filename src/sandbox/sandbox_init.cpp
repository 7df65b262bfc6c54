#include "sandbox/sandbox_init.h"

#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sandbox/init_services.h"
#include "sandbox/ready_channel.h"
#include "sandbox/rootfs.h"

namespace nucleus::sandbox {
namespace {

[[noreturn]] void die(int ready_fd, const std::string& what) {
  const std::string reason = fmt::format("sandbox init: {}: {}", what, std::strerror(errno));
  std::fprintf(stderr, "%s\n", reason.c_str());
  report_launch_failure(ready_fd, reason);
  ::_exit(1);
}

bool exchange(int sync_fd, char send, char expect) {
  if (send != 0 && ::send(sync_fd, &send, 1, MSG_NOSIGNAL) != 1) return false;
  if (expect == 0) return true;
  char byte = 0;
  ssize_t n = 0;
  do {
    n = ::recv(sync_fd, &byte, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n == 1 && byte == expect;
}

bool bring_up_loopback() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  ::close(fd);
  return ok;
}

std::string hostname_for(const std::string& id) { return ("nucleus-" + id).substr(0, 63); }

// As host root in the new mount, pid, net, ipc and uts namespaces.
void build_file_system(const LaunchConfig& config, int ready_fd) {
  const std::string hostname = hostname_for(config.id);
  if (::sethostname(hostname.data(), hostname.size()) != 0) die(ready_fd, "sethostname");
  if (!bring_up_loopback()) die(ready_fd, "bring up loopback");
  const Layout layout(config.dir);
  RootfsPlan plan;
  plan.assemble_at = layout.root_mount;
  plan.system_root = config.root_dir.empty() ? "" : config.root_dir;
  plan.workspace = layout.workspace;
  plan.work_dir = config.work_dir;
  plan.run_dir = layout.run_dir;
  plan.tmp_bytes = config.limits.tmp_bytes;
  plan.hostname = hostname;
  if (auto built = build_rootfs(plan); !built) {
    errno = 0;
    report_launch_failure(ready_fd, "sandbox init: " + built.error());
    std::fprintf(stderr, "sandbox init: %s\n", built.error().c_str());
    ::_exit(1);
  }
}

// Enters the user namespace that owns nothing but itself and becomes its
// uid 0 once the supervisor has written the maps.
void become_sandbox_root(int sync_fd, int ready_fd) {
  if (::unshare(CLONE_NEWUSER) != 0) die(ready_fd, "unshare(CLONE_NEWUSER)");
  if (!exchange(sync_fd, kSyncUnshared, kSyncMapped)) die(ready_fd, "supervisor did not map the user ids");
  if (::setresgid(0, 0, 0) != 0) die(ready_fd, "setresgid(0)");
  if (::setgroups(0, nullptr) != 0) die(ready_fd, "setgroups(0)");
  if (::setresuid(0, 0, 0) != 0) die(ready_fd, "setresuid(0)");
}

}  // namespace

void run_init(const LaunchConfig& config, int sync_fd, int ready_fd) {
  // Dies with the supervisor. Set before the first message, so a
  // supervisor that died earlier shows up as a closed socket below.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die(ready_fd, "prctl(PR_SET_PDEATHSIG)");
  const int proxy_binary = ::open(config.proxy_binary.c_str(), O_PATH | O_CLOEXEC);
  if (proxy_binary < 0) die(ready_fd, "open " + config.proxy_binary);
  // The file system is built while the supervisor moves this process into
  // its cgroup, which is a slow write on cgroup v1. Only the cgroup
  // namespace has to wait for that move.
  build_file_system(config, ready_fd);
  if (!exchange(sync_fd, 0, kSyncInCgroup)) ::_exit(1);
  if (::unshare(CLONE_NEWCGROUP) != 0) die(ready_fd, "unshare(CLONE_NEWCGROUP)");
  become_sandbox_root(sync_fd, ready_fd);
  // The credential change cleared the parent-death signal: set it again,
  // then make sure the supervisor did not die in between (its end of the
  // socket pair would read as closed).
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die(ready_fd, "prctl(PR_SET_PDEATHSIG)");
  char probe = 0;
  if (::recv(sync_fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT) == 0) ::_exit(1);
  ::close(sync_fd);
  run_init_services(config, proxy_binary, ready_fd);
}

}  // namespace nucleus::sandbox

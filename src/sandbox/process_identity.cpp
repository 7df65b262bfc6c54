#include "sandbox/process_identity.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

namespace nucleus::sandbox {

std::optional<ProcessIdentity> identify(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name (field 2) may contain spaces and parentheses; the
  // fields after it start behind the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  // Field 3 is the state: a zombie has exited and only waits to be reaped.
  std::string state;
  if (!(fields >> state) || state == "Z" || state == "X") return std::nullopt;
  // The start time is field 22.
  for (int index = 4; index < 22; ++index) {
    if (!(fields >> field)) return std::nullopt;
  }
  std::uint64_t start = 0;
  if (!(fields >> start)) return std::nullopt;
  return ProcessIdentity{pid, start};
}

std::optional<UniqueFd> open_verified_pidfd(const ProcessIdentity& who) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, who.pid, 0)));
  if (!fd) return std::nullopt;
  // Opened first, checked second: if the start time still matches now,
  // the descriptor was opened on the right process.
  const auto now = identify(who.pid);
  if (!now || !(*now == who)) return std::nullopt;
  return fd;
}

bool wait_pidfd(int pidfd, int timeout_ms) {
  pollfd entry{pidfd, POLLIN, 0};
  while (true) {
    const int ready = ::poll(&entry, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0;
  }
}

int send_signal(int pidfd, int signal_number) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal_number, nullptr, 0));
}

}  // namespace nucleus::sandbox

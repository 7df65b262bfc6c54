// Creation of the per-pod listening Unix socket.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/errno_text.h"
#include "egress/pod_egress.h"

namespace nucleus::egress {
namespace {

constexpr int kListenBacklog = 128;

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    return make_error("Unix socket path \"" + path + "\" is empty or longer than " +
                      std::to_string(sizeof address.sun_path - 1) + " bytes");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

// Removes a socket file without a listener, as a crashed proxy leaves.
// Fails when the path is a live socket or not a socket at all.
Result<std::monostate> remove_stale_socket(const std::string& path, const sockaddr_un& address) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return std::monostate{};
    return make_error(syscall_error("lstat", path));
  }
  if (!S_ISSOCK(info.st_mode)) return make_error("\"" + path + "\" exists and is not a socket");
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe) return make_error(syscall_error("socket", "AF_UNIX"));
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    return make_error("a live socket already exists at \"" + path + "\" (is another proxy serving this pod?)");
  }
  if (::unlink(path.c_str()) != 0) return make_error(syscall_error("unlink", path));
  return std::monostate{};
}

}  // namespace

Result<UniqueFd> listen_unix(const std::string& path, uid_t owner, gid_t group) {
  auto address = unix_address(path);
  if (!address) return Error{address.error()};
  if (auto removed = remove_stale_socket(path, *address); !removed) return Error{removed.error()};

  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listener) return make_error(syscall_error("socket", "AF_UNIX"));
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0) {
    return make_error(syscall_error("bind", path));
  }
  // Ownership and mode are set before listen(), so no client can connect
  // while the file still has the umask's mode.
  std::string failure;
  if (::lchown(path.c_str(), owner, group) != 0) {
    failure = syscall_error("lchown", path + "\", \"" + std::to_string(owner) + ":" + std::to_string(group));
  } else if (::chmod(path.c_str(), 0660) != 0) {
    failure = syscall_error("chmod", path);
  } else if (::listen(listener.get(), kListenBacklog) != 0) {
    failure = syscall_error("listen", path);
  }
  if (!failure.empty()) {
    ::unlink(path.c_str());
    return make_error(failure);
  }
  return listener;
}

}  // namespace nucleus::egress

#include "proxy/workspace_internal.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errno_text.h"

namespace nucleus::proxy::workspace_internal {

namespace {

// A path that keeps hitting EAGAIN is under a sustained rename storm; give
// up rather than spin.
constexpr int kMaxOpenAttempts = 16;

std::string_view file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

}  // namespace

UniqueFd openat2_fd(int dir_fd, const std::string& path, int flags, mode_t mode,
                    std::uint64_t resolve) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = mode;
  how.resolve = resolve;
  for (int attempt = 0; attempt < kMaxOpenAttempts; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno != EAGAIN && errno != EINTR) break;
  }
  return UniqueFd();
}

Result<std::string> fd_path(int fd) {
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  std::array<char, PATH_MAX> buffer{};
  const ssize_t length = ::readlink(link.c_str(), buffer.data(), buffer.size());
  if (length < 0) return make_error(syscall_error("readlink", link));
  if (static_cast<std::size_t>(length) == buffer.size()) {
    return make_error(fmt::format("readlink(\"{}\") returned a path of PATH_MAX bytes or more", link));
  }
  return std::string(buffer.data(), static_cast<std::size_t>(length));
}

std::optional<std::string> relative_to(std::string_view path, std::string_view base) {
  if (path == base) return ".";
  if (base == "/") {
    if (!path.starts_with('/')) return std::nullopt;
    return std::string(path.substr(1));
  }
  if (path.size() > base.size() && path.starts_with(base) && path[base.size()] == '/') {
    return std::string(path.substr(base.size() + 1));
  }
  return std::nullopt;
}

ToolError open_error(const std::string& agent_path, const std::string& relative, int error_number,
                     const std::string& work_dir) {
  using Kind = ToolError::Kind;
  const std::string call = syscall_error("openat2", relative, error_number);
  switch (error_number) {
    case ENOENT:
      return {Kind::not_found, fmt::format("{} does not exist ({})", agent_path, call)};
    case ENOTDIR:
      return {Kind::not_found,
              fmt::format("{} or one of its parents is not a directory ({})", agent_path, call)};
    case EXDEV:
      spdlog::info("workspace: escape refused path={} reason=symlink_outside", agent_path);
      return {Kind::denied,
              fmt::format("{} leads outside the workspace {} through a symbolic link; only links "
                          "that stay inside it are followed ({})",
                          agent_path, work_dir, call)};
    case ELOOP:
      spdlog::info("workspace: escape refused path={} reason=link_not_followed", agent_path);
      return {Kind::denied,
              fmt::format("{} goes through a link that is not followed here: a magic link such as "
                          "/proc/self/fd/N, a symbolic link inside a search, or a loop of "
                          "symbolic links ({})",
                          agent_path, call)};
    case ENAMETOOLONG:
      return {Kind::invalid_argument, fmt::format("{} is too long ({})", agent_path, call)};
    case EACCES:
    case EPERM:
      return {Kind::denied, fmt::format("permission denied for {} ({})", agent_path, call)};
    default:
      spdlog::warn("workspace: open failed path={} error={}", agent_path, call);
      return {Kind::failed, fmt::format("cannot open {} ({})", agent_path, call)};
  }
}

std::optional<ToolError> check_path(const PathCheck& check, policy::Operation operation,
                                    const std::string& path) {
  if (!check) {
    return ToolError{ToolError::Kind::denied,
                     fmt::format("{} on {} is denied: no path rules are configured",
                                 policy::to_string(operation), path)};
  }
  auto reason = check(operation, path);
  if (!reason) return std::nullopt;
  return ToolError{ToolError::Kind::denied, fmt::format("{} on {} is denied: {}",
                                                        policy::to_string(operation), path, *reason)};
}

std::optional<ToolError> require_regular(const std::string& path, const struct stat& status) {
  if (S_ISREG(status.st_mode)) return std::nullopt;
  return ToolError{ToolError::Kind::denied,
                   fmt::format("{} is {}; only regular files can be read or written", path,
                               file_type_name(status.st_mode))};
}

std::optional<ToolError> require_single_link(const std::string& path, const struct stat& status) {
  if (status.st_nlink <= 1) return std::nullopt;
  return ToolError{ToolError::Kind::denied,
                   fmt::format("{} has {} hard links; writing it could change a file outside the "
                               "workspace, so it is refused",
                               path, status.st_nlink)};
}

}  // namespace nucleus::proxy::workspace_internal

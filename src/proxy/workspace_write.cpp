// Workspace::replace_file: atomic writes beneath the workspace root.
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errno_text.h"
#include "proxy/workspace.h"
#include "proxy/workspace_internal.h"

namespace nucleus::proxy {

using policy::Operation;
namespace internal = workspace_internal;

namespace {

std::vector<std::string> split_segments(const std::string& relative) {
  std::vector<std::string> segments;
  if (relative == ".") return segments;
  std::size_t begin = 0;
  while (begin <= relative.size()) {
    std::size_t end = relative.find('/', begin);
    if (end == std::string::npos) end = relative.size();
    segments.push_back(relative.substr(begin, end - begin));
    begin = end + 1;
  }
  return segments;
}

std::string join_path(const std::string& directory, std::string_view name) {
  return directory == "/" ? fmt::format("/{}", name) : fmt::format("{}/{}", directory, name);
}

// Removes the temp file unless it was renamed into place.
class TempFileGuard {
 public:
  TempFileGuard(int dir_fd, std::string name) : dir_fd_(dir_fd), name_(std::move(name)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard() {
    if (armed_ && ::unlinkat(dir_fd_, name_.c_str(), 0) != 0) {
      spdlog::warn("workspace: cannot remove temp file name={} error={}", name_,
                   syscall_error("unlinkat", name_));
    }
  }
  void disarm() { armed_ = false; }

 private:
  int dir_fd_;
  std::string name_;
  bool armed_ = true;
};

ToolOutcome<std::string> random_temp_name() {
  std::array<unsigned char, 8> bytes{};
  if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    return ToolError{ToolError::Kind::failed, syscall_error("getrandom", "8 bytes")};
  }
  std::string name = ".nucleus-write-";
  for (unsigned char byte : bytes) name += fmt::format("{:02x}", byte);
  return name;
}

std::optional<ToolError> write_all(int fd, std::string_view content, const std::string& name) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return ToolError{ToolError::Kind::failed, syscall_error("write", name)};
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return std::nullopt;
}

// Gives the temp file the replaced file's owner and mode. The owner is
// best effort: without CAP_CHOWN the file keeps the proxy's owner.
std::optional<ToolError> copy_attributes(int fd, const struct stat& existing,
                                         const std::string& path) {
  if (::fchown(fd, existing.st_uid, existing.st_gid) != 0 && errno != EPERM) {
    return ToolError{ToolError::Kind::failed, syscall_error("fchown", path)};
  }
  // After fchown, which clears set-user-ID and set-group-ID bits.
  if (::fchmod(fd, existing.st_mode & 07777) != 0) {
    return ToolError{ToolError::Kind::failed, syscall_error("fchmod", path)};
  }
  return std::nullopt;
}

std::optional<ToolError> write_and_rename(int dir_fd, const std::string& name,
                                          const std::string& path, std::string_view content,
                                          const struct stat* existing) {
  auto temp_name = random_temp_name();
  if (auto* error = std::get_if<ToolError>(&temp_name)) return *error;
  const std::string& temp = std::get<std::string>(temp_name);

  // Until the rename the temp file is private to the proxy (mode 0600) when
  // it replaces a file whose mode it will copy.
  const mode_t mode = existing != nullptr ? 0600 : 0666;
  UniqueFd fd = internal::openat2_fd(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL, mode,
                                     internal::kBeneathNoSymlinks);
  if (!fd) return ToolError{ToolError::Kind::failed, syscall_error("openat2", temp)};
  TempFileGuard guard(dir_fd, temp);

  if (auto error = write_all(fd.get(), content, path)) return error;
  if (existing != nullptr) {
    if (auto error = copy_attributes(fd.get(), *existing, path)) return error;
  }
  if (::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0) {
    const auto kind = errno == EISDIR ? ToolError::Kind::invalid_argument : ToolError::Kind::failed;
    return ToolError{kind, syscall_error("renameat", name)};
  }
  guard.disarm();
  return std::nullopt;
}

// Checks what currently sits at name in the target directory; returns
// whether a file exists there to be replaced.
ToolOutcome<bool> inspect_existing(int dir_fd, const std::string& name, const std::string& path,
                                   struct stat& status) {
  if (::fstatat(dir_fd, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    return ToolError{ToolError::Kind::failed, syscall_error("fstatat", path)};
  }
  if (S_ISLNK(status.st_mode)) {
    return ToolError{ToolError::Kind::conflict,
                     fmt::format("{} is a symbolic link whose target does not exist, or it changed "
                                 "during the call; write to the target's path instead",
                                 path)};
  }
  if (S_ISDIR(status.st_mode)) {
    return ToolError{ToolError::Kind::invalid_argument,
                     fmt::format("{} is a directory, not a file", path)};
  }
  if (auto error = internal::require_regular(path, status)) return *error;
  if (auto error = internal::require_single_link(path, status)) return *error;
  return true;
}

}  // namespace

// Follows an existing target through symlinks that stay beneath the root,
// so writing notes.txt -> docs/notes.md replaces docs/notes.md and the path
// rules judge docs/notes.md.
ToolOutcome<AgentPath> Workspace::locate_write_target(const AgentPath& requested,
                                                      Operation operation,
                                                      const PathCheck& check) const {
  UniqueFd fd = internal::openat2_fd(root_.get(), requested.relative, O_PATH, 0, internal::kBeneath);
  if (!fd) {
    if (errno == ENOENT) return requested;
    return internal::open_error(requested.absolute, requested.relative, errno, work_dir_);
  }
  auto real = agent_path_of(fd.get(), requested.absolute);
  if (auto* error = std::get_if<ToolError>(&real)) return *error;
  const std::string& real_path = std::get<std::string>(real);
  if (real_path == requested.absolute) return requested;

  if (auto error = internal::check_path(check, operation, real_path)) {
    error->message += fmt::format(" ({} is a symbolic link to it)", requested.absolute);
    return *error;
  }
  return resolve(real_path);
}

// Opens the directory that will hold `name`, creating missing directories
// one at a time. The path rules see the planned file before the first
// mkdirat, so a refused write leaves no directories behind.
ToolOutcome<OpenedEntry> Workspace::open_parent_for_write(const AgentPath& parent,
                                                          std::string_view name,
                                                          Operation operation,
                                                          const PathCheck& check) const {
  const std::vector<std::string> segments = split_segments(parent.relative);
  std::size_t existing = segments.size();
  UniqueFd fd;
  std::string prefix;
  while (true) {
    prefix = existing == 0 ? "." : segments[0];
    for (std::size_t i = 1; i < existing; ++i) prefix += "/" + segments[i];
    fd = internal::openat2_fd(root_.get(), prefix, O_PATH | O_DIRECTORY, 0, internal::kBeneath);
    if (fd) break;
    if (errno != ENOENT || existing == 0) {
      const int error_number = errno;
      return internal::open_error(join_path(work_dir_, prefix), prefix, error_number, work_dir_);
    }
    --existing;
  }

  auto real = agent_path_of(fd.get(), join_path(work_dir_, prefix));
  if (auto* error = std::get_if<ToolError>(&real)) return *error;
  if (existing < segments.size()) {
    std::string planned = std::get<std::string>(real);
    for (std::size_t i = existing; i < segments.size(); ++i) planned = join_path(planned, segments[i]);
    planned = join_path(planned, name);
    if (auto error = internal::check_path(check, operation, planned)) return *error;
  }

  for (std::size_t i = existing; i < segments.size(); ++i) {
    const std::string& segment = segments[i];
    if (::mkdirat(fd.get(), segment.c_str(), 0777) != 0 && errno != EEXIST) {
      const bool refused = errno == EACCES || errno == EPERM || errno == EROFS;
      return ToolError{refused ? ToolError::Kind::denied : ToolError::Kind::failed,
                       fmt::format("cannot create the parent directories of {} ({})",
                                   parent.absolute, syscall_error("mkdirat", segment))};
    }
    // Only this step's own directory is acceptable: a symlink planted
    // between mkdirat and this open fails with ELOOP.
    fd = internal::openat2_fd(fd.get(), segment, O_PATH | O_DIRECTORY, 0,
                              internal::kBeneathNoSymlinks);
    if (!fd) return internal::open_error(parent.absolute, segment, errno, work_dir_);
  }
  if (existing < segments.size()) real = agent_path_of(fd.get(), parent.absolute);
  if (auto* error = std::get_if<ToolError>(&real)) return *error;

  OpenedEntry entry;
  entry.fd = std::move(fd);
  entry.path = std::move(std::get<std::string>(real));
  return entry;
}

ToolOutcome<std::string> Workspace::replace_file(std::string_view path, Operation operation,
                                                 const PathCheck& check,
                                                 std::string_view content) const {
  if (content.size() > limits_.max_write_bytes) {
    return ToolError{ToolError::Kind::too_large,
                     fmt::format("content is {} bytes; the maximum per write is {}",
                                 content.size(), limits_.max_write_bytes)};
  }
  auto resolved = resolve(path);
  if (auto* error = std::get_if<ToolError>(&resolved)) return *error;
  const AgentPath& requested = std::get<AgentPath>(resolved);
  if (requested.relative == ".") {
    return ToolError{ToolError::Kind::invalid_argument,
                     fmt::format("{} is the workspace directory itself, not a file", requested.absolute)};
  }
  if (auto error = internal::check_path(check, operation, requested.absolute)) return *error;

  auto located = locate_write_target(requested, operation, check);
  if (auto* error = std::get_if<ToolError>(&located)) return *error;
  const AgentPath& target = std::get<AgentPath>(located);

  const std::size_t slash = target.absolute.rfind('/');
  const std::string name = target.absolute.substr(slash + 1);
  auto parent_path = resolve(slash == 0 ? "/" : target.absolute.substr(0, slash));
  if (auto* error = std::get_if<ToolError>(&parent_path)) return *error;

  auto parent = open_parent_for_write(std::get<AgentPath>(parent_path), name, operation, check);
  if (auto* error = std::get_if<ToolError>(&parent)) return *error;
  const OpenedEntry& directory = std::get<OpenedEntry>(parent);

  const std::string final_path = join_path(directory.path, name);
  if (final_path != target.absolute) {
    if (auto error = internal::check_path(check, operation, final_path)) return *error;
  }
  struct stat existing {};
  auto exists = inspect_existing(directory.fd.get(), name, final_path, existing);
  if (auto* error = std::get_if<ToolError>(&exists)) return *error;

  const struct stat* replaced = std::get<bool>(exists) ? &existing : nullptr;
  if (auto error = write_and_rename(directory.fd.get(), name, final_path, content, replaced)) {
    return *error;
  }
  return final_path;
}

}  // namespace nucleus::proxy

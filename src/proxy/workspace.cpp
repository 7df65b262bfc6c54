// Opening agent paths beneath the workspace root. Writing lives in
// workspace_write.cpp.
#include "proxy/workspace.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "common/errno_text.h"
#include "policy/glob.h"
#include "proxy/workspace_internal.h"

namespace nucleus::proxy {

using policy::Operation;

namespace {

std::size_t longest_segment(std::string_view path) {
  std::size_t longest = 0;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    longest = std::max(longest, end - begin);
    begin = end + 1;
  }
  return longest;
}

}  // namespace

Result<Workspace> Workspace::open(const std::string& root_dir, const std::string& agent_work_dir,
                                  Limits limits) {
  const auto normalized = policy::normalize_path(agent_work_dir, "/");
  if (!agent_work_dir.starts_with('/') || !normalized || *normalized != agent_work_dir) {
    return make_error(fmt::format(
        "agent work dir \"{}\" must be an absolute, normalized path such as /workspace",
        agent_work_dir));
  }
  UniqueFd root(::open(root_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return make_error(syscall_error("open", root_dir));

  auto real = workspace_internal::fd_path(root.get());
  if (!real) return make_error(real.error());
  return Workspace(std::move(root), std::move(real).value(), agent_work_dir, limits);
}

ToolOutcome<AgentPath> Workspace::resolve(std::string_view path) const {
  using Kind = ToolError::Kind;
  if (path.empty()) return ToolError{Kind::invalid_argument, "path is empty"};
  if (path.find('\0') != std::string_view::npos) {
    return ToolError{Kind::invalid_argument, "path contains a NUL byte"};
  }
  if (path.size() >= PATH_MAX) {
    return ToolError{Kind::invalid_argument,
                     fmt::format("path is {} bytes long; the maximum is {}", path.size(),
                                 PATH_MAX - 1)};
  }
  const auto segments = static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + 1;
  if (segments > limits_.max_path_segments) {
    return ToolError{Kind::invalid_argument,
                     fmt::format("path has {} segments; the maximum is {}", segments,
                                 limits_.max_path_segments)};
  }
  // Checked here rather than left to the kernel, so that a write never
  // creates the parents of a name it cannot create.
  if (const std::size_t longest = longest_segment(path); longest > NAME_MAX) {
    return ToolError{Kind::invalid_argument,
                     fmt::format("path has a {}-byte segment; the maximum is {}", longest,
                                 NAME_MAX)};
  }

  auto normalized = policy::normalize_path(path, work_dir_);
  if (!normalized) return ToolError{Kind::invalid_argument, fmt::format("invalid path \"{}\"", path)};
  if (normalized->size() >= PATH_MAX) {
    return ToolError{Kind::invalid_argument,
                     fmt::format("path \"{}\" is longer than {} bytes once made absolute", path,
                                 PATH_MAX - 1)};
  }

  auto relative = workspace_internal::relative_to(*normalized, work_dir_);
  if (!relative) {
    return ToolError{Kind::denied,
                     fmt::format("{} is outside the workspace {}; paths must lie under it",
                                 *normalized, work_dir_)};
  }
  return AgentPath{std::move(*normalized), std::move(*relative)};
}

// The kernel reports where the fd really is. Mapping that back to an agent
// path is what lets the path rules see through symlinks: notes.txt -> .env
// is checked as .env.
ToolOutcome<std::string> Workspace::agent_path_of(int fd, const std::string& requested) const {
  auto real = workspace_internal::fd_path(fd);
  if (!real) return ToolError{ToolError::Kind::failed, real.error()};

  // readlink reports "PATH (deleted)" for an unlinked file, which would
  // dodge name-based rules. Checking the link count after readlink closes
  // that gap, because a count of zero never goes back up for such a file.
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    return ToolError{ToolError::Kind::failed, syscall_error("fstat", requested)};
  }
  if (status.st_nlink == 0) {
    return ToolError{ToolError::Kind::conflict,
                     fmt::format("{} was removed while it was being opened; retry", requested)};
  }

  auto relative = workspace_internal::relative_to(*real, root_real_path_);
  if (!relative) {
    return ToolError{ToolError::Kind::denied,
                     fmt::format("{} was opened outside the workspace; refusing it", requested)};
  }
  if (*relative == ".") return work_dir_;
  return work_dir_ == "/" ? "/" + *relative : work_dir_ + "/" + *relative;
}

ToolOutcome<UniqueFd> Workspace::reopen(const OpenedEntry& entry, int flags) const {
  // Reopening through the magic link yields the same inode the O_PATH fd
  // refers to, whatever happens to its name meanwhile.
  const std::string link = "/proc/self/fd/" + std::to_string(entry.fd.get());
  UniqueFd fd(::open(link.c_str(), flags | O_CLOEXEC | O_NOCTTY));
  if (!fd) return ToolError{ToolError::Kind::failed, syscall_error("open", link)};

  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) {
    return ToolError{ToolError::Kind::failed, syscall_error("fstat", entry.path)};
  }
  if (status.st_dev != entry.status.st_dev || status.st_ino != entry.status.st_ino) {
    return ToolError{ToolError::Kind::failed,
                     fmt::format("{} changed while it was being opened; retry", entry.path)};
  }
  return fd;
}

ToolOutcome<OpenedEntry> Workspace::open_path(std::string_view path, Operation operation,
                                              const PathCheck& check, Symlinks symlinks) const {
  auto resolved = resolve(path);
  if (auto* error = std::get_if<ToolError>(&resolved)) return *error;
  const AgentPath& requested = std::get<AgentPath>(resolved);
  if (auto error = workspace_internal::check_path(check, operation, requested.absolute)) {
    return *error;
  }

  const std::uint64_t resolve_flags = symlinks == Symlinks::reject
                                          ? workspace_internal::kBeneathNoSymlinks
                                          : workspace_internal::kBeneath;
  OpenedEntry entry;
  entry.fd = workspace_internal::openat2_fd(root_.get(), requested.relative, O_PATH, 0,
                                            resolve_flags);
  if (!entry.fd) {
    return workspace_internal::open_error(requested.absolute, requested.relative, errno, work_dir_);
  }

  auto real = agent_path_of(entry.fd.get(), requested.absolute);
  if (auto* error = std::get_if<ToolError>(&real)) return *error;
  entry.path = std::move(std::get<std::string>(real));
  if (entry.path != requested.absolute) {
    if (auto error = workspace_internal::check_path(check, operation, entry.path)) {
      error->message += fmt::format(" ({} is a symbolic link to it)", requested.absolute);
      return *error;
    }
  }
  if (::fstat(entry.fd.get(), &entry.status) != 0) {
    return ToolError{ToolError::Kind::failed, syscall_error("fstat", entry.path)};
  }
  return entry;
}

ToolOutcome<OpenedEntry> Workspace::open_file(std::string_view path, Operation operation,
                                              const PathCheck& check, Access access,
                                              Symlinks symlinks) const {
  auto opened = open_path(path, operation, check, symlinks);
  if (auto* error = std::get_if<ToolError>(&opened)) return *error;
  OpenedEntry& entry = std::get<OpenedEntry>(opened);

  if (S_ISDIR(entry.status.st_mode)) {
    return ToolError{ToolError::Kind::invalid_argument,
                     fmt::format("{} is a directory, not a file; use glob to list it", entry.path)};
  }
  if (auto error = workspace_internal::require_regular(entry.path, entry.status)) return *error;
  if (access == Access::modify) {
    if (auto error = workspace_internal::require_single_link(entry.path, entry.status)) {
      return *error;
    }
  }

  auto reopened = reopen(entry, O_RDONLY);
  if (auto* error = std::get_if<ToolError>(&reopened)) return *error;
  entry.fd = std::move(std::get<UniqueFd>(reopened));
  return std::move(entry);
}

ToolOutcome<OpenedEntry> Workspace::open_directory(std::string_view path, Operation operation,
                                                   const PathCheck& check,
                                                   Symlinks symlinks) const {
  auto opened = open_path(path, operation, check, symlinks);
  if (auto* error = std::get_if<ToolError>(&opened)) return *error;
  OpenedEntry& entry = std::get<OpenedEntry>(opened);

  if (!S_ISDIR(entry.status.st_mode)) {
    return ToolError{ToolError::Kind::invalid_argument,
                     fmt::format("{} is not a directory", entry.path)};
  }
  auto reopened = reopen(entry, O_RDONLY | O_DIRECTORY);
  if (auto* error = std::get_if<ToolError>(&reopened)) return *error;
  entry.fd = std::move(std::get<UniqueFd>(reopened));
  return std::move(entry);
}

}  // namespace nucleus::proxy

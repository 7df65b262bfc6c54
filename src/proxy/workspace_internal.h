// Helpers shared by workspace.cpp and workspace_write.cpp: openat2(2),
// fd-to-path mapping and the errors they turn into. Not for other callers;
// use Workspace.
#pragma once

#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"
#include "policy/operation.h"
#include "proxy/tool.h"

namespace nucleus::proxy::workspace_internal {

// Resolution stays beneath the directory fd, and magic links such as
// /proc/self/fd/N or /proc/self/root are never followed.
inline constexpr std::uint64_t kBeneath = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
inline constexpr std::uint64_t kBeneathNoSymlinks = kBeneath | RESOLVE_NO_SYMLINKS;

// openat2(2) of `path` relative to `dir_fd`, always with O_CLOEXEC. Retries
// on EINTR and on EAGAIN, which RESOLVE_BENEATH returns when a concurrent
// rename or mount might have let a ".." escape. On failure the fd is
// invalid and errno is set.
UniqueFd openat2_fd(int dir_fd, const std::string& path, int flags, mode_t mode,
                    std::uint64_t resolve);

// The path of `fd` as /proc/self/fd/N reports it.
Result<std::string> fd_path(int fd);

// "." when `path` equals `base`, the rest after "base/" when `path` lies
// under it, nullopt otherwise. Both are absolute and normalized.
std::optional<std::string> relative_to(std::string_view path, std::string_view base);

// The ToolError for a failed openat2 of `relative` (`agent_path` is the
// agent's name for it), with the kind chosen from `error_number`.
ToolError open_error(const std::string& agent_path, const std::string& relative, int error_number,
                     const std::string& work_dir);

// Calls `check`; a missing check denies everything (fail closed).
std::optional<ToolError> check_path(const PathCheck& check, policy::Operation operation,
                                    const std::string& path);

// denied unless `status` is a regular file.
std::optional<ToolError> require_regular(const std::string& path, const struct stat& status);

// denied when the file has more than one hard link: another name for it
// may lie outside the workspace, and writing would change that file too.
std::optional<ToolError> require_single_link(const std::string& path, const struct stat& status);

}  // namespace nucleus::proxy::workspace_internal

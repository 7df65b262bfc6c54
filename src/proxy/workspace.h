// The agent's workspace directory, confined by the kernel: every path the
// agent names is opened beneath one directory fd with openat2(2) and
// RESOLVE_BENEATH, then the path actually opened is checked against the
// path rules before the fd is used.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"
#include "common/unique_fd.h"
#include "policy/operation.h"
#include "proxy/tool.h"

namespace nucleus::proxy {

// A value or the ToolError that explains why there is none.
template <typename T>
using ToolOutcome = std::variant<T, ToolError>;

// Size and count limits of the file and search tools.
struct Limits {
  std::size_t max_read_bytes = 10 * 1024 * 1024;   // content returned by one read
  std::size_t max_write_bytes = 10 * 1024 * 1024;  // content of one write or edit
  std::size_t max_path_segments = 1024;            // '/'-separated parts of one path
  std::size_t default_max_results = 1000;          // glob and grep, when max_results is absent
  std::size_t max_results_limit = 10000;           // largest max_results accepted
  std::size_t max_entries_visited = 100000;        // directory entries one search may visit
  std::size_t max_grep_file_bytes = 10 * 1024 * 1024;  // bytes grep reads from one file
  // NOTE: an estimate, not a measured figure; it bounds the bytes one grep
  // call reads across all files.
  std::size_t max_grep_total_bytes = 256 * 1024 * 1024;
};

// An agent path after lexical normalization: `absolute` lies under the
// work dir, `relative` is the same path relative to it ("." for the work
// dir itself).
struct AgentPath {
  std::string absolute;
  std::string relative;
};

// A file or directory opened beneath the workspace root.
struct OpenedEntry {
  UniqueFd fd;
  std::string path;  // agent path of what was actually opened, symlinks resolved
  struct stat status {};
};

// Treatment of symbolic links among the components of a path.
enum class Symlinks {
  follow_inside,  // the kernel follows links that stay beneath the root
  reject,         // any symbolic link fails the open (used while walking trees)
};

// Intended use of an opened file.
enum class Access {
  read,
  modify,  // additionally refuses files with more than one hard link
};

// Reads /proc/self/fd/N for the path the kernel actually opened and
// reopens O_PATH fds through it, so /proc must be mounted where the proxy
// runs; without it every open fails with `failed`. Const methods keep no
// state and may run on several threads at once.
class Workspace {
 public:
  // Opens `root_dir` (the real directory, e.g. "/workspace" inside the
  // sandbox or a temp dir in tests) and binds it to `agent_work_dir`, the
  // absolute, normalized path the agent uses for it.
  static Result<Workspace> open(const std::string& root_dir, const std::string& agent_work_dir,
                                Limits limits = {});

  const std::string& work_dir() const { return work_dir_; }
  const Limits& limits() const { return limits_; }

  // Normalizes an absolute agent path or one relative to the work dir,
  // without touching the file system. Errors: invalid_argument for an empty
  // path, a NUL byte, more than PATH_MAX - 1 bytes, more than
  // Limits::max_path_segments segments or a segment over NAME_MAX bytes.
  // denied for a path outside the work dir.
  ToolOutcome<AgentPath> resolve(std::string_view path) const;

  // Opens `path` with O_PATH, so opening has no side effect even on a FIFO
  // or a device. Checks the requested path with `check` before opening and
  // the path actually opened (after symlinks) after opening, both for
  // `operation`. Escapes through symlinks or magic links are denied.
  ToolOutcome<OpenedEntry> open_path(std::string_view path, policy::Operation operation,
                                     const PathCheck& check, Symlinks symlinks) const;

  // open_path, then requires a regular file (and for Access::modify a
  // single hard link) and reopens it O_RDONLY.
  ToolOutcome<OpenedEntry> open_file(std::string_view path, policy::Operation operation,
                                     const PathCheck& check, Access access,
                                     Symlinks symlinks) const;

  // open_path, then requires a directory and reopens it O_RDONLY|O_DIRECTORY
  // so that it can be listed.
  ToolOutcome<OpenedEntry> open_directory(std::string_view path, policy::Operation operation,
                                          const PathCheck& check, Symlinks symlinks) const;

  // Replaces the regular file at `path` with `content`, or creates it along
  // with missing parent directories. A symlink to a file beneath the root is
  // followed and its target is replaced. The content goes to a temp file in
  // the target's directory that renameat(2) then moves over the target, so
  // readers see the old or the new file, never a partial one. The existing
  // file's mode (and, when permitted, owner) carries over. Returns the agent
  // path written. Refuses hard-linked, non-regular and escaping targets;
  // too_large when content exceeds Limits::max_write_bytes.
  ToolOutcome<std::string> replace_file(std::string_view path, policy::Operation operation,
                                        const PathCheck& check, std::string_view content) const;

 private:
  Workspace(UniqueFd root, std::string root_real_path, std::string work_dir, Limits limits)
      : root_(std::move(root)),
        root_real_path_(std::move(root_real_path)),
        work_dir_(std::move(work_dir)),
        limits_(limits) {}

  // Maps the path the kernel reports for `fd` back into agent terms.
  ToolOutcome<std::string> agent_path_of(int fd, const std::string& requested) const;
  ToolOutcome<UniqueFd> reopen(const OpenedEntry& entry, int flags) const;
  ToolOutcome<OpenedEntry> open_parent_for_write(const AgentPath& parent, std::string_view name,
                                                 policy::Operation operation,
                                                 const PathCheck& check) const;
  ToolOutcome<AgentPath> locate_write_target(const AgentPath& requested,
                                             policy::Operation operation,
                                             const PathCheck& check) const;

  UniqueFd root_;
  std::string root_real_path_;  // as /proc/self/fd reports it, to map paths back
  std::string work_dir_;
  Limits limits_;
};

}  // namespace nucleus::proxy

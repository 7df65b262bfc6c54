// Depth-first walk of a directory tree beneath the workspace root, for the
// search tools.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "policy/operation.h"
#include "proxy/tool.h"
#include "proxy/workspace.h"

namespace nucleus::proxy {

struct WalkEntry {
  enum class Type { regular_file, directory, symlink, other };
  std::string path;  // agent path
  Type type = Type::other;
};

// Caps the number of directory entries one walk may look at.
struct WalkBudget {
  std::size_t max_entries = 0;
  std::size_t visited = 0;
  bool exhausted = false;  // set when an entry was left unvisited
};

// Visits every entry below the directory `start` (opened with
// Workspace::open_directory), each directory's entries sorted by name,
// before descending into its subdirectories. Entries whose path `check`
// rejects for `operation` are never visited and blocked directories are
// not descended. Symbolic links are reported, never followed: each
// directory is opened again from the root with Symlinks::reject. Names that
// are not valid UTF-8 are skipped (they cannot appear in a JSON result).
// Directories that cannot be opened or listed are skipped. The walk stops
// when `visit` returns false or the budget runs out. It keeps no fd open
// between directories, so depth is bounded by PATH_MAX, not by fd limits.
void walk_tree(const Workspace& workspace, const OpenedEntry& start, policy::Operation operation,
               const PathCheck& check, WalkBudget& budget,
               const std::function<bool(const WalkEntry&)>& visit);

}  // namespace nucleus::proxy

// The glob and grep tools: searches over the workspace tree that never
// follow symbolic links, never show paths the rules block, and stop at the
// limits in Limits.
#pragma once

#include <nlohmann/json.hpp>

#include "proxy/tool.h"
#include "proxy/workspace.h"

namespace nucleus::proxy {

// glob {pattern, path?, max_results?}: lists the entries below `path`
// (default: the work dir) whose agent path matches `pattern` (policy::Glob
// syntax; a relative pattern is relative to `path`). Entries of every type
// match, symbolic links included, but the walk never descends through a
// link. Each entry must pass `check` for glob_search. Returns {matches:
// [agent paths in walk order], truncated}; truncated is true when more
// matches exist than max_results (default Limits::default_max_results) or
// the walk reached Limits::max_entries_visited.
ToolResult glob_tool(const Workspace& workspace, const PathCheck& check,
                     const nlohmann::json& arguments);

// grep {pattern, path?, glob?, max_results?, case_insensitive?}: searches
// regular files for lines matching the RE2 `pattern`. `path` is a file or a
// directory (default: the work dir); `glob` keeps only files whose path
// matches it. Skips without notice: symbolic links met during the walk,
// files with a NUL byte in their first 8 KiB (binary), and paths `check`
// rejects for grep_search. Returns {matches: [{path, line (1-based), text
// (the line without its line ending, at most 500 bytes)}], truncated};
// truncated is true when a result, entry, per-file or total byte limit cut
// the search short.
ToolResult grep_tool(const Workspace& workspace, const PathCheck& check,
                     const nlohmann::json& arguments);

}  // namespace nucleus::proxy

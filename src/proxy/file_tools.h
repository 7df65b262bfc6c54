// The read, write and edit tools. Each takes the call's JSON arguments and
// returns a JSON result or a ToolError. Every path goes through Workspace,
// so it is confined beneath the workspace root and checked by `check`
// both as requested and as actually opened.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "proxy/tool.h"
#include "proxy/workspace.h"

namespace nucleus::proxy {

// read {path, offset?, limit?}: offset and limit count bytes; limit
// defaults to and is capped at Limits::max_read_bytes. Returns {path (agent
// path actually opened), content, encoding ("utf-8", or "base64" when the
// bytes are not valid UTF-8), sha256 (of the returned bytes), size (of the
// whole file), bytes (returned), truncated (bytes remain after the returned
// range)}. When the range ends inside a UTF-8 sequence before the end of
// the file, the incomplete sequence is left for the next read so that the
// content stays text. `bytes` is the count returned, so the next offset is
// offset + bytes.
ToolResult read_tool(const Workspace& workspace, const PathCheck& check,
                     const nlohmann::json& arguments);

// write {path, content, encoding?}: encoding is "utf-8" (default) or
// "base64". Creates parent directories and replaces the file atomically.
// Returns {path, bytes, sha256}.
ToolResult write_tool(const Workspace& workspace, const PathCheck& check,
                      const nlohmann::json& arguments);

// edit {path, old_string, new_string, replace_all?}: replaces old_string,
// which must occur exactly once unless replace_all is true; conflict when
// it is absent or not unique. Replaces the file atomically. Returns {path,
// replacements}.
// NOTE: a write by someone else between edit's read and its rename is
// overwritten; there is no compare-and-swap on the file.
ToolResult edit_tool(const Workspace& workspace, const PathCheck& check,
                     const nlohmann::json& arguments);

// Reads up to `max_bytes` from `fd` starting at `offset`, stopping early at
// end of file. `path` names the file in the error.
ToolOutcome<std::string> read_bytes(int fd, std::uint64_t offset, std::size_t max_bytes,
                                    const std::string& path);

}  // namespace nucleus::proxy

// Tar archives of workspace directories, made and unpacked by GNU tar in a
// child process (no shell). Archives are held in memory, up to
// kMaxWorkspaceArchiveBytes.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"

namespace nucleus::cli {

// NOTE: a fixed cap because the archive is held in memory on both sides. It
// is not a limit the node announces.
inline constexpr std::size_t kMaxWorkspaceArchiveBytes = std::size_t{512} * 1024 * 1024;

// Returns `tar -c -C DIR .` of an existing directory. Errors name the
// directory and tar's own message.
Result<std::string> pack_directory(const std::string& dir);

// Extracts `archive` into the existing directory `dir` with
// `tar -x --no-same-owner`. GNU tar skips member names with ".." and strips
// a leading "/", and then exits non-zero, which is an error here. Returns the
// size of `archive` in bytes.
Result<std::size_t> unpack_archive(const std::string& archive, const std::string& dir);

// Makes the existing directory `dir` (followed when it is a symlink)
// contain exactly what `archive` contains. The archive is first extracted
// into a new sibling directory. Then each top-level entry is exchanged
// (renameat2 RENAME_EXCHANGE) or moved, so `dir` keeps its inode and a
// shell inside it stays valid. Files missing from the archive are gone from
// `dir` afterwards. When extraction fails `dir` is untouched. When a rename
// fails midway the error names the sibling that contains the entries moved out
// so far. Returns the archive size in bytes.
Result<std::size_t> replace_directory_with_archive(const std::string& archive, const std::string& dir);

// Snapshot of a directory tree by relative path: type, size, mode and
// modification time of each entry, without following symlinks. Two
// manifests of the same tree differ when anything in it was created,
// removed or written in between.
using DirectoryManifest = std::map<std::string, std::string>;

Result<DirectoryManifest> directory_manifest(const std::string& dir);

// The first path whose entry differs between `before` and `after`, or
// nullopt when they are equal.
std::optional<std::string> first_difference(const DirectoryManifest& before, const DirectoryManifest& after);

}  // namespace nucleus::cli

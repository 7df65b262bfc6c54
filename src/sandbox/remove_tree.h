// Removing a sandbox directory without ever crossing into a mounted file
// system or following a symlink: a workspace that is still mounted (or a
// symlink planted inside it) is skipped, not emptied.
#pragma once

#include <string>

#include "common/result.h"

namespace nucleus::sandbox {

// rm -rf that stays on the file system `path` is on. Missing is fine.
// Fails, naming the entry, when something could not be removed.
Result<bool> remove_tree(const std::string& path);

}  // namespace nucleus::sandbox

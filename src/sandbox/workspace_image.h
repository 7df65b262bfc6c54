// The workspace's disk cap: an ext4 file system in a sparse image file,
// attached to a loop device and mounted on the host at the workspace
// directory. Writes beyond the image's size fail with ENOSPC inside the
// sandbox, and the host disk only ever stores what was written. Needs root
// (loop devices, mount) and mkfs.ext4 from e2fsprogs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/result.h"

namespace nucleus::sandbox {

// Creates `image` (which must not exist) as a sparse file of `bytes`
// holding an empty ext4 file system. The first image of each size is
// formatted by mkfs.ext4 into `template_dir` (created 0700 if missing);
// later ones copy that template's data blocks only, which takes a few
// milliseconds instead of tens. The root directory is owned by root; the
// caller chowns it after mounting. On failure the image file is removed.
Result<bool> create_workspace_image(const std::string& image, std::uint64_t bytes, const std::string& template_dir);

// Attaches `image` to a free loop device (detached again automatically on
// the last unmount) and mounts it at `target` with nosuid and nodev.
Result<bool> mount_workspace_image(const std::string& image, const std::string& target);

// Unmounts whatever is mounted at `target`; a directory with nothing
// mounted on it is fine. Lazily detaches a busy mount.
Result<bool> unmount_if_mounted(const std::string& target);

bool is_mount_point(const std::string& path);

}  // namespace nucleus::sandbox

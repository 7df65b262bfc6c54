// Built-in permission profiles.
#pragma once

#include <span>
#include <string_view>

#include "policy/envelope.h"

namespace nucleus::policy {

struct ProfileInfo {
  std::string_view name;
  std::string_view description;  // one line, shown by `nucleus profiles`
};

// read-only, code-review, fix-issue, demo, permissive, restrictive.
std::span<const ProfileInfo> profiles();

bool is_profile_name(std::string_view name);

// The envelope of a profile for a pod whose work dir is `work_dir` (absolute,
// normalized). Precondition: is_profile_name(name).
Envelope profile_envelope(std::string_view name, std::string_view work_dir);

}  // namespace nucleus::policy

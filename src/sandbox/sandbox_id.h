// Sandbox ids name directories, cgroups and log fields, so they are
// restricted to a small alphabet that is safe in all three.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace nucleus::sandbox {

inline constexpr std::size_t kMaxSandboxIdLength = 64;

// Accepts 1..64 characters of [a-z0-9-], starting with a letter or digit.
// The error names the id (quoted and cut short) and the rule it broke.
Result<std::string> check_sandbox_id(std::string_view id);

}  // namespace nucleus::sandbox

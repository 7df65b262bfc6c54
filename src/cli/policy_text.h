// Human-readable rendering of policies for `nucleus policy show`.
#pragma once

#include <string>

#include "policy/policy.h"

namespace nucleus::cli {

// Effective levels, obligations (marking those from the trifecta rule),
// paths, commands, network, budget, time and the checksum.
std::string render_policy(const policy::Policy& policy);

}  // namespace nucleus::cli

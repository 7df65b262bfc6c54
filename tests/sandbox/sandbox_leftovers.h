// What a destroyed sandbox may have left on the host: its cgroup
// directories, a loop device still backed by its workspace image, or a
// process whose command line names its directory (the supervisor is
// started as `nucleus-sandbox supervise DIR`).
#pragma once

#include <string>
#include <vector>

namespace nucleus::sandbox::testing {

// One line per leftover, naming the path or pid; empty when nothing is left.
std::vector<std::string> sandbox_leftovers(const std::string& cgroup_parent, const std::string& id,
                                           const std::string& sandbox_dir);

// Removes a test driver's state directory once its sandboxes are destroyed,
// including the driver's cache of formatted workspace images (.templates).
void remove_state_dir(const std::string& state_dir);

}  // namespace nucleus::sandbox::testing

// git configuration checks shared by shell_git.cpp and
// shell_git_config.cpp, private to the policy library.
#pragma once

#include <span>
#include <string_view>

#include "policy/shell_analyzer.h"

namespace nucleus::policy::shell {

// Check one "KEY=VALUE" (or "KEY", meaning true) setting against the list
// of keys that cannot make git run another program. `source` names where
// it came from in messages: "-c", "config", "clone --config".
Failure check_git_setting(std::string_view setting, std::string_view source);

// Check the arguments of "git config": writes must use keys from the same
// list, and --edit and --rename-section are rejected.
Failure check_git_config(std::span<const Word> args);

}  // namespace nucleus::policy::shell

// Environment and shell variables that choose which program runs or what
// code a program loads, and so must not be set by a checked command line.
#pragma once

#include <string>
#include <string_view>

namespace nucleus::policy::shell {

// True for PATH, IFS, BASH_ENV, LD_* and DYLD_*, BASH_FUNC_*,
// GIT_SSH_COMMAND, GIT_CONFIG*, PAGER, EDITOR, PYTHONPATH, NODE_OPTIONS and
// the other names listed in shell_variables.cpp. Names compare case-sensitively, as the shell does.
// NOTE: no such list can be complete. A program that reads its own,
// unlisted variable can still be steered, so rules for such programs stay
// necessary.
bool is_dangerous_variable(std::string_view name);

// The error for setting `name` through `construct` ("assignment", "env",
// "export", "read" and so on).
std::string dangerous_variable_error(std::string_view name, std::string_view construct);

// True for a valid shell variable name: [A-Za-z_][A-Za-z0-9_]*.
bool is_variable_name(std::string_view text);

}  // namespace nucleus::policy::shell

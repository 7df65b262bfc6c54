// Loading a policy from a profile name or a spec file, as the CLI and the
// tool proxy accept them.
#pragma once

#include <string>

#include "common/result.h"
#include "policy/policy.h"

namespace nucleus::spec {

// A built-in profile name gives that profile for `work_dir`, labelled
// `profile_label` (default "profile NAME"); anything else is read as a spec
// file ("-" reads standard input) and compiled from its first
// policy-bearing document. Errors name the argument and, for spec files,
// the file, line, column and field.
Result<policy::Policy> load_policy(const std::string& argument, const std::string& work_dir,
                                   const std::string& profile_label = "");

// Read a whole file, refusing files larger than `max_bytes` without
// reading them to the end.
Result<std::string> read_file_limited(const std::string& path, std::size_t max_bytes);

}  // namespace nucleus::spec

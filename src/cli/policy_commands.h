// The `nucleus profiles` and `nucleus policy show|check|delegate` verbs.
// Each returns a process exit status (see app.h) and writes its result to
// `out` and its errors to `err`.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace nucleus::cli {

int run_profiles(bool json, std::ostream& out);

int run_policy_show(const std::string& source, const std::string& work_dir, bool json,
                    std::ostream& out, std::ostream& err);

struct CheckRequest {
  std::string source;
  std::string operation;
  std::optional<std::string> path;
  std::optional<std::string> command;
  std::optional<std::string> url;
  std::string work_dir;
  bool json = false;
};

// Exit status 0 allow, 3 approval required, 4 deny, 2 invalid input.
int run_policy_check(const CheckRequest& request, std::ostream& out, std::ostream& err);

int run_policy_delegate(const std::string& parent, const std::string& child,
                        const std::string& work_dir, bool json, std::ostream& out,
                        std::ostream& err);

}  // namespace nucleus::cli

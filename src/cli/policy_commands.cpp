#include "cli/policy_commands.h"

#include <ostream>

#include <fmt/format.h>

#include "cli/app.h"
#include "spec/policy_source.h"
#include "cli/policy_text.h"
#include "policy/profiles.h"
#include "policy/serialize.h"

namespace nucleus::cli {

namespace {

using nlohmann::json;
using namespace nucleus::policy;

int report_error(std::ostream& err, const std::string& message) {
  err << "nucleus: error: " << message << "\n";
  return kExitUsage;
}

std::string operation_names() {
  std::string names;
  for (Operation op : kAllOperations) names += (names.empty() ? "" : ", ") + std::string(to_string(op));
  return names;
}

Result<Target> check_target(const CheckRequest& request) {
  const int given = int{request.path.has_value()} + int{request.command.has_value()} +
                    int{request.url.has_value()};
  if (given > 1) return make_error("give at most one of --path, --command and --url");
  if (request.path) return Target::path(*request.path);
  if (request.command) return Target::command(*request.command);
  if (request.url) return Target::url(*request.url);
  return Target::none();
}

int exit_status(Verdict verdict) {
  switch (verdict) {
    case Verdict::allow: return kExitOk;
    case Verdict::approval_required: return kExitApprovalRequired;
    case Verdict::deny: return kExitDenied;
  }
  return kExitDenied;
}

}  // namespace

int run_profiles(bool as_json, std::ostream& out) {
  if (as_json) {
    json list = json::array();
    for (const ProfileInfo& info : profiles()) {
      list.push_back({{"name", info.name}, {"description", info.description}});
    }
    out << list.dump(2) << "\n";
    return kExitOk;
  }
  for (const ProfileInfo& info : profiles()) out << fmt::format("{:<12} {}\n", info.name, info.description);
  return kExitOk;
}

int run_policy_show(const std::string& source, const std::string& work_dir, bool as_json,
                    std::ostream& out, std::ostream& err) {
  auto loaded = spec::load_policy(source, work_dir);
  if (!loaded.ok()) return report_error(err, loaded.error());
  if (as_json) {
    out << policy_to_json(*loaded).dump(2) << "\n";
  } else {
    out << render_policy(*loaded);
  }
  return kExitOk;
}

int run_policy_check(const CheckRequest& request, std::ostream& out, std::ostream& err) {
  const auto op = parse_operation(request.operation);
  if (!op) {
    return report_error(err, fmt::format("unknown operation \"{}\"; expected one of: {}",
                                         request.operation, operation_names()));
  }
  auto target = check_target(request);
  if (!target.ok()) return report_error(err, target.error());
  auto loaded = spec::load_policy(request.source, request.work_dir);
  if (!loaded.ok()) return report_error(err, loaded.error());

  const Decision decision = decide(*loaded, *op, *target);
  if (request.json) {
    out << decision_to_json(decision).dump(2) << "\n";
  } else {
    out << fmt::format("{}: {}\n", to_string(decision.verdict), decision.reason);
  }
  return exit_status(decision.verdict);
}

int run_policy_delegate(const std::string& parent, const std::string& child,
                        const std::string& work_dir, bool as_json, std::ostream& out,
                        std::ostream& err) {
  auto parent_policy = spec::load_policy(parent, work_dir);
  if (!parent_policy.ok()) return report_error(err, parent_policy.error());
  auto child_policy = spec::load_policy(child, work_dir);
  if (!child_policy.ok()) return report_error(err, child_policy.error());
  if (child_policy->work_dir() != parent_policy->work_dir()) {
    return report_error(err, fmt::format("the child's work dir {} differs from the parent's {}",
                                         child_policy->work_dir(), parent_policy->work_dir()));
  }

  const Delegation delegation = delegate(*parent_policy, child_policy->envelope(),
                                         child_policy->label() + " under " + parent_policy->label());
  if (as_json) {
    out << json{{"child", policy_to_json(delegation.child)}, {"capped", delegation.capped}}.dump(2)
        << "\n";
    return kExitOk;
  }
  out << render_policy(delegation.child) << "\nCapped by the parent: ";
  if (delegation.capped.empty()) out << "nothing\n";
  for (std::size_t i = 0; i < delegation.capped.size(); ++i) {
    out << (i == 0 ? "" : ", ") << delegation.capped[i] << (i + 1 == delegation.capped.size() ? "\n" : "");
  }
  return kExitOk;
}

}  // namespace nucleus::cli

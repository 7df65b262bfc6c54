#include "spec/compile.h"

#include <fmt/format.h>

#include "policy/glob.h"
#include "policy/profiles.h"

namespace nucleus::spec {

namespace {

using policy::Envelope;
using policy::Glob;

Result<std::vector<Glob>> compile_globs(const std::vector<std::string>& patterns,
                                        const std::string& work_dir, std::string_view field) {
  std::vector<Glob> out;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    std::string error;
    auto glob = Glob::compile(patterns[i], work_dir, &error);
    if (!glob) {
      // The glob's own error already quotes the pattern.
      return make_error(fmt::format("{}[{}]: {}", field, i, error));
    }
    out.push_back(std::move(*glob));
  }
  return out;
}

// Rebuild one-term path rules from the profile's allowed groups and blocked
// globs, replacing the allowed list when the spec has one and adding the
// spec's blocked globs.
Result<policy::PathRules> merge_paths(const policy::PathRules& profile_rules, const PathsSpec& paths,
                                      const std::string& work_dir) {
  std::vector<Glob> allowed;
  std::vector<Glob> blocked;
  for (const auto& term : profile_rules.terms()) {
    for (const auto& atom : term) {
      auto& target = atom.kind == policy::PathAtom::Kind::block ? blocked : allowed;
      target.insert(target.end(), atom.globs.begin(), atom.globs.end());
    }
  }
  if (paths.has_allowed) {
    auto spec_allowed = compile_globs(paths.allowed, work_dir, "paths.allowed");
    if (!spec_allowed.ok()) return make_error(spec_allowed.error());
    allowed = std::move(spec_allowed).value();
    // An empty allowed list means the work dir only.
    if (allowed.empty()) allowed.push_back(policy::subtree_glob(work_dir));
  }
  auto spec_blocked = compile_globs(paths.blocked, work_dir, "paths.blocked");
  if (!spec_blocked.ok()) return make_error(spec_blocked.error());
  blocked.insert(blocked.end(), spec_blocked->begin(), spec_blocked->end());
  return policy::make_path_rules(std::move(allowed), blocked);
}

policy::CommandRules merge_commands(const policy::CommandRules& profile_rules,
                                    const CommandsSpec& commands) {
  std::vector<policy::CommandRule> allowed;
  std::vector<policy::CommandRule> blocked;
  for (const auto& term : profile_rules.terms()) {
    for (const auto& atom : term) {
      auto& target = atom.kind == policy::CommandAtom::Kind::block ? blocked : allowed;
      target.insert(target.end(), atom.rules.begin(), atom.rules.end());
    }
  }
  if (commands.has_allowed) allowed = commands.allowed;
  blocked.insert(blocked.end(), commands.blocked.begin(), commands.blocked.end());
  return policy::make_command_rules(std::move(allowed), blocked);
}

void apply_budget_and_time(Envelope& envelope, const PolicySpec& spec) {
  if (spec.budget.max_cost_usd) envelope.budget.max_cost_usd = spec.budget.max_cost_usd;
  if (spec.budget.max_input_tokens) envelope.budget.max_input_tokens = spec.budget.max_input_tokens;
  if (spec.budget.max_output_tokens) envelope.budget.max_output_tokens = spec.budget.max_output_tokens;
  if (spec.time.valid_from) envelope.time.valid_from = spec.time.valid_from;
  if (spec.time.valid_until) envelope.time.valid_until = spec.time.valid_until;
  if (spec.timeout_seconds) envelope.time.timeout_seconds = spec.timeout_seconds;
}

}  // namespace

Result<policy::Policy> compile_policy(const PolicySpec& spec, std::string_view name) {
  const std::string profile(spec.profile.value_or(std::string(kDefaultProfile)));
  if (!policy::is_profile_name(profile)) {
    return make_error(fmt::format("spec.profile: unknown profile \"{}\"", profile));
  }
  const std::string work_dir = spec.work_dir.value_or(std::string(kDefaultWorkDir));
  Envelope envelope = policy::profile_envelope(profile, work_dir);

  for (const auto& [op, level] : spec.capabilities) envelope.capabilities.set_level(op, level);
  for (policy::Operation op : spec.obligations) envelope.capabilities.add_obligation(op);

  auto paths = merge_paths(envelope.paths, spec.paths, work_dir);
  if (!paths.ok()) return make_error("spec." + paths.error());
  envelope.paths = std::move(paths).value();
  envelope.commands = merge_commands(envelope.commands, spec.commands);
  apply_budget_and_time(envelope, spec);
  envelope.egress.allow.clear();
  if (spec.network) envelope.egress.allow.insert(spec.network->dns_allow.begin(), spec.network->dns_allow.end());

  const std::string label = fmt::format("pod {} (profile {})", name, profile);
  return policy::Policy::make(label, work_dir, envelope);
}

Result<policy::Policy> compile_first_policy(const std::vector<Document>& documents) {
  const Document* found = nullptr;
  for (const Document& document : documents) {
    if (document.kind == DocumentKind::nucleus_sandbox_claim) continue;
    if (found != nullptr) {
      return make_error(fmt::format("the input has more than one policy document (lines {} and {}); "
                                    "put each pod's spec in its own file",
                                    found->line, document.line));
    }
    found = &document;
  }
  if (found == nullptr) {
    return make_error("no policy-bearing document (PodSpec, ConfigMap or NucleusSandbox) in the input");
  }
  auto compiled = compile_policy(found->spec, found->name);
  if (!compiled.ok()) {
    return make_error(fmt::format("document at line {} ({}): {}", found->line, found->name, compiled.error()));
  }
  return compiled;
}

}  // namespace nucleus::spec

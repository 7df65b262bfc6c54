// decide(): the single decision procedure behind every side effect.
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "policy/glob.h"
#include "policy/policy.h"
#include "policy/shell.h"
#include "policy/url.h"

namespace nucleus::policy {

namespace {

std::string format_time(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::optional<std::string> check_time(const TimeWindow& time, const DecisionContext& context) {
  if (!context.now_unix) return std::nullopt;
  const std::int64_t now = *context.now_unix;
  if (time.valid_from && now < *time.valid_from) {
    return "policy is not valid before " + format_time(*time.valid_from);
  }
  if (time.valid_until && now >= *time.valid_until) {
    return "policy expired at " + format_time(*time.valid_until);
  }
  if (time.timeout_seconds && context.started_unix &&
      now - *context.started_unix >= *time.timeout_seconds) {
    return fmt::format("timeout_seconds {} has elapsed since the pod started", *time.timeout_seconds);
  }
  return std::nullopt;
}

std::string join_texts(const std::vector<Glob>& globs) {
  std::string out;
  for (const Glob& g : globs) out += (out.empty() ? "" : ", ") + g.text();
  return out;
}

std::string join_texts(const std::vector<CommandRule>& rules) {
  std::string out;
  for (const CommandRule& r : rules) out += (out.empty() ? "" : ", ") + r.text();
  return out;
}

// The invocation as words, shortened for reasons that go into logs.
std::string shown_command(const Invocation& invocation) {
  constexpr std::size_t kMaxShown = 120;
  std::string out;
  for (const std::string& word : invocation.argv) out += (out.empty() ? "" : " ") + word;
  if (out.size() > kMaxShown) out = out.substr(0, kMaxShown) + "...";
  return out;
}

// Blocked atoms are checked before allow groups so that a block always
// names itself as the reason, whatever the allow groups contain.
std::optional<std::string> check_path_term(const PathRules::Term& term, const std::string& path,
                                           const GlobPath& decoded) {
  for (const PathAtom& atom : term) {
    if (atom.kind == PathAtom::Kind::block && atom.globs.front().matches(decoded)) {
      return fmt::format("path {} matches blocked pattern {}", path, atom.globs.front().text());
    }
  }
  for (const PathAtom& atom : term) {
    if (atom.kind != PathAtom::Kind::allow_any_of) continue;
    const bool any = std::any_of(atom.globs.begin(), atom.globs.end(),
                                 [&](const Glob& g) { return g.matches(decoded); });
    if (!any) return fmt::format("path {} is outside the allowed paths ({})", path, join_texts(atom.globs));
  }
  return std::nullopt;
}

// A join of terms permits a target when any term does; the first term's
// reason is reported otherwise (a document-built policy has one term).
template <typename Rules, typename Check>
std::optional<std::string> check_terms(const Rules& rules, Check check, std::string_view empty_reason) {
  if (rules.terms().empty()) return std::string(empty_reason);
  std::optional<std::string> first_reason;
  for (const auto& term : rules.terms()) {
    auto reason = check(term);
    if (!reason) return std::nullopt;
    if (!first_reason) first_reason = std::move(reason);
  }
  return first_reason;
}

std::optional<std::string> check_path(const Policy& policy, const std::string& raw_path) {
  auto path = normalize_path(raw_path, policy.work_dir());
  if (!path) return std::string("path is empty or contains a NUL byte");
  const GlobPath decoded(*path);
  return check_terms(policy.envelope().paths,
                     [&](const PathRules::Term& term) { return check_path_term(term, *path, decoded); },
                     "no path is allowed");
}

std::optional<std::string> check_invocation_term(const CommandRules::Term& term,
                                                 const Invocation& invocation) {
  for (const CommandAtom& atom : term) {
    if (atom.kind == CommandAtom::Kind::block && atom.rules.front().matches(invocation)) {
      return fmt::format("program {} matches blocked command rule {}", invocation.program,
                         atom.rules.front().text());
    }
  }
  for (const CommandAtom& atom : term) {
    if (atom.kind != CommandAtom::Kind::allow_any_of) continue;
    const bool any = std::any_of(atom.rules.begin(), atom.rules.end(),
                                 [&](const CommandRule& r) { return r.matches(invocation); });
    if (!any) {
      return fmt::format("command \"{}\" matches no allowed command rule ({})", shown_command(invocation),
                         join_texts(atom.rules));
    }
  }
  return std::nullopt;
}

// Redirections write or read files, so their targets pass the path rules
// too. The standard streams and /dev/null are always fine.
bool is_harmless_device(const std::string& path) {
  return path == "/dev/null" || path == "/dev/stdout" || path == "/dev/stderr" || path == "/dev/stdin";
}

std::optional<std::string> check_command(const Policy& policy, const std::string& line) {
  auto analysis = analyze_command(line);
  if (!analysis.ok()) return "command rejected: " + analysis.error();
  if (analysis->invocations.empty()) return std::string("command is empty");
  for (const Invocation& invocation : analysis->invocations) {
    auto reason = check_terms(
        policy.envelope().commands,
        [&](const CommandRules::Term& term) { return check_invocation_term(term, invocation); },
        "no command is allowed");
    if (reason) return reason;
  }
  for (const Redirection& redirection : analysis->redirections) {
    if (redirection.kind == Redirection::Kind::duplicate) continue;
    if (is_harmless_device(redirection.target)) continue;
    if (auto reason = check_path(policy, redirection.target)) return "redirection " + *reason;
  }
  return std::nullopt;
}

std::optional<std::string> check_url(const Policy& policy, const std::string& url) {
  auto target = parse_url(url);
  if (!target.ok()) return target.error();
  for (const EgressRule& rule : policy.envelope().egress.allow) {
    if (rule.matches(target->host, target->port)) return std::nullopt;
  }
  if (policy.envelope().egress.allow.empty()) {
    return fmt::format("{}:{} is not reachable: the policy allows no network egress (dns_allow is empty)",
                       target->host, target->port);
  }
  return fmt::format("{}:{} is not in dns_allow", target->host, target->port);
}

bool takes_path(Operation op) {
  switch (op) {
    case Operation::read_files:
    case Operation::write_files:
    case Operation::edit_files:
    case Operation::glob_search:
    case Operation::grep_search:
      return true;
    default:
      return false;
  }
}

std::optional<std::string> check_target(const Policy& policy, Operation op, const Target& target) {
  switch (target.kind) {
    case Target::Kind::none:
      return std::nullopt;
    case Target::Kind::path:
      if (!takes_path(op)) return fmt::format("{} does not take a path target", to_string(op));
      return check_path(policy, target.value);
    case Target::Kind::command:
      if (op != Operation::run_bash) return fmt::format("{} does not take a command target", to_string(op));
      return check_command(policy, target.value);
    case Target::Kind::url:
      if (op != Operation::web_fetch) return fmt::format("{} does not take a URL target", to_string(op));
      return check_url(policy, target.value);
  }
  return std::string("unknown target kind");
}

std::string trifecta_reason(const Capabilities& caps, Operation op) {
  const char* untrusted = caps.level(Operation::web_fetch) >= Level::low_risk ? "web_fetch" : "web_search";
  return fmt::format("trifecta complete (read_files, {}, {}): {} needs approval", untrusted,
                     to_string(op), to_string(op));
}

}  // namespace

std::optional<std::string> path_rules_deny_reason(const Policy& policy, const std::string& path) {
  return check_path(policy, path);
}

Decision decide(const Policy& policy, Operation op, const Target& target,
                const DecisionContext& context) {
  const Envelope& envelope = policy.envelope();
  if (auto reason = check_time(envelope.time, context)) return {Verdict::deny, *reason};

  const Level level = envelope.capabilities.level(op);
  if (level == Level::never) {
    return {Verdict::deny, fmt::format("{} is never in {}", to_string(op), policy.label())};
  }
  if (auto reason = check_target(policy, op, target)) return {Verdict::deny, *reason};

  if (envelope.capabilities.obliged(op)) {
    if (policy.trifecta_obligations().test(index_of(op))) {
      return {Verdict::approval_required, trifecta_reason(envelope.capabilities, op)};
    }
    return {Verdict::approval_required,
            fmt::format("{} requires approval in {}", to_string(op), policy.label())};
  }
  return {Verdict::allow, fmt::format("{} is {} in {}", to_string(op), to_string(level), policy.label())};
}

}  // namespace nucleus::policy

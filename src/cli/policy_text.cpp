#include "cli/policy_text.h"

#include <ctime>

#include <fmt/format.h>

namespace nucleus::cli {

namespace {

using namespace nucleus::policy;

std::string join(const std::vector<std::string>& items, std::string_view empty) {
  if (items.empty()) return std::string(empty);
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string render_capabilities(const Policy& policy) {
  const Capabilities& caps = policy.envelope().capabilities;
  const OperationSet from_trifecta = policy.trifecta_obligations();
  std::string out = "Capabilities:\n";
  for (Operation op : kAllOperations) {
    std::string note;
    if (caps.obliged(op)) {
      note = from_trifecta.test(index_of(op)) ? "  approval required (trifecta)" : "  approval required";
    }
    std::string line = fmt::format("  {:<12} {:<9}{}", to_string(op), to_string(caps.level(op)), note);
    while (line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string render_trifecta(const Capabilities& caps) {
  if (trifecta_complete(caps)) {
    return "Trifecta: complete (private data + untrusted content + exfiltration channel); "
           "exfiltration needs human approval\n";
  }
  std::vector<std::string> missing;
  if (caps.level(Operation::read_files) == Level::never) missing.emplace_back("private data (read_files)");
  if (caps.level(Operation::web_fetch) == Level::never && caps.level(Operation::web_search) == Level::never) {
    missing.emplace_back("untrusted content (web_fetch or web_search)");
  }
  bool channel = false;
  for (Operation op : kExfiltrationOperations) channel = channel || caps.level(op) != Level::never;
  if (!channel) missing.emplace_back("exfiltration channel (git_push, create_pr or run_bash)");
  return "Trifecta: not complete; missing " + join(missing, "") + "\n";
}

template <typename Atom, typename Text>
std::string render_rules(const char* title, const RuleLattice<Atom>& rules, Text text_of,
                         std::string_view no_allow_list) {
  std::string out = fmt::format("{}:\n", title);
  if (rules.terms().empty()) return out + "  nothing is allowed\n";
  for (std::size_t i = 0; i < rules.terms().size(); ++i) {
    if (rules.terms().size() > 1) out += fmt::format("  alternative {}:\n", i + 1);
    std::vector<std::string> blocked;
    bool any_allow_group = false;
    for (const Atom& atom : rules.terms()[i]) {
      std::vector<std::string> texts = text_of(atom);
      if (atom.kind == Atom::Kind::block) {
        blocked.insert(blocked.end(), texts.begin(), texts.end());
      } else {
        any_allow_group = true;
        out += fmt::format("  allowed: {}\n", join(texts, ""));
      }
    }
    if (!any_allow_group) out += fmt::format("  allowed: {}\n", no_allow_list);
    out += fmt::format("  blocked: {}\n", join(blocked, "none"));
  }
  return out;
}

std::string format_time(const std::optional<std::int64_t>& unix_seconds) {
  if (!unix_seconds) return "unbounded";
  const std::time_t t = static_cast<std::time_t>(*unix_seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::string render_limits(const Envelope& e) {
  auto tokens = [](const std::optional<std::uint64_t>& v) {
    return v ? std::to_string(*v) : std::string("unlimited");
  };
  std::vector<std::string> hosts;
  for (const EgressRule& rule : e.egress.allow) hosts.push_back(rule.text());
  std::string out = fmt::format("Network (dns_allow): {}\n", join(hosts, "none, no egress at all"));
  out += fmt::format("Budget: max_cost_usd {}, max_input_tokens {}, max_output_tokens {}\n",
                     e.budget.max_cost_usd ? e.budget.max_cost_usd->to_string() : "unlimited",
                     tokens(e.budget.max_input_tokens), tokens(e.budget.max_output_tokens));
  out += fmt::format("Time: valid_from {}, valid_until {}, timeout_seconds {}\n",
                     format_time(e.time.valid_from), format_time(e.time.valid_until),
                     e.time.timeout_seconds ? std::to_string(*e.time.timeout_seconds) : "none");
  return out;
}

}  // namespace

std::string render_policy(const Policy& policy) {
  const Envelope& e = policy.envelope();
  std::string out = fmt::format("Policy: {}\nWork dir: {}\nChecksum: sha256:{}\n\n", policy.label(),
                                policy.work_dir(), policy.checksum());
  out += render_capabilities(policy);
  out += render_trifecta(e.capabilities);

  std::vector<std::string> obligations;
  const OperationSet from_trifecta = policy.trifecta_obligations();
  for (Operation op : kAllOperations) {
    if (!e.capabilities.obliged(op)) continue;
    obligations.push_back(std::string(to_string(op)) +
                          (from_trifecta.test(index_of(op)) ? " (trifecta)" : ""));
  }
  out += fmt::format("Obligations: {}\n\n", join(obligations, "none"));

  out += render_rules("Paths", e.paths, [](const PathAtom& atom) {
    std::vector<std::string> texts;
    for (const Glob& g : atom.globs) texts.push_back(g.text());
    return texts;
  }, "any path");
  out += render_rules("Commands", e.commands, [](const CommandAtom& atom) {
    std::vector<std::string> texts;
    for (const CommandRule& r : atom.rules) texts.push_back(r.text());
    return texts;
  }, "any command that is not blocked");
  out += render_limits(e);
  return out;
}

}  // namespace nucleus::cli

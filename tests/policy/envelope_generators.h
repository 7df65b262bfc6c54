// RapidCheck generators for envelopes, shared by the property tests.
#pragma once

#include <rapidcheck.h>

#include <string>
#include <vector>

#include "policy/envelope.h"

namespace nucleus::policy::testing {

inline Glob glob_of(const std::string& pattern) {
  std::string error;
  auto glob = Glob::compile(pattern, "/workspace", &error);
  RC_ASSERT(glob.has_value());
  return *glob;
}

inline CommandRule rule_of(const std::string& text) {
  auto rule = CommandRule::prefix(text);
  RC_ASSERT(rule.ok());
  return rule.value();
}

inline rc::Gen<Level> gen_level() {
  return rc::gen::element(Level::never, Level::low_risk, Level::always);
}

inline rc::Gen<Capabilities> gen_capabilities() {
  return rc::gen::exec([] {
    Capabilities caps;
    for (Operation op : kAllOperations) {
      caps.set_level(op, *gen_level());
      if (*rc::gen::inRange(0, 4) == 0) caps.add_obligation(op);
    }
    return caps;
  });
}

// A small pattern alphabet makes shared atoms (and so absorption) common.
inline rc::Gen<PathRules> gen_path_term() {
  return rc::gen::exec([] {
    const std::vector<std::string> pool = {"/workspace/**", "/workspace/src/**", "**/.env",
                                           "**/*.pem", "/tmp/**", "**/.ssh/**"};
    std::vector<Glob> allowed;
    std::vector<Glob> blocked;
    for (const std::string& p : pool) {
      const int pick = *rc::gen::inRange(0, 4);
      if (pick == 0) allowed.push_back(glob_of(p));
      if (pick == 1) blocked.push_back(glob_of(p));
    }
    return make_path_rules(allowed, blocked);
  });
}

inline rc::Gen<PathRules> gen_path_rules() {
  return rc::gen::exec([] {
    PathRules rules = *gen_path_term();
    if (*rc::gen::inRange(0, 3) == 0) rules = join(rules, *gen_path_term());
    if (*rc::gen::inRange(0, 5) == 0) rules = PathRules::bottom();
    return rules;
  });
}

inline rc::Gen<CommandRules> gen_command_rules() {
  return rc::gen::exec([] {
    const std::vector<std::string> pool = {"git", "git push", "cargo test", "bash", "ls", "make"};
    std::vector<CommandRule> allowed;
    std::vector<CommandRule> blocked;
    for (const std::string& text : pool) {
      const int pick = *rc::gen::inRange(0, 4);
      if (pick == 0) allowed.push_back(rule_of(text));
      if (pick == 1) blocked.push_back(rule_of(text));
    }
    CommandRules rules = make_command_rules(allowed, blocked);
    if (*rc::gen::inRange(0, 3) == 0) {
      rules = join(rules, make_command_rules({rule_of("ls")}, {}));
    }
    return rules;
  });
}

inline rc::Gen<Egress> gen_egress() {
  return rc::gen::exec([] {
    const std::vector<std::string> pool = {"api.openai.com:443", "api.anthropic.com:443",
                                           "*.github.com:443", "127.0.0.1:8080"};
    Egress egress;
    for (const std::string& text : pool) {
      if (*rc::gen::arbitrary<bool>()) egress.allow.insert(EgressRule::parse(text).value());
    }
    return egress;
  });
}

template <typename T>
rc::Gen<std::optional<T>> gen_optional(rc::Gen<T> inner) {
  return rc::gen::exec([inner] {
    if (*rc::gen::inRange(0, 3) == 0) return std::optional<T>{};
    return std::optional<T>{*inner};
  });
}

inline rc::Gen<BudgetLimits> gen_budget() {
  return rc::gen::exec([] {
    BudgetLimits budget;
    budget.max_cost_usd = *gen_optional(rc::gen::map(
        rc::gen::inRange<std::int64_t>(0, 10'000'000'000), Decimal::from_nanos));
    budget.max_input_tokens = *gen_optional(rc::gen::inRange<std::uint64_t>(0, 1'000'000));
    budget.max_output_tokens = *gen_optional(rc::gen::inRange<std::uint64_t>(0, 1'000'000));
    return budget;
  });
}

inline rc::Gen<TimeWindow> gen_time() {
  return rc::gen::exec([] {
    TimeWindow time;
    time.valid_from = *gen_optional(rc::gen::inRange<std::int64_t>(0, 2'000'000'000));
    time.valid_until = *gen_optional(rc::gen::inRange<std::int64_t>(0, 2'000'000'000));
    time.timeout_seconds = *gen_optional(rc::gen::inRange<std::int64_t>(1, 100'000));
    return time;
  });
}

inline rc::Gen<Envelope> gen_envelope() {
  return rc::gen::exec([] {
    Envelope e;
    e.capabilities = *gen_capabilities();
    e.paths = *gen_path_rules();
    e.commands = *gen_command_rules();
    e.egress = *gen_egress();
    e.budget = *gen_budget();
    e.time = *gen_time();
    return e;
  });
}

inline rc::Gen<Envelope> gen_normalized_envelope() {
  return rc::gen::map(gen_envelope(), normalize);
}

}  // namespace nucleus::policy::testing

namespace rc {
template <>
struct Arbitrary<nucleus::policy::Envelope> {
  static Gen<nucleus::policy::Envelope> arbitrary() {
    return nucleus::policy::testing::gen_envelope();
  }
};
}  // namespace rc

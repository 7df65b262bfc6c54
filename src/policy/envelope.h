// Envelope: one element of the permission lattice, the product of seven
// dimensions. Each dimension has meet (greatest lower bound, "both allow"),
// join (least upper bound) and leq; the product takes them pointwise.
//
//   capabilities  per operation: level never < low_risk < always, and
//                 whether the operation carries an approval obligation (an
//                 obligation lowers it). Obligations on an operation at
//                 never are dropped, so the per-operation order is the chain
//                 product {low_risk, always} x {obliged, free} with never
//                 added below it.
//   paths         RuleLattice of allowed-glob groups and blocked globs
//   commands      RuleLattice of allowed-rule groups and blocked rules
//   egress        set of dns_allow entries, ordered by inclusion
//   budget        optional limits, min for meet (unset = unlimited)
//   time          valid_from (max for meet), valid_until and timeout (min)
//
// Thread safety: values, no shared state.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy/command_rule.h"
#include "policy/decimal.h"
#include "policy/egress.h"
#include "policy/glob.h"
#include "policy/operation.h"
#include "policy/rule_lattice.h"

namespace nucleus::policy {

using OperationSet = std::bitset<kOperationCount>;

class Capabilities {
 public:
  // All operations at never, no obligations (the bottom).
  Capabilities() { levels_.fill(Level::never); }

  Level level(Operation op) const { return levels_[index_of(op)]; }
  bool obliged(Operation op) const { return obligations_.test(index_of(op)); }
  const OperationSet& obligations() const { return obligations_; }

  // Setting a level to never also clears that operation's obligation.
  void set_level(Operation op, Level level);
  // No effect on an operation at never (an obligation there means nothing).
  void add_obligation(Operation op);
  void clear_obligation(Operation op) { obligations_.reset(index_of(op)); }

  friend Capabilities meet(const Capabilities& a, const Capabilities& b);
  friend Capabilities join(const Capabilities& a, const Capabilities& b);
  friend bool leq(const Capabilities& a, const Capabilities& b);
  friend bool operator==(const Capabilities&, const Capabilities&) = default;

 private:
  std::array<Level, kOperationCount> levels_{};
  OperationSet obligations_;
};

// A path atom: either "the path matches one of `globs`" (allow group) or
// "the path does not match globs[0]" (block).
struct PathAtom {
  enum class Kind { allow_any_of, block };
  Kind kind = Kind::block;
  std::vector<Glob> globs;  // sorted, unique; exactly one for block
  friend auto operator<=>(const PathAtom&, const PathAtom&) = default;
};

struct CommandAtom {
  enum class Kind { allow_any_of, block };
  Kind kind = Kind::block;
  std::vector<CommandRule> rules;  // sorted, unique; exactly one for block
  friend auto operator<=>(const CommandAtom&, const CommandAtom&) = default;
};

using PathRules = RuleLattice<PathAtom>;
using CommandRules = RuleLattice<CommandAtom>;

// One term from an allowed list and a blocked list. An empty `allowed`
// adds no allow group (every path not blocked); callers that want "the
// work dir only" pass that glob explicitly.
PathRules make_path_rules(std::vector<Glob> allowed, const std::vector<Glob>& blocked);
CommandRules make_command_rules(std::vector<CommandRule> allowed,
                                const std::vector<CommandRule>& blocked);

struct Egress {
  std::set<EgressRule> allow;
  friend bool operator==(const Egress&, const Egress&) = default;
};

struct BudgetLimits {
  std::optional<Decimal> max_cost_usd;
  std::optional<std::uint64_t> max_input_tokens;
  std::optional<std::uint64_t> max_output_tokens;
  friend bool operator==(const BudgetLimits&, const BudgetLimits&) = default;
};

// Unix seconds. An empty window (valid_from > valid_until) allows nothing.
struct TimeWindow {
  std::optional<std::int64_t> valid_from;
  std::optional<std::int64_t> valid_until;
  std::optional<std::int64_t> timeout_seconds;
  friend bool operator==(const TimeWindow&, const TimeWindow&) = default;
};

struct Envelope {
  Capabilities capabilities;
  PathRules paths = PathRules::top();
  CommandRules commands = CommandRules::top();
  Egress egress;
  BudgetLimits budget;
  TimeWindow time;
  friend bool operator==(const Envelope&, const Envelope&) = default;
};

Egress meet(const Egress& a, const Egress& b);
Egress join(const Egress& a, const Egress& b);
bool leq(const Egress& a, const Egress& b);
BudgetLimits meet(const BudgetLimits& a, const BudgetLimits& b);
BudgetLimits join(const BudgetLimits& a, const BudgetLimits& b);
bool leq(const BudgetLimits& a, const BudgetLimits& b);
TimeWindow meet(const TimeWindow& a, const TimeWindow& b);
TimeWindow join(const TimeWindow& a, const TimeWindow& b);
bool leq(const TimeWindow& a, const TimeWindow& b);

Envelope meet(const Envelope& a, const Envelope& b);
Envelope join(const Envelope& a, const Envelope& b);
bool leq(const Envelope& a, const Envelope& b);

// The trifecta: private data (read_files), untrusted content (web_fetch or
// web_search) and an exfiltration channel (git_push, create_pr or run_bash),
// each at low_risk or above.
bool trifecta_complete(const Capabilities& caps);
inline constexpr std::array<Operation, 3> kExfiltrationOperations = {
    Operation::git_push, Operation::create_pr, Operation::run_bash};

// ν: when the trifecta is complete, every exfiltration operation at
// low_risk or above gains an approval obligation. Idempotent and
// deflationary (normalize(e) <= e). ν(a) ∧ ν(b) <= ν(a ∧ b) for all a, b,
// with equality when a ∧ b completes the trifecta or when a and b are both
// normalized (normalized envelopes are closed under meet). ν is not
// monotone, so it cannot preserve every meet: {read, git_push} lacks the
// trifecta and stays free while its upper bound {read, web_fetch, git_push}
// obliges git_push.
Envelope normalize(const Envelope& e);
bool is_normalized(const Envelope& e);

}  // namespace nucleus::policy

#include "policy/envelope.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <type_traits>

namespace nucleus::policy {

// ---- capabilities -------------------------------------------------------

void Capabilities::set_level(Operation op, Level level) {
  levels_[index_of(op)] = level;
  if (level == Level::never) obligations_.reset(index_of(op));
}

void Capabilities::add_obligation(Operation op) {
  if (level(op) != Level::never) obligations_.set(index_of(op));
}

// Per operation: meet takes the lower level and keeps an obligation either
// side has; join takes the higher level and keeps an obligation only if
// both sides at or above low_risk have it. set_level/add_obligation keep
// the "no obligation at never" canonical form.
Capabilities meet(const Capabilities& a, const Capabilities& b) {
  Capabilities out;
  for (Operation op : kAllOperations) {
    out.set_level(op, std::min(a.level(op), b.level(op)));
    if (a.obliged(op) || b.obliged(op)) out.add_obligation(op);
  }
  return out;
}

Capabilities join(const Capabilities& a, const Capabilities& b) {
  Capabilities out;
  for (Operation op : kAllOperations) {
    out.set_level(op, std::max(a.level(op), b.level(op)));
    const bool a_free = a.level(op) != Level::never && !a.obliged(op);
    const bool b_free = b.level(op) != Level::never && !b.obliged(op);
    if (!a_free && !b_free) out.add_obligation(op);
  }
  return out;
}

bool leq(const Capabilities& a, const Capabilities& b) {
  for (Operation op : kAllOperations) {
    if (a.level(op) == Level::never) continue;
    if (a.level(op) > b.level(op)) return false;
    if (!a.obliged(op) && b.obliged(op)) return false;
  }
  return true;
}

// ---- rule dimensions ----------------------------------------------------

namespace {

template <typename Atom, typename Item>
RuleLattice<Atom> make_rules(std::vector<Item> allowed, const std::vector<Item>& blocked) {
  typename RuleLattice<Atom>::Term term;
  if (!allowed.empty()) {
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    Atom group;
    group.kind = Atom::Kind::allow_any_of;
    if constexpr (std::is_same_v<Atom, PathAtom>) {
      group.globs = std::move(allowed);
    } else {
      group.rules = std::move(allowed);
    }
    term.insert(std::move(group));
  }
  for (const Item& item : blocked) {
    Atom block;
    block.kind = Atom::Kind::block;
    if constexpr (std::is_same_v<Atom, PathAtom>) {
      block.globs = {item};
    } else {
      block.rules = {item};
    }
    term.insert(std::move(block));
  }
  return RuleLattice<Atom>::of(std::move(term));
}

}  // namespace

PathRules make_path_rules(std::vector<Glob> allowed, const std::vector<Glob>& blocked) {
  return make_rules<PathAtom>(std::move(allowed), blocked);
}

CommandRules make_command_rules(std::vector<CommandRule> allowed,
                                const std::vector<CommandRule>& blocked) {
  return make_rules<CommandAtom>(std::move(allowed), blocked);
}

// ---- egress, budget, time -----------------------------------------------

Egress meet(const Egress& a, const Egress& b) {
  Egress out;
  std::set_intersection(a.allow.begin(), a.allow.end(), b.allow.begin(), b.allow.end(),
                        std::inserter(out.allow, out.allow.end()));
  return out;
}

Egress join(const Egress& a, const Egress& b) {
  Egress out = a;
  out.allow.insert(b.allow.begin(), b.allow.end());
  return out;
}

bool leq(const Egress& a, const Egress& b) {
  return std::includes(b.allow.begin(), b.allow.end(), a.allow.begin(), a.allow.end());
}

namespace {

// Optional limits where unset is the most permissive value. `Stricter`
// picks the stricter of two set values: std::less for upper limits
// (budgets, valid_until, timeout), std::greater for valid_from.
template <typename Stricter, typename T>
std::optional<T> stricter(const std::optional<T>& a, const std::optional<T>& b) {
  if (!a) return b;
  if (!b) return a;
  return Stricter{}(*a, *b) ? *a : *b;
}

template <typename Stricter, typename T>
std::optional<T> looser(const std::optional<T>& a, const std::optional<T>& b) {
  if (!a || !b) return std::nullopt;
  return Stricter{}(*a, *b) ? *b : *a;
}

template <typename Stricter, typename T>
bool at_least_as_strict(const std::optional<T>& a, const std::optional<T>& b) {
  if (!b) return true;
  return a && !Stricter{}(*b, *a);
}

using Upper = std::less<>;
using Lower = std::greater<>;

}  // namespace

BudgetLimits meet(const BudgetLimits& a, const BudgetLimits& b) {
  return {stricter<Upper>(a.max_cost_usd, b.max_cost_usd),
          stricter<Upper>(a.max_input_tokens, b.max_input_tokens),
          stricter<Upper>(a.max_output_tokens, b.max_output_tokens)};
}

BudgetLimits join(const BudgetLimits& a, const BudgetLimits& b) {
  return {looser<Upper>(a.max_cost_usd, b.max_cost_usd),
          looser<Upper>(a.max_input_tokens, b.max_input_tokens),
          looser<Upper>(a.max_output_tokens, b.max_output_tokens)};
}

bool leq(const BudgetLimits& a, const BudgetLimits& b) {
  return at_least_as_strict<Upper>(a.max_cost_usd, b.max_cost_usd) &&
         at_least_as_strict<Upper>(a.max_input_tokens, b.max_input_tokens) &&
         at_least_as_strict<Upper>(a.max_output_tokens, b.max_output_tokens);
}

TimeWindow meet(const TimeWindow& a, const TimeWindow& b) {
  return {stricter<Lower>(a.valid_from, b.valid_from),
          stricter<Upper>(a.valid_until, b.valid_until),
          stricter<Upper>(a.timeout_seconds, b.timeout_seconds)};
}

TimeWindow join(const TimeWindow& a, const TimeWindow& b) {
  return {looser<Lower>(a.valid_from, b.valid_from),
          looser<Upper>(a.valid_until, b.valid_until),
          looser<Upper>(a.timeout_seconds, b.timeout_seconds)};
}

bool leq(const TimeWindow& a, const TimeWindow& b) {
  return at_least_as_strict<Lower>(a.valid_from, b.valid_from) &&
         at_least_as_strict<Upper>(a.valid_until, b.valid_until) &&
         at_least_as_strict<Upper>(a.timeout_seconds, b.timeout_seconds);
}

// ---- the product --------------------------------------------------------

Envelope meet(const Envelope& a, const Envelope& b) {
  return {meet(a.capabilities, b.capabilities), meet(a.paths, b.paths),
          meet(a.commands, b.commands),         meet(a.egress, b.egress),
          meet(a.budget, b.budget),             meet(a.time, b.time)};
}

Envelope join(const Envelope& a, const Envelope& b) {
  return {join(a.capabilities, b.capabilities), join(a.paths, b.paths),
          join(a.commands, b.commands),         join(a.egress, b.egress),
          join(a.budget, b.budget),             join(a.time, b.time)};
}

bool leq(const Envelope& a, const Envelope& b) {
  return leq(a.capabilities, b.capabilities) && leq(a.paths, b.paths) &&
         leq(a.commands, b.commands) && leq(a.egress, b.egress) &&
         leq(a.budget, b.budget) && leq(a.time, b.time);
}

// ---- the trifecta -------------------------------------------------------

bool trifecta_complete(const Capabilities& caps) {
  auto granted = [&](Operation op) { return caps.level(op) >= Level::low_risk; };
  const bool private_data = granted(Operation::read_files);
  const bool untrusted_content = granted(Operation::web_fetch) || granted(Operation::web_search);
  const bool exfiltration = std::any_of(kExfiltrationOperations.begin(),
                                        kExfiltrationOperations.end(), granted);
  return private_data && untrusted_content && exfiltration;
}

Envelope normalize(const Envelope& e) {
  if (!trifecta_complete(e.capabilities)) return e;
  Envelope out = e;
  for (Operation op : kExfiltrationOperations) out.capabilities.add_obligation(op);
  return out;
}

bool is_normalized(const Envelope& e) { return normalize(e) == e; }

}  // namespace nucleus::policy

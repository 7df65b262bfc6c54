// BudgetMeter: the running spend of one pod against its BudgetLimits.
// Thread-safe: one mutex guards the limits and the counters, so a charge is
// checked and recorded in one step and concurrent charges never overspend.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "policy/envelope.h"

namespace nucleus::policy {

class BudgetMeter {
 public:
  explicit BudgetMeter(BudgetLimits limits) : limits_(std::move(limits)) {}

  // Charge `cost` (>= 0) if it fits under max_cost_usd; otherwise charge
  // nothing and return the reason, naming the limit. Negative costs are
  // rejected: a charge can never give budget back.
  std::optional<std::string> charge_cost(Decimal cost);

  // Charge as much of `cost` (>= 0) as fits under max_cost_usd and return
  // what was charged. For costs known only after the work ran (execution
  // time): the total never passes the limit, and a spent budget then
  // refuses the next charge_cost.
  Decimal charge_up_to(Decimal cost);

  // Record token usage; both counters are charged, or neither.
  std::optional<std::string> charge_tokens(std::uint64_t input, std::uint64_t output);

  // The reason the budget is spent, if any limit is already reached.
  std::optional<std::string> exhausted() const;

  // Replace the limits by their meet with `narrower` (limits only shrink).
  void tighten(const BudgetLimits& narrower);

  Decimal spent_cost() const;
  std::uint64_t spent_input_tokens() const;
  std::uint64_t spent_output_tokens() const;
  BudgetLimits limits() const;

 private:
  mutable std::mutex lock_;
  BudgetLimits limits_;           // guarded by lock_
  Decimal spent_;                 // guarded by lock_
  std::uint64_t input_tokens_ = 0;   // guarded by lock_
  std::uint64_t output_tokens_ = 0;  // guarded by lock_
};

}  // namespace nucleus::policy

#include "policy/budget.h"

#include <fmt/format.h>

namespace nucleus::policy {

std::optional<std::string> BudgetMeter::charge_cost(Decimal cost) {
  if (cost.is_negative()) return "a negative cost cannot be charged";
  std::lock_guard guard(lock_);
  const auto next = spent_.checked_add(cost);
  if (!next) return std::string("budget arithmetic overflow");
  if (limits_.max_cost_usd && *next > *limits_.max_cost_usd) {
    return fmt::format("max_cost_usd {} would be exceeded (spent {}, this call costs {})",
                       limits_.max_cost_usd->to_string(), spent_.to_string(), cost.to_string());
  }
  spent_ = *next;
  return std::nullopt;
}

Decimal BudgetMeter::charge_up_to(Decimal cost) {
  if (cost.is_negative()) return Decimal();
  std::lock_guard guard(lock_);
  Decimal charge = cost;
  if (limits_.max_cost_usd) {
    // Both values are non-negative, so the subtraction cannot overflow.
    const Decimal remaining = *limits_.max_cost_usd->checked_sub(spent_);
    if (remaining.is_negative()) return Decimal();
    charge = std::min(charge, remaining);
  }
  const auto next = spent_.checked_add(charge);
  if (!next) return Decimal();
  spent_ = *next;
  return charge;
}

std::optional<std::string> BudgetMeter::charge_tokens(std::uint64_t input, std::uint64_t output) {
  std::lock_guard guard(lock_);
  std::uint64_t next_input = 0;
  std::uint64_t next_output = 0;
  if (__builtin_add_overflow(input_tokens_, input, &next_input) ||
      __builtin_add_overflow(output_tokens_, output, &next_output)) {
    return std::string("token counter overflow");
  }
  if (limits_.max_input_tokens && next_input > *limits_.max_input_tokens) {
    return fmt::format("max_input_tokens {} would be exceeded (used {}, this report adds {})",
                       *limits_.max_input_tokens, input_tokens_, input);
  }
  if (limits_.max_output_tokens && next_output > *limits_.max_output_tokens) {
    return fmt::format("max_output_tokens {} would be exceeded (used {}, this report adds {})",
                       *limits_.max_output_tokens, output_tokens_, output);
  }
  input_tokens_ = next_input;
  output_tokens_ = next_output;
  return std::nullopt;
}

std::optional<std::string> BudgetMeter::exhausted() const {
  std::lock_guard guard(lock_);
  if (limits_.max_cost_usd && spent_ >= *limits_.max_cost_usd) {
    return fmt::format("max_cost_usd {} is spent", limits_.max_cost_usd->to_string());
  }
  if (limits_.max_input_tokens && input_tokens_ >= *limits_.max_input_tokens) {
    return fmt::format("max_input_tokens {} is spent", *limits_.max_input_tokens);
  }
  if (limits_.max_output_tokens && output_tokens_ >= *limits_.max_output_tokens) {
    return fmt::format("max_output_tokens {} is spent", *limits_.max_output_tokens);
  }
  return std::nullopt;
}

void BudgetMeter::tighten(const BudgetLimits& narrower) {
  std::lock_guard guard(lock_);
  limits_ = meet(limits_, narrower);
}

Decimal BudgetMeter::spent_cost() const {
  std::lock_guard guard(lock_);
  return spent_;
}

std::uint64_t BudgetMeter::spent_input_tokens() const {
  std::lock_guard guard(lock_);
  return input_tokens_;
}

std::uint64_t BudgetMeter::spent_output_tokens() const {
  std::lock_guard guard(lock_);
  return output_tokens_;
}

BudgetLimits BudgetMeter::limits() const {
  std::lock_guard guard(lock_);
  return limits_;
}

}  // namespace nucleus::policy

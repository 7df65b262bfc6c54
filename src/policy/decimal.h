// Exact decimal amounts of money. No binary floating point touches money:
// amounts are integers counting units of 10^-9 US dollars.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nucleus::policy {

class Decimal {
 public:
  static constexpr int kScaleDigits = 9;
  static constexpr std::int64_t kScale = 1'000'000'000;

  constexpr Decimal() = default;
  static constexpr Decimal from_nanos(std::int64_t nanos) { return Decimal(nanos); }

  // Parse a plain decimal such as "5", "5.00", "0.000000001" or "-1.5".
  // Rejects exponents, more than 9 fractional digits, a lone ".", signs
  // other than a leading '-', whitespace, and values whose magnitude exceeds
  // about 9.2e9 (int64 nanos). Returns nullopt on any of these.
  static std::optional<Decimal> parse(std::string_view text);

  constexpr std::int64_t nanos() const { return nanos_; }
  constexpr bool is_negative() const { return nanos_ < 0; }

  // Checked arithmetic: nullopt on int64 overflow.
  std::optional<Decimal> checked_add(Decimal other) const;
  std::optional<Decimal> checked_sub(Decimal other) const;

  // Canonical text with at least two fractional digits and trailing zeros
  // beyond that removed: "5.00", "0.125", "-1.50".
  std::string to_string() const;

  friend constexpr auto operator<=>(Decimal, Decimal) = default;

 private:
  constexpr explicit Decimal(std::int64_t nanos) : nanos_(nanos) {}
  std::int64_t nanos_ = 0;
};

}  // namespace nucleus::policy

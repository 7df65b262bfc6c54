#include "policy/decimal.h"

#include <cstdlib>
#include <limits>

namespace nucleus::policy {

std::optional<Decimal> Decimal::parse(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && fraction.empty()) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
  if (fraction.size() > static_cast<std::size_t>(kScaleDigits)) return std::nullopt;

  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t units = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    if (units > (kMax - (c - '0')) / 10) return std::nullopt;
    units = units * 10 + (c - '0');
  }
  std::int64_t nanos_part = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(kScaleDigits); ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    nanos_part = nanos_part * 10 + (c - '0');
  }
  if (units > (kMax - nanos_part) / kScale) return std::nullopt;
  const std::int64_t total = units * kScale + nanos_part;
  return Decimal(negative ? -total : total);
}

std::optional<Decimal> Decimal::checked_add(Decimal other) const {
  std::int64_t out = 0;
  if (__builtin_add_overflow(nanos_, other.nanos_, &out)) return std::nullopt;
  return Decimal(out);
}

std::optional<Decimal> Decimal::checked_sub(Decimal other) const {
  std::int64_t out = 0;
  if (__builtin_sub_overflow(nanos_, other.nanos_, &out)) return std::nullopt;
  return Decimal(out);
}

std::string Decimal::to_string() const {
  // Work on the unsigned magnitude so INT64_MIN does not overflow.
  const bool negative = nanos_ < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(nanos_ + 1)) + 1
               : static_cast<std::uint64_t>(nanos_);
  const std::uint64_t scale = static_cast<std::uint64_t>(kScale);
  std::string fraction = std::to_string(magnitude % scale);
  fraction.insert(0, static_cast<std::size_t>(kScaleDigits) - fraction.size(), '0');
  while (fraction.size() > 2 && fraction.back() == '0') fraction.pop_back();
  return (negative ? "-" : "") + std::to_string(magnitude / scale) + "." + fraction;
}

}  // namespace nucleus::policy

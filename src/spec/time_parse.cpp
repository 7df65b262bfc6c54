#include "spec/time_parse.h"

#include <chrono>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>

#include "spec/field_path.h"
namespace nucleus::spec {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The value of exactly `count` digits at `pos`; nullopt if any is missing.
std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (text.size() < pos + count) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool has_char(std::string_view text, std::size_t pos, char expected) {
  return pos < text.size() && text[pos] == expected;
}

// Reads "Z", "z" or "+HH:MM"/"-HH:MM" at `pos`, which must end the text.
std::optional<int> read_offset_seconds(std::string_view text, std::size_t pos) {
  if (pos + 1 == text.size() && (text[pos] == 'Z' || text[pos] == 'z')) return 0;
  if (text.size() != pos + 6 || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
  const auto hours = read_digits(text, pos + 1, 2);
  const auto minutes = read_digits(text, pos + 4, 2);
  if (!hours || !minutes || text[pos + 3] != ':' || *hours > 23 || *minutes > 59) {
    return std::nullopt;
  }
  const int seconds = *hours * 3600 + *minutes * 60;
  return text[pos] == '-' ? -seconds : seconds;
}

}  // namespace

Result<std::int64_t> parse_rfc3339(std::string_view text, Rounding rounding) {
  const auto invalid = [&](std::string_view why) {
    return make_error("invalid RFC 3339 timestamp " + quote_value(text) + ": " +
                      std::string(why) + "; expected a form like 2026-12-01T00:00:00Z");
  };

  const auto year = read_digits(text, 0, 4);
  const auto month = read_digits(text, 5, 2);
  const auto day = read_digits(text, 8, 2);
  if (!year || !month || !day || !has_char(text, 4, '-') || !has_char(text, 7, '-')) {
    return invalid("the date must be YYYY-MM-DD");
  }
  if (!has_char(text, 10, 'T') && !has_char(text, 10, 't')) {
    return invalid("the date and time must be separated by 'T'");
  }
  const auto hour = read_digits(text, 11, 2);
  const auto minute = read_digits(text, 14, 2);
  const auto second = read_digits(text, 17, 2);
  if (!hour || !minute || !second || !has_char(text, 13, ':') || !has_char(text, 16, ':')) {
    return invalid("the time must be HH:MM:SS");
  }
  if (*hour > 23 || *minute > 59 || *second > 59) {
    return invalid(*second == 60 ? "leap seconds are not supported" : "the time is out of range");
  }

  const std::chrono::year_month_day date{std::chrono::year{*year},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return invalid("the date does not exist");

  std::size_t pos = 19;
  bool has_fraction = false;
  if (has_char(text, pos, '.')) {
    const std::size_t digits_start = ++pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    const std::size_t digit_count = pos - digits_start;
    if (digit_count == 0 || digit_count > 9) {
      return invalid("fractional seconds must have 1 to 9 digits");
    }
    has_fraction = text.find_first_not_of('0', digits_start) < pos;
  }

  const auto offset = read_offset_seconds(text, pos);
  if (!offset) return invalid("the offset must be Z or +HH:MM / -HH:MM and end the text");

  const std::int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  std::int64_t seconds = days * 86'400 + *hour * 3600 + *minute * 60 + *second - *offset;
  if (has_fraction && rounding == Rounding::up) ++seconds;
  return seconds;
}

Result<std::int64_t> parse_duration(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return make_error("invalid duration " + quote_value(text) + ": " + std::string(why) +
                      "; expected a form like 90s, 30m, 2h30m or 1d");
  };
  if (text.empty()) return invalid("it is empty");

  constexpr std::string_view kUnits = "dhms";
  constexpr std::int64_t kUnitSeconds[] = {86'400, 3'600, 60, 1};
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must appear in the order of kUnits
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t amount = 0;
    const std::size_t digits_start = pos;
    for (; pos < text.size() && is_digit(text[pos]); ++pos) {
      if (amount > (kMax - 9) / 10) return invalid("the number is too large");
      amount = amount * 10 + (text[pos] - '0');
    }
    if (pos == digits_start) return invalid("each part must start with digits");
    if (pos == text.size()) return invalid("the last number has no unit (d, h, m or s)");

    const std::size_t unit = kUnits.find(text[pos], next_unit);
    if (unit == std::string_view::npos) {
      return invalid(kUnits.find(text[pos]) == std::string_view::npos
                         ? "units must be d, h, m or s"
                         : "units must appear once each, in the order d, h, m, s");
    }
    if (amount > (kMax - total) / kUnitSeconds[unit]) return invalid("the total is too large");
    total += amount * kUnitSeconds[unit];
    next_unit = unit + 1;
    ++pos;
  }
  return total;
}

}  // namespace nucleus::spec

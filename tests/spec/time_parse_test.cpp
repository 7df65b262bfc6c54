// RFC 3339 timestamps and durations: tables of accepted and rejected text,
// and round-trip properties against independently formatted text.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "spec/time_parse.h"

namespace nucleus::spec {
namespace {

struct TimestampCase {
  const char* text;
  std::int64_t seconds;
};

TEST(Rfc3339, AcceptsValidTimestamps) {
  const std::vector<TimestampCase> cases = {
      {"1970-01-01T00:00:00Z", 0},
      {"2026-12-01T00:00:00Z", 1'796'083'200},
      {"2026-12-01t00:00:00z", 1'796'083'200},
      {"2026-12-01T09:00:00+09:00", 1'796'083'200},
      {"2026-11-30T22:30:00-01:30", 1'796'083'200},
      {"2024-02-29T12:00:00Z", 1'709'208'000},
      {"1969-12-31T23:59:59Z", -1},
      {"0000-01-01T00:00:00Z", -62'167'219'200},
      {"9999-12-31T23:59:59Z", 253'402'300'799},
      {"2026-12-01T00:00:00.000Z", 1'796'083'200},
  };
  for (const TimestampCase& row : cases) {
    SCOPED_TRACE(row.text);
    auto seconds = parse_rfc3339(row.text, Rounding::down);
    ASSERT_TRUE(seconds.ok()) << seconds.error();
    EXPECT_EQ(*seconds, row.seconds);
  }
}

TEST(Rfc3339, FractionalSecondsRoundAsRequested) {
  auto down = parse_rfc3339("2026-12-01T00:00:00.5Z", Rounding::down);
  auto up = parse_rfc3339("2026-12-01T00:00:00.000000001Z", Rounding::up);
  auto exact_up = parse_rfc3339("2026-12-01T00:00:00.000Z", Rounding::up);
  ASSERT_TRUE(down.ok());
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE(exact_up.ok());
  EXPECT_EQ(*down, 1'796'083'200);
  EXPECT_EQ(*up, 1'796'083'201);
  EXPECT_EQ(*exact_up, 1'796'083'200);
}

struct RejectCase {
  const char* text;
  const char* reason;
};

TEST(Rfc3339, RejectsInvalidTimestamps) {
  const std::vector<RejectCase> cases = {
      {"", "the date must be YYYY-MM-DD"},
      {"2026-12-01", "separated by 'T'"},
      {"2026-12-01 00:00:00Z", "separated by 'T'"},
      {"2026-12-01T00:00:00", "the offset must be Z"},
      {"2026-12-01T00:00Z", "the time must be HH:MM:SS"},
      {"2026-13-01T00:00:00Z", "the date does not exist"},
      {"2026-02-29T00:00:00Z", "the date does not exist"},
      {"2026-04-31T00:00:00Z", "the date does not exist"},
      {"2026-00-10T00:00:00Z", "the date does not exist"},
      {"2026-12-01T24:00:00Z", "the time is out of range"},
      {"2026-12-01T23:60:00Z", "the time is out of range"},
      {"2026-12-31T23:59:60Z", "leap seconds are not supported"},
      {"2026-12-01T00:00:00.Z", "fractional seconds must have 1 to 9 digits"},
      {"2026-12-01T00:00:00.1234567890Z", "fractional seconds must have 1 to 9 digits"},
      {"2026-12-01T00:00:00+24:00", "the offset must be Z"},
      {"2026-12-01T00:00:00+0900", "the offset must be Z"},
      {"2026-12-01T00:00:00Z ", "the offset must be Z"},
      {"+2026-12-01T00:00:00Z", "the date must be YYYY-MM-DD"},
      {"26-12-01T00:00:00Z", "the date must be YYYY-MM-DD"},
      {"2026/12/01T00:00:00Z", "the date must be YYYY-MM-DD"},
  };
  for (const RejectCase& row : cases) {
    SCOPED_TRACE(row.text);
    auto seconds = parse_rfc3339(row.text, Rounding::down);
    ASSERT_FALSE(seconds.ok());
    EXPECT_NE(seconds.error().find(row.reason), std::string::npos) << seconds.error();
    EXPECT_NE(seconds.error().find("expected a form like 2026-12-01T00:00:00Z"), std::string::npos);
  }
}

// Formats `seconds` as RFC 3339 with the given offset, through std::chrono
// calendar types rather than the parser's own arithmetic.
std::string format_rfc3339(std::int64_t seconds, int offset_minutes) {
  using namespace std::chrono;
  const sys_seconds instant{std::chrono::seconds{seconds + offset_minutes * 60}};
  const sys_days day = floor<days>(instant);
  const year_month_day date{day};
  const hh_mm_ss<std::chrono::seconds> time{instant - day};
  char buffer[64];
  const int offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                offset_minutes < 0 ? '-' : '+', offset / 60, offset % 60);
  return buffer;
}

RC_GTEST_PROP(Rfc3339, FormattedTimestampsRoundTrip, ()) {
  // Years 0001..9998, so that any offset keeps the local date in 0000..9999.
  const auto seconds = *rc::gen::inRange<std::int64_t>(-62'135'596'800, 253'370'764'800);
  const auto offset_minutes = *rc::gen::inRange(-(23 * 60 + 59), 23 * 60 + 60);
  const std::string text = format_rfc3339(seconds, offset_minutes);
  auto parsed = parse_rfc3339(text, Rounding::down);
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == seconds);
}

struct DurationCase {
  const char* text;
  std::int64_t seconds;
};

TEST(Duration, AcceptsUnitsInOrder) {
  const std::vector<DurationCase> cases = {
      {"0s", 0},     {"90s", 90},   {"30m", 1800},     {"1h", 3600},         {"2h30m", 9000},
      {"1d", 86400}, {"1d1s", 86401}, {"1d2h3m4s", 93784}, {"007s", 7},
  };
  for (const DurationCase& row : cases) {
    SCOPED_TRACE(row.text);
    auto seconds = parse_duration(row.text);
    ASSERT_TRUE(seconds.ok()) << seconds.error();
    EXPECT_EQ(*seconds, row.seconds);
  }
}

TEST(Duration, RejectsMalformedText) {
  const std::vector<RejectCase> cases = {
      {"", "it is empty"},
      {"1", "the last number has no unit"},
      {"1h30", "the last number has no unit"},
      {"h", "each part must start with digits"},
      {"-1h", "each part must start with digits"},
      {"+1h", "each part must start with digits"},
      {"1.5h", "units must be d, h, m or s"},
      {"1w", "units must be d, h, m or s"},
      {"1 h", "units must be d, h, m or s"},
      {"1H", "units must be d, h, m or s"},
      {"30m1h", "units must appear once each, in the order d, h, m, s"},
      {"1h1h", "units must appear once each"},
      {"99999999999999999999s", "the number is too large"},
      {"106751991167301d", "the total is too large"},
      {"106751991167300d86400s", "the total is too large"},
  };
  for (const RejectCase& row : cases) {
    SCOPED_TRACE(row.text);
    auto seconds = parse_duration(row.text);
    ASSERT_FALSE(seconds.ok());
    EXPECT_NE(seconds.error().find(row.reason), std::string::npos) << seconds.error();
  }
}

RC_GTEST_PROP(Duration, PartsSumUp, ()) {
  const auto days = *rc::gen::inRange<std::int64_t>(0, 100'000);
  const auto hours = *rc::gen::inRange<std::int64_t>(0, 1000);
  const auto minutes = *rc::gen::inRange<std::int64_t>(0, 1000);
  const auto seconds = *rc::gen::inRange<std::int64_t>(0, 1000);
  const auto mask = *rc::gen::inRange(1, 16);  // which parts to write, never none
  std::string text;
  std::int64_t expected = 0;
  if (mask & 8) text += std::to_string(days) + "d", expected += days * 86400;
  if (mask & 4) text += std::to_string(hours) + "h", expected += hours * 3600;
  if (mask & 2) text += std::to_string(minutes) + "m", expected += minutes * 60;
  if (mask & 1) text += std::to_string(seconds) + "s", expected += seconds;
  auto parsed = parse_duration(text);
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == expected);
}

}  // namespace
}  // namespace nucleus::spec

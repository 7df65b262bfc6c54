// RFC 3339 timestamps and short durations ("2h30m") as written in specs.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace nucleus::spec {

// Which way to round a timestamp with fractional seconds to whole seconds.
enum class Rounding { down, up };

// Seconds since the Unix epoch for an RFC 3339 date-time such as
// "2026-12-01T00:00:00Z", "2026-12-01t09:00:00+09:00" or
// "2026-12-01T00:00:00.5-01:30". The date must exist (no February 30), the
// year is 0000..9999, offsets are at most ±23:59, and fractional seconds
// (1 to 9 digits) are rounded by `rounding`. Rejects leap seconds (":60"),
// which the Unix epoch cannot represent, a missing offset, and a space in
// place of 'T'. The error is a reason without position.
Result<std::int64_t> parse_rfc3339(std::string_view text, Rounding rounding);

// Seconds in a duration written as one or more <digits><unit> parts with
// units d, h, m and s in that order, each at most once: "90s", "30m",
// "2h30m", "1d". Rejects an empty text, a missing or unknown unit, signs,
// fractions, whitespace and totals over INT64_MAX. Zero ("0s") parses; the
// caller checks its own range. The error is a reason without position.
Result<std::int64_t> parse_duration(std::string_view text);

}  // namespace nucleus::spec

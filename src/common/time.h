// File: src/common/time.h
//
// Time in optin is microseconds since the Unix epoch, UTC (`int64_t`).
// Durations in catalogs are ISO 8601 (`P13M`, `P1Y2M10DT2H30M`, `P2W`); they
// keep months apart from seconds so that "P1M" after January 31 is the last
// day of February, as a person reading the notice would expect.
#ifndef OPTIN_COMMON_TIME_H_
#define OPTIN_COMMON_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "optin/status.h"

namespace optin {

constexpr int64_t kMicrosPerSecond = 1'000'000;

struct IsoDuration {
  int64_t months = 0;   // years count as 12 months
  int64_t seconds = 0;  // weeks, days, hours, minutes, seconds
  bool operator==(const IsoDuration&) const = default;
  bool IsZero() const { return months == 0 && seconds == 0; }
};

// Parses `PnYnMnWnDTnHnMnS` (integers only; at least one component; `T`
// only before a time component). Errors name what is wrong.
Result<IsoDuration> ParseIsoDuration(std::string_view text);
// The canonical form, e.g. `P1Y1M` for 13 months, `PT0S` for zero.
std::string FormatIsoDuration(const IsoDuration& d);
// `t` plus `d`, adding months on the civil calendar (the day is clamped to
// the end of a shorter month) and then seconds.
int64_t AddDuration(int64_t t_micros, const IsoDuration& d);

// RFC 3339 in UTC with microseconds when not whole: `2026-11-29T06:25:51Z`,
// `2026-11-29T06:25:51.123456Z`.
std::string FormatRfc3339(int64_t t_micros);
// Accepts `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`.
Result<int64_t> ParseRfc3339(std::string_view text);

int64_t NowMicros();

}  // namespace optin

#endif  // OPTIN_COMMON_TIME_H_

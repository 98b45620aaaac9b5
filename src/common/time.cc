#include "src/common/time.h"

#include <chrono>
#include <cstdio>
#include <limits>

namespace optin {
namespace {

constexpr int64_t kSecondsPerDay = 86'400;
// Limits that keep all arithmetic on durations far from overflow: a number
// in the text, and the whole duration (10,000 years).
constexpr int64_t kMaxDurationComponent = 1'000'000'000;
constexpr int64_t kMaxDurationMonths = 10'000 * 12;
constexpr int64_t kMaxDurationSeconds = 10'000 * 366 * kSecondsPerDay;

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Result<IsoDuration> ParseIsoDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("`" + std::string(text) + "` is not an ISO 8601 duration: " + std::string(why));
  };
  if (text.empty() || text[0] != 'P') return bad("it must start with `P`, as in `P13M` or `P30D`");
  IsoDuration out;
  bool in_time = false, any = false;
  // Designators must appear in this order; each at most once.
  const std::string_view date_order = "YMWD", time_order = "HMS";
  size_t next_date = 0, next_time = 0;
  size_t i = 1;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return bad("`T` appears twice");
      in_time = true;
      ++i;
      if (i == text.size()) return bad("`T` must be followed by hours, minutes or seconds");
      continue;
    }
    int64_t n = 0;
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > kMaxDurationComponent) return bad("a component is too large");
      ++i;
    }
    if (i == start) return bad("expected a number at position " + std::to_string(i + 1));
    if (i == text.size()) return bad("the number " + std::to_string(n) + " has no unit (Y, M, W, D, H, M or S)");
    char unit = text[i++];
    const std::string_view order = in_time ? time_order : date_order;
    size_t& next = in_time ? next_time : next_date;
    size_t pos = order.find(unit, next);
    if (pos == std::string_view::npos) {
      if (order.find(unit) != std::string_view::npos) return bad("units are repeated or out of order");
      return bad(std::string("unknown unit `") + unit + "`" + (in_time ? " after `T`" : ""));
    }
    next = pos + 1;
    any = true;
    if (!in_time) {
      switch (unit) {
        case 'Y': out.months += 12 * n; break;
        case 'M': out.months += n; break;
        case 'W': out.seconds += 7 * kSecondsPerDay * n; break;
        case 'D': out.seconds += kSecondsPerDay * n; break;
      }
    } else {
      switch (unit) {
        case 'H': out.seconds += 3600 * n; break;
        case 'M': out.seconds += 60 * n; break;
        case 'S': out.seconds += n; break;
      }
    }
  }
  if (!any) return bad("it has no components");
  if (out.months > kMaxDurationMonths || out.seconds > kMaxDurationSeconds) return bad("it is longer than 10,000 years");
  return out;
}

std::string FormatIsoDuration(const IsoDuration& d) {
  std::string out = "P";
  if (d.months / 12) out += std::to_string(d.months / 12) + "Y";
  if (d.months % 12) out += std::to_string(d.months % 12) + "M";
  int64_t s = d.seconds;
  if (s / kSecondsPerDay) out += std::to_string(s / kSecondsPerDay) + "D";
  s %= kSecondsPerDay;
  if (s != 0 || d.IsZero()) {
    out += "T";
    if (s / 3600) out += std::to_string(s / 3600) + "H";
    if (s % 3600 / 60) out += std::to_string(s % 3600 / 60) + "M";
    if (s % 60 || s == 0) out += std::to_string(s % 60) + "S";
  }
  return out;
}

int64_t AddDuration(int64_t t_micros, const IsoDuration& d) {
  int64_t t = t_micros;
  if (d.months != 0) {
    const int64_t secs = FloorDiv(t, kMicrosPerSecond);
    const int64_t frac = t - secs * kMicrosPerSecond;
    const int64_t days = FloorDiv(secs, kSecondsPerDay);
    const int64_t tod = secs - days * kSecondsPerDay;
    Civil c = CivilFromDays(days);
    int64_t month_index = c.y * 12 + (c.m - 1) + d.months;
    int64_t y = FloorDiv(month_index, 12);
    auto m = static_cast<unsigned>(month_index - y * 12 + 1);
    unsigned day = std::min(c.d, DaysInMonth(y, m));
    t = (DaysFromCivil(y, m, day) * kSecondsPerDay + tod) * kMicrosPerSecond + frac;
  }
  return t + d.seconds * kMicrosPerSecond;
}

std::string FormatRfc3339(int64_t t_micros) {
  const int64_t secs = FloorDiv(t_micros, kMicrosPerSecond);
  const int64_t frac = t_micros - secs * kMicrosPerSecond;
  const int64_t days = FloorDiv(secs, kSecondsPerDay);
  const int64_t tod = secs - days * kSecondsPerDay;
  Civil c = CivilFromDays(days);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(c.y), c.m,
                        c.d, static_cast<long long>(tod / 3600), static_cast<long long>(tod % 3600 / 60),
                        static_cast<long long>(tod % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    out += buf;
  }
  out += "Z";
  return out;
}

Result<int64_t> ParseRfc3339(std::string_view s) {
  auto bad = [&] {
    return InvalidArgumentError("`" + std::string(s) + "` is not an RFC 3339 time such as `2026-11-29T06:25:51Z`");
  };
  auto digits = [&](size_t pos, size_t n, int64_t& v) {
    if (pos + n > s.size()) return false;
    v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int64_t y, mo, d, h, mi, se;
  if (!digits(0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' || !digits(8, 2, d) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2, h) || s[13] != ':' || !digits(14, 2, mi) ||
      s[16] != ':' || !digits(17, 2, se)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, static_cast<unsigned>(mo)) || h > 23 || mi > 59 || se > 60) {
    return bad();
  }
  size_t i = 19;
  int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int64_t scale = 100'000;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return bad();
  }
  int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int64_t oh, om;
    if (!digits(i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(i + 4, 2, om)) return bad();
    offset = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return bad();
  }
  if (i != s.size()) return bad();
  if (se == 60) se = 59;  // a leap second reads as the second before it
  int64_t secs = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kSecondsPerDay +
                 h * 3600 + mi * 60 + se - offset;
  return secs * kMicrosPerSecond + frac;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace optin

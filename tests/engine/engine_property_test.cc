// Random sequences of publish / grant / withdraw / Global Privacy Control /
// erasure / clock steps (forward by microseconds or days, and backward) give
// the same decisions as a small reference model written from DESIGN §1 and
// §3. The model does its own calendar arithmetic, so that a mistake in the
// engine's (src/common/time.cc) cannot hide behind the same mistake here.
#include <gmock/gmock.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <optional>
#include <set>

#include "optin/engine.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

// `yaml` without the purpose or recipient `id` (its block ends at the next line that is
// not indented deeper).
std::string Without(const std::string& yaml, const std::string& id) {
  const size_t start = yaml.find("\n  " + id + ":\n") + 1;
  size_t end = start;
  do {
    end = yaml.find('\n', end) + 1;
  } while (end < yaml.size() && (yaml.compare(end, 4, "    ") == 0 || yaml[end] == '\n'));
  return yaml.substr(0, start) + yaml.substr(end);
}

std::string Edit(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  if (at == std::string::npos) throw std::runtime_error("`" + from + "` is not in the demo catalog");
  s.replace(at, from.size(), to);
  return s;
}

// The catalog variants a run publishes: the demo catalog (7 purposes, 4 of
// them by consent, 2 sold or shared), a text change, two changes of
// `expires` (material whatever the publisher says), a purpose removed.
const std::vector<Catalog>& Variants() {
  static const std::vector<Catalog> v = [] {
    const std::string demo(DemoCatalogYaml());
    std::vector<std::string> yaml = {
        demo,
        Edit(demo, "You see ads that fit your interests rather than random ones.",
             "You see ads that suit your interests rather than random ones."),
        Edit(demo, "expires: P24M", "expires: P1M"),
        Edit(demo, "expires: P12M\n    sale_or_share: false", "expires: P18M\n    sale_or_share: false"),
        // With the recipients declared only for it.
        Without(Without(Without(demo, "location_sharing"), "example_local_deals"), "example_maps"),
    };
    std::vector<Catalog> out;
    for (const auto& y : yaml) {
      Result<Catalog> c = ParseCatalog(y, "variant");
      if (!c.ok()) throw std::runtime_error(c.status().message());
      out.push_back(std::move(c).value());
    }
    return out;
  }();
  return v;
}

const std::vector<std::string> kSubjects = {"alice", "bob", "carol", "dave", "erin", "frank", "グレース", "-h"};
const std::vector<std::string> kPurposes = {"ad_targeting",      "personalized_offers", "product_analytics",
                                            "location_sharing",  "service",             "billing",
                                            "network_security", "nope"};

// ---- The model's own calendar: civil dates from days since 1970-01-01
// (proleptic Gregorian), written from the calendar rules, not from
// src/common/time.cc.
constexpr int64_t kMicrosPerDay = int64_t{86'400} * 1'000'000;

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysIn(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}
struct Civil {
  int64_t year;
  int month, day;
};
Civil ToCivil(int64_t days) {
  Civil c{1970, 1, 1};
  while (days >= (IsLeap(c.year) ? 366 : 365)) days -= IsLeap(c.year++) ? 366 : 365;
  while (days >= DaysIn(c.year, c.month)) days -= DaysIn(c.year, c.month++);
  c.day = static_cast<int>(days) + 1;
  return c;
}
int64_t FromCivil(Civil c) {
  int64_t days = 0;
  for (int64_t y = 1970; y < c.year; ++y) days += IsLeap(y) ? 366 : 365;
  for (int m = 1; m < c.month; ++m) days += DaysIn(c.year, m);
  return days + c.day - 1;
}

// `t` plus an ISO 8601 duration: months on the calendar (the day clamped to
// a shorter month's end), then the rest as exact time.
int64_t Plus(int64_t t, const std::string& iso) {
  int64_t months = 0, micros = 0;
  bool time = false;
  std::string number;
  for (char ch : iso.substr(1)) {
    if (ch == 'T') {
      time = true;
    } else if (ch >= '0' && ch <= '9') {
      number += ch;
    } else {
      const int64_t n = std::stoll(number);
      number.clear();
      if (!time && ch == 'Y') months += 12 * n;
      if (!time && ch == 'M') months += n;
      if (!time && ch == 'W') micros += 7 * n * kMicrosPerDay;
      if (!time && ch == 'D') micros += n * kMicrosPerDay;
      if (time && ch == 'H') micros += n * 3'600'000'000;
      if (time && ch == 'M') micros += n * 60'000'000;
      if (time && ch == 'S') micros += n * 1'000'000;
    }
  }
  const int64_t day = t / kMicrosPerDay, within = t % kMicrosPerDay;
  Civil c = ToCivil(day);
  const int64_t month_index = c.year * 12 + (c.month - 1) + months;
  c.year = month_index / 12;
  c.month = static_cast<int>(month_index % 12) + 1;
  c.day = std::min(c.day, DaysIn(c.year, c.month));
  return FromCivil(c) * kMicrosPerDay + within + micros;
}

// 2026-01-31T09:00:00.700Z: the end of a month, and part of a second.
constexpr int64_t kStart = int64_t{1'769'850'000} * 1'000'000 + 700'000;

// The reference model: the publications, and each subject's latest word on
// each purpose and their GPC signal, as sequence numbers.
struct Model {
  struct Publication {
    const Catalog* catalog;
    std::vector<std::string> editorial;  // changed purposes named editorial
  };
  struct Word {
    bool grant;
    size_t publication;  // in force when said
    int64_t time;        // as recorded: never before the previous event
    uint64_t seq;
  };
  struct Subject {
    std::map<std::string, Word> words;
    uint64_t gpc = 0;  // the signal's sequence number; 0: none
    bool Known() const { return gpc != 0 || !words.empty(); }
  };
  std::vector<Publication> publications;
  std::map<std::string, Subject> subjects;
  int64_t now = kStart;
  int64_t last_time = 0;
  uint64_t seq = 0;

  const Catalog* current() const { return publications.empty() ? nullptr : publications.back().catalog; }
  int64_t Record() {
    ++seq;
    last_time = std::max(last_time, now);
    return last_time;
  }

  bool EverPublished(const std::string& purpose) const {
    for (const auto& p : publications) {
      if (p.catalog->FindPurpose(purpose)) return true;
    }
    return false;
  }

  // A consent given under publication `g` still stands.
  bool StillStands(const std::string& purpose, size_t g) const {
    for (size_t j = g + 1; j < publications.size(); ++j) {
      const Purpose* now_p = publications[j].catalog->FindPurpose(purpose);
      const Purpose* before = publications[j - 1].catalog->FindPurpose(purpose);
      if (!now_p || !before) return false;  // removed (and maybe re-added): lapsed
      if (now_p->notice_version == before->notice_version) continue;
      const auto& ed = publications[j].editorial;
      if (std::find(ed.begin(), ed.end(), purpose) == ed.end()) return false;
    }
    return true;
  }

  std::pair<bool, Reason> Decide(const std::string& subject, const std::string& purpose) const {
    const Catalog* c = current();
    const Purpose* p = c ? c->FindPurpose(purpose) : nullptr;
    if (!p) return {false, Reason::kUnknownPurpose};
    if (p->basis == Basis::kNecessary) return {true, Reason::kNecessary};
    auto s = subjects.find(subject);
    const Word* w = nullptr;
    uint64_t gpc = 0;
    if (s != subjects.end()) {
      gpc = s->second.gpc;
      if (auto it = s->second.words.find(purpose); it != s->second.words.end()) w = &it->second;
    }
    if (p->sale_or_share && gpc != 0 && (!w || w->seq < gpc)) return {false, Reason::kGpcOptOut};
    if (!w) return {false, Reason::kNoConsent};
    if (!w->grant) return {false, Reason::kWithdrawn};
    if (!StillStands(purpose, w->publication)) return {false, Reason::kNoticeChanged};
    // The index keeps an expiry to the millisecond, rounded down.
    if (!p->expires.empty() && now >= Plus(w->time, p->expires) / 1000 * 1000) return {false, Reason::kExpired};
    return {true, Reason::kGranted};
  }
};

RC_GTEST_PROP(EngineProperty, MatchesTheReferenceModel, ()) {
  Model model;
  int64_t clock = model.now;
  auto engine = Engine::Open(NewMemoryStore(), {.store = "memory:", .mode = StoreOpenMode::kCreate,
                                                .clock = [&clock] { return clock; }});
  RC_ASSERT(engine.ok());
  WriteContext ctx{.channel = "api", .actor = "prop", .evidence = ""};
  const int steps = *rc::gen::inRange(1, 80);
  for (int step = 0; step < steps; ++step) {
    const int kind = *rc::gen::inRange(0, 16);
    model.now = clock;
    if (kind == 0 || model.publications.empty()) {
      const Catalog& cat = Variants()[*rc::gen::inRange<size_t>(0, Variants().size())];
      std::vector<std::string> editorial;
      for (const auto& id : {"ad_targeting", "personalized_offers", "product_analytics"}) {
        if (cat.FindPurpose(id) && *rc::gen::arbitrary<bool>()) editorial.push_back(id);
      }
      auto r = (*engine)->Publish(cat, editorial, ctx);
      // A changed purpose named editorial carries consents over, unless its
      // change is material (here: `expires`), which refuses the publication.
      std::vector<std::string> effective;
      bool refused = false;
      for (const auto& id : editorial) {
        const Purpose* before = model.current() ? model.current()->FindPurpose(id) : nullptr;
        const Purpose* after = cat.FindPurpose(id);
        if (before && before->notice_version != after->notice_version) {
          effective.push_back(id);
          refused |= before->expires != after->expires;
        }
      }
      RC_ASSERT(r.ok() == !refused);
      if (!refused) {
        model.Record();
        model.publications.push_back({&cat, effective});
      }
    } else if (kind <= 6) {
      const std::string& subject = *rc::gen::elementOf(kSubjects);
      const std::string& purpose = *rc::gen::elementOf(kPurposes);
      const bool grant = kind <= 3;
      std::vector<std::string> ids = {purpose};
      auto r = grant ? (*engine)->Grant(subject, ids, ctx) : (*engine)->Withdraw(subject, ids, ctx);
      const Purpose* p = model.current()->FindPurpose(purpose);
      const bool should_record = p ? p->basis == Basis::kConsent : (!grant && model.EverPublished(purpose));
      RC_ASSERT(r.ok() == should_record);
      if (should_record) {
        const int64_t time = model.Record();
        model.subjects[subject].words[purpose] = {grant, model.publications.size() - 1, time, model.seq};
      }
    } else if (kind == 7) {
      const std::string& subject = *rc::gen::elementOf(kSubjects);
      auto r = (*engine)->RecordGpc(subject, ctx);
      RC_ASSERT(r.ok());
      Model::Subject& s = model.subjects[subject];
      RC_ASSERT(r->has_value() == (s.gpc == 0));  // recorded once
      if (s.gpc == 0) {
        model.Record();
        s.gpc = model.seq;
      }
    } else if (kind == 8) {
      const std::string& subject = *rc::gen::elementOf(kSubjects);
      auto r = (*engine)->Erase(subject, ctx);
      const bool known = model.subjects[subject].Known();
      RC_ASSERT(r.ok() == known);
      if (known) {
        model.Record();
        model.subjects[subject] = {};  // forgotten: a new subject if they return
      }
    } else if (kind <= 11) {
      clock += *rc::gen::inRange<int64_t>(1, 2'000'000);  // microseconds
    } else if (kind <= 14) {
      clock += *rc::gen::inRange<int64_t>(1, 400) * kMicrosPerDay + *rc::gen::inRange<int64_t>(0, 1'000'000);
    } else {
      clock -= *rc::gen::inRange<int64_t>(1, 3 * kMicrosPerDay);  // the clock steps back
    }
    model.now = clock;
    for (const auto& s : kSubjects) {
      for (const auto& p : kPurposes) {
        Decision d = (*engine)->Decide(s, p);
        auto [allowed, reason] = model.Decide(s, p);
        RC_ASSERT(d.allowed == allowed);
        RC_ASSERT(ReasonName(d.reason) == ReasonName(reason));
      }
    }
  }
}

TEST(ModelCalendar, AddsMonthsAsACalendarDoes) {
  // 2026-01-31T09:00:00.700Z plus a month is the last day of February.
  EXPECT_EQ(Plus(kStart, "P1M"), int64_t{1'772'269'200} * 1'000'000 + 700'000);
  EXPECT_EQ(Plus(kStart, "P12M") - kStart, int64_t{365} * kMicrosPerDay);
  EXPECT_EQ(Plus(FromCivil({2028, 2, 29}) * kMicrosPerDay, "P1Y"), FromCivil({2029, 2, 28}) * kMicrosPerDay);
  EXPECT_EQ(Plus(0, "P1DT1H"), kMicrosPerDay + int64_t{3'600'000'000});
  EXPECT_EQ(ToCivil(FromCivil({2026, 12, 31})).day, 31);
}

}  // namespace
}  // namespace optin

// Random sequences of publish / grant / withdraw / time-advance give the same
// decisions as a small reference model written from DESIGN §1 and §3.
#include <gmock/gmock.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <optional>

#include "optin/engine.h"
#include "src/common/time.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::ReadFile;

const std::string kShop = ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml");

std::string Edit(std::string s, const std::string& from, const std::string& to) {
  s.replace(s.find(from), from.size(), to);
  return s;
}

// The catalog variants a run publishes.
const std::vector<Catalog>& Variants() {
  static const std::vector<Catalog> v = [] {
    std::vector<std::string> yaml = {
        kShop,
        Edit(kShop, "Ads that fit you.", "Ads that fit you well."),
        kShop.substr(0, kShop.find("  recommendations:")),
        Edit(kShop, "expires: P12M", "expires: P1M"),
        Edit(kShop, "Useful suggestions.", "Suggestions you may like."),
    };
    std::vector<Catalog> out;
    for (const auto& y : yaml) out.push_back(ParseCatalog(y, "variant").value());
    return out;
  }();
  return v;
}

const std::vector<std::string> kSubjects = {"alice", "bob", "carol"};
const std::vector<std::string> kPurposes = {"ads", "recommendations", "delivery", "nope"};

// The reference model: a list of publications and every subject event, and a
// decision computed from them directly.
struct Model {
  struct Publication {
    const Catalog* catalog;
    std::vector<std::string> editorial;  // purposes whose change was named editorial
  };
  struct SubjectEvent {
    bool grant;
    size_t publication;  // index of the publication in force when recorded
    int64_t time;
  };
  std::vector<Publication> publications;
  std::map<std::pair<std::string, std::string>, SubjectEvent> last;
  int64_t now = ParseRfc3339("2026-01-01T00:00:00Z").value();

  const Catalog* current() const { return publications.empty() ? nullptr : publications.back().catalog; }

  bool EverPublished(const std::string& purpose) const {
    for (const auto& p : publications) {
      if (p.catalog->FindPurpose(purpose)) return true;
    }
    return false;
  }

  // True if a consent given under publication `g` still stands.
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
    auto it = last.find({subject, purpose});
    if (it == last.end()) return {false, Reason::kNoConsent};
    if (!it->second.grant) return {false, Reason::kWithdrawn};
    if (!StillStands(purpose, it->second.publication)) return {false, Reason::kNoticeChanged};
    if (!p->expires.empty() && now >= AddDuration(it->second.time, ParseIsoDuration(p->expires).value())) {
      return {false, Reason::kExpired};
    }
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
  const int steps = *rc::gen::inRange(1, 60);
  for (int step = 0; step < steps; ++step) {
    const int kind = *rc::gen::inRange(0, 10);
    if (kind == 0 || model.publications.empty()) {
      size_t v = *rc::gen::inRange<size_t>(0, Variants().size());
      const Catalog& cat = Variants()[v];
      std::vector<std::string> editorial;
      for (const auto& id : {"ads", "recommendations"}) {
        if (cat.FindPurpose(id) && *rc::gen::arbitrary<bool>()) editorial.push_back(id);
      }
      auto r = (*engine)->Publish(cat, editorial, ctx);
      // The model learns only which changed purposes were named editorial; a
      // change of `expires` can never be editorial and refuses the publication.
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
      if (!refused) model.publications.push_back({&cat, effective});
    } else if (kind <= 4 || kind <= 7) {
      const std::string& subject = *rc::gen::elementOf(kSubjects);
      const std::string& purpose = *rc::gen::elementOf(kPurposes);
      const bool grant = kind <= 4;
      std::vector<std::string> ids = {purpose};
      auto r = grant ? (*engine)->Grant(subject, ids, ctx) : (*engine)->Withdraw(subject, ids, ctx);
      const Purpose* p = model.current()->FindPurpose(purpose);
      const bool should_record = p ? p->basis == Basis::kConsent : (!grant && model.EverPublished(purpose));
      RC_ASSERT(r.ok() == should_record);
      if (should_record) model.last[{subject, purpose}] = {grant, model.publications.size() - 1, clock};
    } else {
      const int64_t days = *rc::gen::inRange(1, 400);
      clock += days * 86400 * kMicrosPerSecond;
      model.now = clock;
    }
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

}  // namespace
}  // namespace optin

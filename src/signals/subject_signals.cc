// A customer's choices as TC, GPP and US Privacy strings and Consent Mode
// (optin/signals.h, "A customer's choices"). Opt-in: whatever no allowed
// purpose grants is denied.
#include <algorithm>
#include <map>

#include "optin/signals.h"
#include "src/common/json_writer.h"

namespace optin {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000;
constexpr int kTcfPolicyVersion = 4;  // TCF v2.2
constexpr int kUsNatVersion = 2;      // the 2024 layout
// The two-bit values of the GPP US sections.
constexpr int kGiven = 1;           // notices
constexpr int kOptedOut = 1;        // opt-outs
constexpr int kNotOptedOut = 2;
constexpr int kNoConsent = 1;       // consents
constexpr int kConsent = 2;
constexpr int kMspaYes = 1;
constexpr int kMspaNo = 2;
constexpr int kNotApplicable = 0;
// The four Consent Mode v2 types, always reported.
constexpr std::string_view kConsentModeV2[] = {"ad_storage", "ad_user_data", "ad_personalization",
                                               "analytics_storage"};
// usca's nine sensitive categories, each as the usnat categories it covers.
const std::vector<std::vector<std::string>> kUsCaSensitive = {
    {"government_id"},
    {"financial_account"},
    {"precise_geolocation"},
    {"racial_ethnic_origin", "religious_beliefs", "union_membership"},
    {"communications_content"},
    {"genetic"},
    {"biometric"},
    {"health"},
    {"sex_life"}};

// For each signal key: whether some purpose that maps to it is allowed.
template <typename Key>
class Grants {
 public:
  void Add(const Key& key, bool allowed) {
    auto [it, inserted] = granted_.emplace(key, allowed);
    if (!inserted) it->second = it->second || allowed;
  }
  bool Granted(const Key& key) const {
    auto it = granted_.find(key);
    return it != granted_.end() && it->second;
  }
  bool GrantedAny(const std::vector<Key>& keys) const {
    return std::any_of(keys.begin(), keys.end(), [this](const Key& k) { return Granted(k); });
  }
  bool Mapped(const Key& key) const { return granted_.count(key) > 0; }
  std::vector<Key> GrantedKeys() const {
    std::vector<Key> out;
    for (const auto& [k, v] : granted_) {
      if (v) out.push_back(k);
    }
    return out;
  }
  std::vector<Key> MappedKeys() const {
    std::vector<Key> out;
    for (const auto& [k, v] : granted_) out.push_back(k);
    return out;
  }

 private:
  std::map<Key, bool> granted_;
};

struct AllGrants {
  Grants<int> tcf_purposes, tcf_special_features, tcf_vendors;
  Grants<std::string> us, consent_mode;
};

AllGrants Collect(const Catalog& catalog, const SubjectChoices& choices) {
  std::map<std::string, bool, std::less<>> allowed(choices.allowed.begin(), choices.allowed.end());
  AllGrants g;
  for (const Purpose& p : catalog.purposes) {
    auto it = allowed.find(p.id);
    const bool ok = it != allowed.end() && it->second;
    for (int id : p.signals.tcf_purposes) g.tcf_purposes.Add(id, ok);
    for (int id : p.signals.tcf_special_features) g.tcf_special_features.Add(id, ok);
    for (int id : p.signals.tcf_vendors) g.tcf_vendors.Add(id, ok);
    for (const std::string& k : p.signals.us) g.us.Add(k, ok);
    for (const std::string& k : p.signals.consent_mode) g.consent_mode.Add(k, ok);
  }
  return g;
}

std::string ConsentLanguage(const Catalog& catalog) {
  if (!catalog.signals.consent_language.empty()) return catalog.signals.consent_language;
  std::string lang = catalog.locales.empty() ? "en" : catalog.locales.front().substr(0, 2);
  for (char& ch : lang) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const bool letters = lang.size() == 2 && std::all_of(lang.begin(), lang.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
  return letters ? lang : "EN";
}

TcString MakeTcString(const Catalog& catalog, const AllGrants& g, int64_t when) {
  const SignalSettings& s = catalog.signals;
  TcString tc;
  tc.created = tc.last_updated = when - when % kMicrosPerDay;
  tc.cmp_id = s.cmp_id;
  tc.cmp_version = s.cmp_version;
  tc.consent_language = ConsentLanguage(catalog);
  tc.vendor_list_version = s.vendor_list_version;
  tc.policy_version = kTcfPolicyVersion;
  tc.is_service_specific = true;
  tc.publisher_cc = s.publisher_cc;
  tc.purpose_consents = g.tcf_purposes.GrantedKeys();
  tc.special_feature_opt_ins = g.tcf_special_features.GrantedKeys();
  tc.vendor_consents = g.tcf_vendors.GrantedKeys();
  // Every vendor the catalog names was disclosed to the customer.
  tc.disclosed_vendors = g.tcf_vendors.MappedKeys();
  return tc;
}

int OptOut(const Grants<std::string>& us, const std::string& kind) {
  return us.Granted(kind) ? kNotOptedOut : kOptedOut;
}
int Consent(bool granted) { return granted ? kConsent : kNoConsent; }

// MspaCoveredTransaction, then for a covered one its mode: one of the two
// `yes`, the other `no`; both `not applicable` otherwise.
template <typename Section>
void SetMspa(const SignalSettings& s, Section& out) {
  out.mspa_covered_transaction = s.mspa_covered_transaction ? kMspaYes : kMspaNo;
  out.mspa_opt_out_option_mode = !s.mspa_covered_transaction ? kNotApplicable
                                 : s.mspa_mode == "opt_out_option" ? kMspaYes
                                                                    : kMspaNo;
  out.mspa_service_provider_mode = !s.mspa_covered_transaction ? kNotApplicable
                                   : s.mspa_mode == "service_provider" ? kMspaYes
                                                                        : kMspaNo;
}

GppUsNat MakeUsNat(const Catalog& catalog, const AllGrants& g, bool gpc) {
  GppUsNat n;
  n.version = kUsNatVersion;
  n.sharing_notice = n.sale_opt_out_notice = n.sharing_opt_out_notice = n.targeted_advertising_opt_out_notice =
      n.sensitive_data_processing_opt_out_notice = n.sensitive_data_limit_use_notice = kGiven;
  n.sale_opt_out = OptOut(g.us, "sale");
  n.sharing_opt_out = OptOut(g.us, "sharing");
  n.targeted_advertising_opt_out = OptOut(g.us, "targeted_advertising");
  n.sensitive_data_processing.clear();
  for (std::string_view category : kUsSensitiveCategories) {
    n.sensitive_data_processing.push_back(Consent(g.us.Granted(std::string(category))));
  }
  // optin records no parent's consent: known children's data is never consented.
  n.known_child_sensitive_data_consents.assign(n.known_child_sensitive_data_consents.size(), kNoConsent);
  n.personal_data_consents = Consent(g.us.Granted("personal_data"));
  SetMspa(catalog.signals, n);
  n.gpc = gpc;
  return n;
}

GppUsCa MakeUsCa(const Catalog& catalog, const AllGrants& g, bool gpc) {
  GppUsCa c;
  c.sale_opt_out_notice = c.sharing_opt_out_notice = c.sensitive_data_limit_use_notice = kGiven;
  c.sale_opt_out = OptOut(g.us, "sale");
  c.sharing_opt_out = OptOut(g.us, "sharing");
  c.sensitive_data_processing.clear();
  for (const auto& categories : kUsCaSensitive) c.sensitive_data_processing.push_back(Consent(g.us.GrantedAny(categories)));
  c.known_child_sensitive_data_consents.assign(c.known_child_sensitive_data_consents.size(), kNoConsent);
  c.personal_data_consents = Consent(g.us.Granted("personal_data"));
  SetMspa(catalog.signals, c);
  c.gpc = gpc;
  return c;
}

}  // namespace

SubjectSignals SignalsFor(const Catalog& catalog, const SubjectChoices& choices, int64_t now) {
  const AllGrants g = Collect(catalog, choices);
  SubjectSignals out;
  if (catalog.signals.tcf) out.tc = MakeTcString(catalog, g, choices.last_updated > 0 ? choices.last_updated : now);
  out.usp.notice = true;
  out.usp.opt_out_sale = !g.us.Granted("sale");
  out.usp.lspa_covered = catalog.signals.lspa_covered;

  std::vector<std::string> sections = catalog.signals.gpp_sections;
  if (sections.empty()) {
    if (catalog.signals.tcf) sections.push_back("tcfeuv2");
    sections.push_back("usnat");
  }
  for (const std::string& name : sections) {
    if (name == "tcfeuv2" && out.tc) out.gpp.tcfeuv2 = out.tc;
    if (name == "uspv1") out.gpp.uspv1 = out.usp;
    if (name == "usnat") out.gpp.usnat = MakeUsNat(catalog, g, choices.gpc);
    if (name == "usca") out.gpp.usca = MakeUsCa(catalog, g, choices.gpc);
  }

  for (std::string_view type : kConsentModeTypes) {
    const std::string t(type);
    const bool v2 = std::find(std::begin(kConsentModeV2), std::end(kConsentModeV2), type) != std::end(kConsentModeV2);
    if (v2 || g.consent_mode.Mapped(t)) out.consent_mode.emplace_back(t, g.consent_mode.Granted(t));
  }
  return out;
}

Result<std::string> SubjectSignalsToJson(std::string_view subject, const SubjectSignals& signals, bool gpc) {
  JsonWriter w;
  w.BeginObject();
  if (!subject.empty()) w.Key("subject").String(subject);
  w.Key("gpc").Bool(gpc);
  w.Key("tc_string");
  if (signals.tc) {
    Result<std::string> tc = EncodeTcString(*signals.tc);
    if (!tc.ok()) return InternalError("generated TC string: " + tc.status().message());
    w.String(*tc);
  } else {
    w.Null();
  }
  Result<std::string> gpp = EncodeGppString(signals.gpp);
  if (!gpp.ok()) return InternalError("generated GPP string: " + gpp.status().message());
  w.Key("gpp_string").String(*gpp);
  w.Key("gpp_sid").BeginArray();
  for (int id : GppSectionIds(signals.gpp)) w.Int(id);
  w.EndArray();
  w.Key("us_privacy").String(EncodeUspString(signals.usp));
  w.Key("consent_mode").BeginObject();
  for (const auto& [type, granted] : signals.consent_mode) w.Key(type).String(granted ? "granted" : "denied");
  w.EndObject();
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace optin

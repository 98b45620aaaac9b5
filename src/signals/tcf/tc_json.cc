// The JSON form of a TC string model: written with JsonWriter, read with
// simdjson (which stays inside this file).
#include <simdjson.h>

#include <algorithm>
#include <climits>
#include <string>

#include "optin/signals.h"
#include "src/common/json_keys.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/signals/tcf/bits.h"
#include "src/signals/tcf/tc_json.h"

namespace optin {
namespace {

using tcf::kMicrosPerDecisecond;

// Floors to whole deciseconds, the precision a TC string keeps.
int64_t ToDeciseconds(int64_t micros) {
  int64_t q = micros / kMicrosPerDecisecond;
  if (micros % kMicrosPerDecisecond < 0) --q;
  return q * kMicrosPerDecisecond;
}

void WriteIds(JsonWriter& w, std::string_view key, const std::vector<int>& ids) {
  w.Key(key).BeginArray();
  for (int id : ids) w.Int(id);
  w.EndArray();
}

// ---- Reading.

using simdjson::dom::element;

std::string Quoted(std::string_view key) { return "`" + std::string(key) + "`"; }

Result<int> IntValue(element v, std::string_view key) {
  int64_t i = 0;
  if (v.get(i) || i < INT32_MIN || i > INT32_MAX) return InvalidArgumentError(Quoted(key) + " must be an integer");
  return static_cast<int>(i);
}

Result<bool> BoolValue(element v, std::string_view key) {
  bool b = false;
  if (v.get(b)) return InvalidArgumentError(Quoted(key) + " must be true or false");
  return b;
}

Result<std::string> StringValue(element v, std::string_view key) {
  std::string_view s;
  if (v.get(s)) return InvalidArgumentError(Quoted(key) + " must be a string");
  return std::string(s);
}

Result<int64_t> TimeValue(element v, std::string_view key) {
  OPTIN_ASSIGN_OR_RETURN(std::string s, StringValue(v, key));
  Result<int64_t> t = ParseRfc3339(s);
  if (!t.ok()) return InvalidArgumentError(Quoted(key) + ": " + t.status().message());
  return *t;
}

Result<std::vector<int>> IdsValue(element v, std::string_view key) {
  simdjson::dom::array a;
  if (v.get(a)) return InvalidArgumentError(Quoted(key) + " must be a list of integers");
  std::vector<int> ids;
  for (element e : a) {
    OPTIN_ASSIGN_OR_RETURN(int id, IntValue(e, key));
    ids.push_back(id);
  }
  return ids;
}

Result<TcPublisherRestriction> RestrictionValue(element v) {
  simdjson::dom::object o;
  if (v.get(o)) return InvalidArgumentError("`publisher_restrictions` must be a list of objects");
  TcPublisherRestriction r;
  for (auto [key, value] : o) {
    if (key == "purpose") {
      OPTIN_ASSIGN_OR_RETURN(r.purpose, IntValue(value, "publisher_restrictions.purpose"));
    } else if (key == "type") {
      OPTIN_ASSIGN_OR_RETURN(r.type, IntValue(value, "publisher_restrictions.type"));
    } else if (key == "vendors") {
      OPTIN_ASSIGN_OR_RETURN(r.vendors, IdsValue(value, "publisher_restrictions.vendors"));
    } else {
      return InvalidArgumentError("unknown key " + Quoted(key) + " in `publisher_restrictions`");
    }
  }
  return r;
}

Result<TcPublisherSegment> PublisherValue(element v) {
  simdjson::dom::object o;
  if (v.get(o)) return InvalidArgumentError("`publisher` must be an object");
  TcPublisherSegment p;
  bool has_num = false;
  for (auto [key, value] : o) {
    if (key == "purpose_consents") {
      OPTIN_ASSIGN_OR_RETURN(p.purpose_consents, IdsValue(value, "publisher.purpose_consents"));
    } else if (key == "purpose_legitimate_interests") {
      OPTIN_ASSIGN_OR_RETURN(p.purpose_legitimate_interests, IdsValue(value, "publisher.purpose_legitimate_interests"));
    } else if (key == "custom_purpose_consents") {
      OPTIN_ASSIGN_OR_RETURN(p.custom_purpose_consents, IdsValue(value, "publisher.custom_purpose_consents"));
    } else if (key == "custom_purpose_legitimate_interests") {
      OPTIN_ASSIGN_OR_RETURN(p.custom_purpose_legitimate_interests,
                             IdsValue(value, "publisher.custom_purpose_legitimate_interests"));
    } else if (key == "num_custom_purposes") {
      OPTIN_ASSIGN_OR_RETURN(p.num_custom_purposes, IntValue(value, "publisher.num_custom_purposes"));
      has_num = true;
    } else {
      return InvalidArgumentError("unknown key " + Quoted(key) + " in `publisher`");
    }
  }
  if (!has_num) {
    // Without an explicit count, as many custom purposes as the lists name.
    for (const auto* ids : {&p.custom_purpose_consents, &p.custom_purpose_legitimate_interests}) {
      if (!ids->empty()) p.num_custom_purposes = std::max(p.num_custom_purposes, ids->back());
    }
  }
  return p;
}

Status SetField(TcString& tc, std::string_view key, element v) {
  if (key == "version") {
    OPTIN_ASSIGN_OR_RETURN(tc.version, IntValue(v, key));
  } else if (key == "created") {
    OPTIN_ASSIGN_OR_RETURN(tc.created, TimeValue(v, key));
  } else if (key == "last_updated") {
    OPTIN_ASSIGN_OR_RETURN(tc.last_updated, TimeValue(v, key));
  } else if (key == "cmp_id") {
    OPTIN_ASSIGN_OR_RETURN(tc.cmp_id, IntValue(v, key));
  } else if (key == "cmp_version") {
    OPTIN_ASSIGN_OR_RETURN(tc.cmp_version, IntValue(v, key));
  } else if (key == "consent_screen") {
    OPTIN_ASSIGN_OR_RETURN(tc.consent_screen, IntValue(v, key));
  } else if (key == "consent_language") {
    OPTIN_ASSIGN_OR_RETURN(tc.consent_language, StringValue(v, key));
  } else if (key == "vendor_list_version") {
    OPTIN_ASSIGN_OR_RETURN(tc.vendor_list_version, IntValue(v, key));
  } else if (key == "policy_version") {
    OPTIN_ASSIGN_OR_RETURN(tc.policy_version, IntValue(v, key));
  } else if (key == "is_service_specific") {
    OPTIN_ASSIGN_OR_RETURN(tc.is_service_specific, BoolValue(v, key));
  } else if (key == "use_non_standard_texts") {
    OPTIN_ASSIGN_OR_RETURN(tc.use_non_standard_texts, BoolValue(v, key));
  } else if (key == "purpose_one_treatment") {
    OPTIN_ASSIGN_OR_RETURN(tc.purpose_one_treatment, BoolValue(v, key));
  } else if (key == "publisher_cc") {
    OPTIN_ASSIGN_OR_RETURN(tc.publisher_cc, StringValue(v, key));
  } else if (key == "special_feature_opt_ins") {
    OPTIN_ASSIGN_OR_RETURN(tc.special_feature_opt_ins, IdsValue(v, key));
  } else if (key == "purpose_consents") {
    OPTIN_ASSIGN_OR_RETURN(tc.purpose_consents, IdsValue(v, key));
  } else if (key == "purpose_legitimate_interests") {
    OPTIN_ASSIGN_OR_RETURN(tc.purpose_legitimate_interests, IdsValue(v, key));
  } else if (key == "vendor_consents") {
    OPTIN_ASSIGN_OR_RETURN(tc.vendor_consents, IdsValue(v, key));
  } else if (key == "vendor_legitimate_interests") {
    OPTIN_ASSIGN_OR_RETURN(tc.vendor_legitimate_interests, IdsValue(v, key));
  } else if (key == "publisher_restrictions") {
    simdjson::dom::array a;
    if (v.get(a)) return InvalidArgumentError("`publisher_restrictions` must be a list");
    tc.publisher_restrictions.clear();
    for (element e : a) {
      OPTIN_ASSIGN_OR_RETURN(TcPublisherRestriction r, RestrictionValue(e));
      tc.publisher_restrictions.push_back(std::move(r));
    }
  } else if (key == "disclosed_vendors") {
    if (v.is_null()) {
      tc.disclosed_vendors.reset();
    } else {
      OPTIN_ASSIGN_OR_RETURN(tc.disclosed_vendors, IdsValue(v, key));
    }
  } else if (key == "publisher") {
    if (v.is_null()) {
      tc.publisher.reset();
    } else {
      OPTIN_ASSIGN_OR_RETURN(tc.publisher, PublisherValue(v));
    }
  } else if (key == "warnings") {
    // Output only: derived again by every decode.
  } else {
    return InvalidArgumentError("unknown key " + Quoted(key));
  }
  return OkStatus();
}

}  // namespace

namespace tcf {

void WriteTcStringFields(JsonWriter& w, const TcString& tc) {
  w.Key("version").Int(tc.version);
  w.Key("created").String(FormatRfc3339(ToDeciseconds(tc.created)));
  w.Key("last_updated").String(FormatRfc3339(ToDeciseconds(tc.last_updated)));
  w.Key("cmp_id").Int(tc.cmp_id);
  w.Key("cmp_version").Int(tc.cmp_version);
  w.Key("consent_screen").Int(tc.consent_screen);
  w.Key("consent_language").String(tc.consent_language);
  w.Key("vendor_list_version").Int(tc.vendor_list_version);
  w.Key("policy_version").Int(tc.policy_version);
  w.Key("is_service_specific").Bool(tc.is_service_specific);
  w.Key("use_non_standard_texts").Bool(tc.use_non_standard_texts);
  w.Key("purpose_one_treatment").Bool(tc.purpose_one_treatment);
  w.Key("publisher_cc").String(tc.publisher_cc);
  WriteIds(w, "special_feature_opt_ins", tc.special_feature_opt_ins);
  WriteIds(w, "purpose_consents", tc.purpose_consents);
  WriteIds(w, "purpose_legitimate_interests", tc.purpose_legitimate_interests);
  WriteIds(w, "vendor_consents", tc.vendor_consents);
  WriteIds(w, "vendor_legitimate_interests", tc.vendor_legitimate_interests);
  w.Key("publisher_restrictions").BeginArray();
  for (const TcPublisherRestriction& r : tc.publisher_restrictions) {
    w.BeginObject().Key("purpose").Int(r.purpose).Key("type").Int(r.type);
    WriteIds(w, "vendors", r.vendors);
    w.EndObject();
  }
  w.EndArray();
  if (tc.disclosed_vendors) WriteIds(w, "disclosed_vendors", *tc.disclosed_vendors);
  if (tc.publisher) {
    const TcPublisherSegment& p = *tc.publisher;
    w.Key("publisher").BeginObject();
    WriteIds(w, "purpose_consents", p.purpose_consents);
    WriteIds(w, "purpose_legitimate_interests", p.purpose_legitimate_interests);
    w.Key("num_custom_purposes").Int(p.num_custom_purposes);
    WriteIds(w, "custom_purpose_consents", p.custom_purpose_consents);
    WriteIds(w, "custom_purpose_legitimate_interests", p.custom_purpose_legitimate_interests);
    w.EndObject();
  }
}

}  // namespace tcf

std::string TcStringToJson(const TcDecoded& decoded) {
  JsonWriter w;
  w.BeginObject();
  tcf::WriteTcStringFields(w, decoded.tc);
  w.Key("warnings").BeginArray();
  for (const std::string& s : decoded.warnings) w.String(s);
  w.EndArray();
  w.EndObject();
  return std::move(w).Take();
}

Result<TcString> TcStringFromJson(std::string_view json) {
  simdjson::dom::parser parser;
  element doc;
  if (auto error = parser.parse(json.data(), json.size()).get(doc); error) {
    return InvalidArgumentError(std::string("not valid JSON: ") + simdjson::error_message(error));
  }
  OPTIN_RETURN_IF_ERROR(CheckNoRepeatedKey(doc));
  simdjson::dom::object o;
  if (doc.get(o)) return InvalidArgumentError("the TC string model must be a JSON object");
  TcString tc;
  for (auto [key, value] : o) OPTIN_RETURN_IF_ERROR(SetField(tc, key, value));
  OPTIN_RETURN_IF_ERROR(ValidateTcString(tc));
  return tc;
}

}  // namespace optin

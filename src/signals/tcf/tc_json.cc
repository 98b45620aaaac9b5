// The JSON form of a TC string model: written with JsonWriter, read with
// the JSON reader.
#include <algorithm>
#include <string>

#include "optin/signals.h"
#include "src/common/json_reader.h"
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

// ---- Reading.

Result<TcPublisherRestriction> RestrictionValue(const json::Value& v) {
  TcPublisherRestriction r;
  OPTIN_RETURN_IF_ERROR(v.ForEachMember([&r](std::string_view key, const json::Value& value) -> Status {
    if (key == "purpose") {
      OPTIN_ASSIGN_OR_RETURN(r.purpose, value.Int());
    } else if (key == "type") {
      OPTIN_ASSIGN_OR_RETURN(r.type, value.Int());
    } else if (key == "vendors") {
      OPTIN_ASSIGN_OR_RETURN(r.vendors, value.Ints());
    } else {
      return value.UnknownKey();
    }
    return OkStatus();
  }));
  return r;
}

Result<TcPublisherSegment> PublisherValue(const json::Value& v) {
  TcPublisherSegment p;
  bool has_num = false;
  OPTIN_RETURN_IF_ERROR(v.ForEachMember([&](std::string_view key, const json::Value& value) -> Status {
    if (key == "purpose_consents") {
      OPTIN_ASSIGN_OR_RETURN(p.purpose_consents, value.Ints());
    } else if (key == "purpose_legitimate_interests") {
      OPTIN_ASSIGN_OR_RETURN(p.purpose_legitimate_interests, value.Ints());
    } else if (key == "custom_purpose_consents") {
      OPTIN_ASSIGN_OR_RETURN(p.custom_purpose_consents, value.Ints());
    } else if (key == "custom_purpose_legitimate_interests") {
      OPTIN_ASSIGN_OR_RETURN(p.custom_purpose_legitimate_interests, value.Ints());
    } else if (key == "num_custom_purposes") {
      OPTIN_ASSIGN_OR_RETURN(p.num_custom_purposes, value.Int());
      has_num = true;
    } else {
      return value.UnknownKey();
    }
    return OkStatus();
  }));
  if (!has_num) {
    // Without an explicit count, as many custom purposes as the lists name.
    for (const auto* ids : {&p.custom_purpose_consents, &p.custom_purpose_legitimate_interests}) {
      if (!ids->empty()) p.num_custom_purposes = std::max(p.num_custom_purposes, ids->back());
    }
  }
  return p;
}

Status SetField(TcString& tc, std::string_view key, const json::Value& v) {
  if (key == "version") {
    OPTIN_ASSIGN_OR_RETURN(tc.version, v.Int());
  } else if (key == "created") {
    OPTIN_ASSIGN_OR_RETURN(tc.created, v.Time());
  } else if (key == "last_updated") {
    OPTIN_ASSIGN_OR_RETURN(tc.last_updated, v.Time());
  } else if (key == "cmp_id") {
    OPTIN_ASSIGN_OR_RETURN(tc.cmp_id, v.Int());
  } else if (key == "cmp_version") {
    OPTIN_ASSIGN_OR_RETURN(tc.cmp_version, v.Int());
  } else if (key == "consent_screen") {
    OPTIN_ASSIGN_OR_RETURN(tc.consent_screen, v.Int());
  } else if (key == "consent_language") {
    OPTIN_ASSIGN_OR_RETURN(tc.consent_language, v.String());
  } else if (key == "vendor_list_version") {
    OPTIN_ASSIGN_OR_RETURN(tc.vendor_list_version, v.Int());
  } else if (key == "policy_version") {
    OPTIN_ASSIGN_OR_RETURN(tc.policy_version, v.Int());
  } else if (key == "is_service_specific") {
    OPTIN_ASSIGN_OR_RETURN(tc.is_service_specific, v.Bool());
  } else if (key == "use_non_standard_texts") {
    OPTIN_ASSIGN_OR_RETURN(tc.use_non_standard_texts, v.Bool());
  } else if (key == "purpose_one_treatment") {
    OPTIN_ASSIGN_OR_RETURN(tc.purpose_one_treatment, v.Bool());
  } else if (key == "publisher_cc") {
    OPTIN_ASSIGN_OR_RETURN(tc.publisher_cc, v.String());
  } else if (key == "special_feature_opt_ins") {
    OPTIN_ASSIGN_OR_RETURN(tc.special_feature_opt_ins, v.Ints());
  } else if (key == "purpose_consents") {
    OPTIN_ASSIGN_OR_RETURN(tc.purpose_consents, v.Ints());
  } else if (key == "purpose_legitimate_interests") {
    OPTIN_ASSIGN_OR_RETURN(tc.purpose_legitimate_interests, v.Ints());
  } else if (key == "vendor_consents") {
    OPTIN_ASSIGN_OR_RETURN(tc.vendor_consents, v.Ints());
  } else if (key == "vendor_legitimate_interests") {
    OPTIN_ASSIGN_OR_RETURN(tc.vendor_legitimate_interests, v.Ints());
  } else if (key == "publisher_restrictions") {
    tc.publisher_restrictions.clear();
    return v.ForEachItem([&tc](const json::Value& item) -> Status {
      OPTIN_ASSIGN_OR_RETURN(TcPublisherRestriction r, RestrictionValue(item));
      tc.publisher_restrictions.push_back(std::move(r));
      return OkStatus();
    });
  } else if (key == "disclosed_vendors") {
    if (v.IsNull()) {
      tc.disclosed_vendors.reset();
    } else {
      OPTIN_ASSIGN_OR_RETURN(tc.disclosed_vendors, v.Ints());
    }
  } else if (key == "publisher") {
    if (v.IsNull()) {
      tc.publisher.reset();
    } else {
      OPTIN_ASSIGN_OR_RETURN(tc.publisher, PublisherValue(v));
    }
  } else if (key == "warnings") {
    // Output only: derived again by every decode.
  } else {
    return v.UnknownKey();
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
  w.Key("special_feature_opt_ins").Ints(tc.special_feature_opt_ins);
  w.Key("purpose_consents").Ints(tc.purpose_consents);
  w.Key("purpose_legitimate_interests").Ints(tc.purpose_legitimate_interests);
  w.Key("vendor_consents").Ints(tc.vendor_consents);
  w.Key("vendor_legitimate_interests").Ints(tc.vendor_legitimate_interests);
  w.Key("publisher_restrictions").BeginArray();
  for (const TcPublisherRestriction& r : tc.publisher_restrictions) {
    w.BeginObject().Key("purpose").Int(r.purpose).Key("type").Int(r.type);
    w.Key("vendors").Ints(r.vendors);
    w.EndObject();
  }
  w.EndArray();
  if (tc.disclosed_vendors) w.Key("disclosed_vendors").Ints(*tc.disclosed_vendors);
  if (tc.publisher) {
    const TcPublisherSegment& p = *tc.publisher;
    w.Key("publisher").BeginObject();
    w.Key("purpose_consents").Ints(p.purpose_consents);
    w.Key("purpose_legitimate_interests").Ints(p.purpose_legitimate_interests);
    w.Key("num_custom_purposes").Int(p.num_custom_purposes);
    w.Key("custom_purpose_consents").Ints(p.custom_purpose_consents);
    w.Key("custom_purpose_legitimate_interests").Ints(p.custom_purpose_legitimate_interests);
    w.EndObject();
  }
}

}  // namespace tcf

std::string TcStringToJson(const TcDecoded& decoded) {
  JsonWriter w;
  w.BeginObject();
  tcf::WriteTcStringFields(w, decoded.tc);
  w.Key("warnings").Strings(decoded.warnings);
  w.EndObject();
  return std::move(w).Take();
}

Result<TcString> TcStringFromJson(std::string_view json) {
  OPTIN_ASSIGN_OR_RETURN(json::Document doc, json::Document::ParseObject(json, "the TC string model"));
  return tcf::TcStringFromJson(doc.root());
}

namespace tcf {

Result<TcString> TcStringFromJson(const json::Value& model) {
  TcString tc;
  OPTIN_RETURN_IF_ERROR(model.ForEachMember(
      [&tc](std::string_view key, const json::Value& value) { return SetField(tc, key, value); }));
  OPTIN_RETURN_IF_ERROR(ValidateTcString(tc));
  return tc;
}

}  // namespace tcf

}  // namespace optin

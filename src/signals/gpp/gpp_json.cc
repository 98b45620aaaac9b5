// The JSON form of a GPP string model: written with JsonWriter, read with
// the JSON reader.
#include <span>
#include <string>

#include "optin/signals.h"
#include "src/common/json_reader.h"
#include "src/common/json_writer.h"
#include "src/signals/gpp/us_fields.h"
#include "src/signals/tcf/tc_json.h"

namespace optin {
namespace {

using gpp::UsField;

void WriteOptionalBool(JsonWriter& w, std::string_view key, const std::optional<bool>& v) {
  w.Key(key);
  if (v) w.Bool(*v);
  else w.Null();
}

template <typename Section>
void WriteUsSection(JsonWriter& w, std::string_view key, std::span<const UsField<Section>> fields,
                    const Section& s) {
  w.Key(key).BeginObject().Key("version").Int(s.version);
  for (const UsField<Section>& f : fields) {
    w.Key(f.name);
    if (f.value) w.Int(s.*f.value);
    else w.Ints(s.*f.list);
  }
  WriteOptionalBool(w, "gpc", s.gpc);
  w.EndObject();
}

// ---- Reading.

template <typename Section>
Result<Section> UsSectionValue(const json::Value& v, std::span<const UsField<Section>> fields) {
  Section s;
  OPTIN_RETURN_IF_ERROR(v.ForEachMember([&](std::string_view key, const json::Value& value) -> Status {
    if (key == "version") {
      OPTIN_ASSIGN_OR_RETURN(s.version, value.Int());
      return OkStatus();
    }
    if (key == "gpc") {
      OPTIN_ASSIGN_OR_RETURN(s.gpc, value.OptionalBool());
      return OkStatus();
    }
    for (const UsField<Section>& f : fields) {
      if (f.name != key) continue;
      if (f.value) {
        OPTIN_ASSIGN_OR_RETURN(s.*f.value, value.Int());
      } else {
        OPTIN_ASSIGN_OR_RETURN(s.*f.list, value.Ints());
      }
      return OkStatus();
    }
    return value.UnknownKey();
  }));
  return s;
}

Result<UspString> UspValue(const json::Value& v) {
  UspString usp;
  OPTIN_RETURN_IF_ERROR(v.ForEachMember([&usp](std::string_view key, const json::Value& value) -> Status {
    if (key == "version") {
      OPTIN_ASSIGN_OR_RETURN(int version, value.Int());
      if (version != 1) return value.Error("must be 1");
    } else if (key == "notice") {
      OPTIN_ASSIGN_OR_RETURN(usp.notice, value.OptionalBool());
    } else if (key == "opt_out_sale") {
      OPTIN_ASSIGN_OR_RETURN(usp.opt_out_sale, value.OptionalBool());
    } else if (key == "lspa_covered") {
      OPTIN_ASSIGN_OR_RETURN(usp.lspa_covered, value.OptionalBool());
    } else {
      return value.UnknownKey();
    }
    return OkStatus();
  }));
  return usp;
}

Result<GppOtherSection> OtherSectionValue(const json::Value& v) {
  GppOtherSection s;
  OPTIN_RETURN_IF_ERROR(v.ForEachMember([&s](std::string_view key, const json::Value& value) -> Status {
    if (key == "id") {
      OPTIN_ASSIGN_OR_RETURN(s.id, value.Int());
    } else if (key == "text") {
      OPTIN_ASSIGN_OR_RETURN(s.text, value.String());
    } else if (key != "name") {  // `name` is output only
      return value.UnknownKey();
    }
    return OkStatus();
  }));
  return s;
}

Status SetSection(GppString& gpp, std::string_view key, const json::Value& value) {
  if (key == "tcfeuv2") {
    if (!value.IsObject()) return value.Error("must be an object");
    // The TC string model reads as on its own, its errors prefixed with the section.
    Result<TcString> tc = tcf::TcStringFromJson(json::Value(value.element(), ""));
    if (!tc.ok()) return InvalidArgumentError("tcfeuv2: " + tc.status().message());
    gpp.tcfeuv2 = std::move(*tc);
  } else if (key == "uspv1") {
    OPTIN_ASSIGN_OR_RETURN(gpp.uspv1, UspValue(value));
  } else if (key == "usnat") {
    OPTIN_ASSIGN_OR_RETURN(gpp.usnat, UsSectionValue<GppUsNat>(value, gpp::kUsNatFields));
  } else if (key == "usca") {
    OPTIN_ASSIGN_OR_RETURN(gpp.usca, UsSectionValue<GppUsCa>(value, gpp::kUsCaFields));
  } else if (key == "other_sections") {
    return value.ForEachItem([&gpp](const json::Value& item) -> Status {
      OPTIN_ASSIGN_OR_RETURN(GppOtherSection s, OtherSectionValue(item));
      gpp.other_sections.push_back(std::move(s));
      return OkStatus();
    });
  } else if (key != "section_ids" && key != "warnings") {  // output only
    return value.UnknownKey();
  }
  return OkStatus();
}

}  // namespace

std::string GppStringToJson(const GppDecoded& decoded) {
  const GppString& gpp = decoded.gpp;
  JsonWriter w;
  w.BeginObject().Key("section_ids").Ints(decoded.section_ids);
  if (gpp.tcfeuv2) {
    w.Key("tcfeuv2").BeginObject();
    tcf::WriteTcStringFields(w, *gpp.tcfeuv2);
    w.EndObject();
  }
  if (gpp.uspv1) {
    w.Key("uspv1").BeginObject().Key("version").Int(1);
    WriteOptionalBool(w, "notice", gpp.uspv1->notice);
    WriteOptionalBool(w, "opt_out_sale", gpp.uspv1->opt_out_sale);
    WriteOptionalBool(w, "lspa_covered", gpp.uspv1->lspa_covered);
    w.EndObject();
  }
  if (gpp.usnat) WriteUsSection<GppUsNat>(w, "usnat", gpp::kUsNatFields, *gpp.usnat);
  if (gpp.usca) WriteUsSection<GppUsCa>(w, "usca", gpp::kUsCaFields, *gpp.usca);
  w.Key("other_sections").BeginArray();
  for (const GppOtherSection& s : gpp.other_sections) {
    w.BeginObject().Key("id").Int(s.id).Key("name").String(GppSectionName(s.id)).Key("text").String(s.text);
    w.EndObject();
  }
  w.EndArray();
  w.Key("warnings").Strings(decoded.warnings);
  w.EndObject();
  return std::move(w).Take();
}

Result<GppString> GppStringFromJson(std::string_view json) {
  OPTIN_ASSIGN_OR_RETURN(json::Document doc, json::Document::ParseObject(json, "the GPP string model"));
  GppString gpp;
  OPTIN_RETURN_IF_ERROR(doc.root().ForEachMember(
      [&gpp](std::string_view key, const json::Value& value) { return SetSection(gpp, key, value); }));
  OPTIN_RETURN_IF_ERROR(ValidateGppString(gpp));
  return gpp;
}

}  // namespace optin

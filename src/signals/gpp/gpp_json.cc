// The JSON form of a GPP string model: written with JsonWriter, read with
// simdjson (which stays inside this file and tcf/tc_json.cc).
#include <simdjson.h>

#include <climits>
#include <span>
#include <string>

#include "optin/signals.h"
#include "src/common/json_keys.h"
#include "src/common/json_writer.h"
#include "src/signals/gpp/us_fields.h"
#include "src/signals/tcf/tc_json.h"

namespace optin {
namespace {

using gpp::UsField;
using simdjson::dom::element;

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
    if (f.value) {
      w.Int(s.*f.value);
    } else {
      w.BeginArray();
      for (int v : s.*f.list) w.Int(v);
      w.EndArray();
    }
  }
  WriteOptionalBool(w, "gpc", s.gpc);
  w.EndObject();
}

// ---- Reading.

std::string Quoted(std::string_view section, std::string_view key) {
  return "`" + std::string(section) + (section.empty() ? "" : ".") + std::string(key) + "`";
}

Result<int> IntValue(element v, const std::string& name) {
  int64_t i = 0;
  if (v.get(i) || i < INT32_MIN || i > INT32_MAX) return InvalidArgumentError(name + " must be an integer");
  return static_cast<int>(i);
}

Result<std::optional<bool>> OptionalBoolValue(element v, const std::string& name) {
  if (v.is_null()) return std::optional<bool>();
  bool b = false;
  if (v.get(b)) return InvalidArgumentError(name + " must be true, false or null");
  return std::optional<bool>(b);
}

Result<simdjson::dom::object> ObjectValue(element v, const std::string& name) {
  simdjson::dom::object o;
  if (v.get(o)) return InvalidArgumentError(name + " must be an object");
  return o;
}

template <typename Section>
Result<Section> UsSectionValue(element v, std::string_view section, std::span<const UsField<Section>> fields) {
  OPTIN_ASSIGN_OR_RETURN(simdjson::dom::object o, ObjectValue(v, "`" + std::string(section) + "`"));
  Section s;
  for (auto [key, value] : o) {
    const std::string name = Quoted(section, key);
    if (key == "version") {
      OPTIN_ASSIGN_OR_RETURN(s.version, IntValue(value, name));
      continue;
    }
    if (key == "gpc") {
      OPTIN_ASSIGN_OR_RETURN(s.gpc, OptionalBoolValue(value, name));
      continue;
    }
    const UsField<Section>* field = nullptr;
    for (const UsField<Section>& f : fields) {
      if (f.name == key) field = &f;
    }
    if (!field) return InvalidArgumentError("unknown key " + name);
    if (field->value) {
      OPTIN_ASSIGN_OR_RETURN(s.*field->value, IntValue(value, name));
      continue;
    }
    simdjson::dom::array a;
    if (value.get(a)) return InvalidArgumentError(name + " must be a list of integers");
    std::vector<int>& list = s.*field->list;
    list.clear();
    for (element e : a) {
      OPTIN_ASSIGN_OR_RETURN(int x, IntValue(e, name));
      list.push_back(x);
    }
  }
  return s;
}

Result<UspString> UspValue(element v) {
  OPTIN_ASSIGN_OR_RETURN(simdjson::dom::object o, ObjectValue(v, "`uspv1`"));
  UspString usp;
  for (auto [key, value] : o) {
    const std::string name = Quoted("uspv1", key);
    if (key == "version") {
      OPTIN_ASSIGN_OR_RETURN(int version, IntValue(value, name));
      if (version != 1) return InvalidArgumentError(name + " must be 1");
    } else if (key == "notice") {
      OPTIN_ASSIGN_OR_RETURN(usp.notice, OptionalBoolValue(value, name));
    } else if (key == "opt_out_sale") {
      OPTIN_ASSIGN_OR_RETURN(usp.opt_out_sale, OptionalBoolValue(value, name));
    } else if (key == "lspa_covered") {
      OPTIN_ASSIGN_OR_RETURN(usp.lspa_covered, OptionalBoolValue(value, name));
    } else {
      return InvalidArgumentError("unknown key " + name);
    }
  }
  return usp;
}

Result<GppOtherSection> OtherSectionValue(element v) {
  OPTIN_ASSIGN_OR_RETURN(simdjson::dom::object o, ObjectValue(v, "each of `other_sections`"));
  GppOtherSection s;
  for (auto [key, value] : o) {
    const std::string name = Quoted("other_sections", key);
    if (key == "id") {
      OPTIN_ASSIGN_OR_RETURN(s.id, IntValue(value, name));
    } else if (key == "text") {
      std::string_view text;
      if (value.get(text)) return InvalidArgumentError(name + " must be a string");
      s.text = std::string(text);
    } else if (key != "name") {  // `name` is output only
      return InvalidArgumentError("unknown key " + name);
    }
  }
  return s;
}

Status SetSection(GppString& gpp, std::string_view key, element value) {
  if (key == "tcfeuv2") {
    if (!value.is_object()) return InvalidArgumentError("`tcfeuv2` must be an object");
    // The TC string reader takes text: hand it the object's minified JSON.
    Result<TcString> tc = TcStringFromJson(simdjson::minify(value));
    if (!tc.ok()) return InvalidArgumentError("tcfeuv2: " + tc.status().message());
    gpp.tcfeuv2 = std::move(*tc);
  } else if (key == "uspv1") {
    OPTIN_ASSIGN_OR_RETURN(gpp.uspv1, UspValue(value));
  } else if (key == "usnat") {
    OPTIN_ASSIGN_OR_RETURN(gpp.usnat, UsSectionValue<GppUsNat>(value, "usnat", gpp::kUsNatFields));
  } else if (key == "usca") {
    OPTIN_ASSIGN_OR_RETURN(gpp.usca, UsSectionValue<GppUsCa>(value, "usca", gpp::kUsCaFields));
  } else if (key == "other_sections") {
    simdjson::dom::array a;
    if (value.get(a)) return InvalidArgumentError("`other_sections` must be a list");
    for (element e : a) {
      OPTIN_ASSIGN_OR_RETURN(GppOtherSection s, OtherSectionValue(e));
      gpp.other_sections.push_back(std::move(s));
    }
  } else if (key != "section_ids" && key != "warnings") {  // output only
    return InvalidArgumentError("unknown key `" + std::string(key) + "`");
  }
  return OkStatus();
}

}  // namespace

std::string GppStringToJson(const GppDecoded& decoded) {
  const GppString& gpp = decoded.gpp;
  JsonWriter w;
  w.BeginObject().Key("section_ids").BeginArray();
  for (int id : decoded.section_ids) w.Int(id);
  w.EndArray();
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
  w.Key("warnings").BeginArray();
  for (const std::string& s : decoded.warnings) w.String(s);
  w.EndArray();
  w.EndObject();
  return std::move(w).Take();
}

Result<GppString> GppStringFromJson(std::string_view json) {
  simdjson::dom::parser parser;
  element doc;
  if (auto error = parser.parse(json.data(), json.size()).get(doc); error) {
    return InvalidArgumentError(std::string("not valid JSON: ") + simdjson::error_message(error));
  }
  OPTIN_RETURN_IF_ERROR(CheckNoRepeatedKey(doc));
  simdjson::dom::object o;
  if (doc.get(o)) return InvalidArgumentError("the GPP string model must be a JSON object");
  GppString gpp;
  for (auto [key, value] : o) OPTIN_RETURN_IF_ERROR(SetSection(gpp, key, value));
  OPTIN_RETURN_IF_ERROR(ValidateGppString(gpp));
  return gpp;
}

}  // namespace optin

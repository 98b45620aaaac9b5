// IAB CCPA / US Privacy strings, version 1: four characters, e.g. `1YNN`
// (the IAB's "U.S. Privacy String" specification).
#include <cctype>

#include "optin/signals.h"
#include "src/common/json_writer.h"

namespace optin {
namespace {

// DO NOT CHANGE: the string's layout.
constexpr size_t kUspLength = 4;
constexpr char kUspVersion = '1';

Result<std::optional<bool>> ParseFlag(char c, std::string_view field) {
  switch (std::toupper(static_cast<unsigned char>(c))) {
    case 'Y': return std::optional<bool>(true);
    case 'N': return std::optional<bool>(false);
    case '-': return std::optional<bool>();
    default:
      return InvalidArgumentError(std::string(field) + " is `" + std::string(1, c) + "`; it must be Y, N or -");
  }
}

char FlagChar(const std::optional<bool>& v) { return !v ? '-' : (*v ? 'Y' : 'N'); }

void WriteFlag(JsonWriter& w, std::string_view key, const std::optional<bool>& v) {
  w.Key(key);
  if (v) w.Bool(*v);
  else w.Null();
}

}  // namespace

Result<UspString> DecodeUspString(std::string_view text) {
  if (text.size() != kUspLength) {
    return InvalidArgumentError("a US Privacy string has 4 characters, such as `1YNN`; this has " +
                                std::to_string(text.size()));
  }
  if (text[0] != kUspVersion) {
    return InvalidArgumentError("US Privacy version `" + std::string(1, text[0]) + "` is not 1");
  }
  UspString out;
  OPTIN_ASSIGN_OR_RETURN(out.notice, ParseFlag(text[1], "the notice character (2nd)"));
  OPTIN_ASSIGN_OR_RETURN(out.opt_out_sale, ParseFlag(text[2], "the opt-out-of-sale character (3rd)"));
  OPTIN_ASSIGN_OR_RETURN(out.lspa_covered, ParseFlag(text[3], "the LSPA character (4th)"));
  return out;
}

std::string EncodeUspString(const UspString& usp) {
  return std::string(1, kUspVersion) + FlagChar(usp.notice) + FlagChar(usp.opt_out_sale) + FlagChar(usp.lspa_covered);
}

std::string UspStringToJson(const UspString& usp) {
  JsonWriter w;
  w.BeginObject().Key("version").Int(1);
  WriteFlag(w, "notice", usp.notice);
  WriteFlag(w, "opt_out_sale", usp.opt_out_sale);
  WriteFlag(w, "lspa_covered", usp.lspa_covered);
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace optin

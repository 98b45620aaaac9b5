// tcf, gpp and usp decode | encode: IAB signal strings, without a store.
#include <iostream>
#include <iterator>
#include <sstream>

#include "optin/signals.h"
#include "src/cli/cli.h"
#include "src/common/time.h"

namespace optin::cli {
namespace {

// `1-3,7` for ascending ids; `-` for none.
std::string IdList(const std::vector<int>& ids) {
  if (ids.empty()) return "-";
  std::ostringstream out;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (i > 0) out << ",";
    out << ids[i];
    if (j > i) out << "-" << ids[j];
    i = j + 1;
  }
  return out.str();
}

constexpr std::string_view kRestrictionTypeNames[] = {"not allowed", "require consent", "require legitimate interest"};

void PrintSummary(std::ostream& out, const TcDecoded& d) {
  const TcString& tc = d.tc;
  out << "TCF v" << tc.version << ", policy version " << tc.policy_version << ", vendor list "
      << tc.vendor_list_version << "\n";
  out << "CMP " << tc.cmp_id << " version " << tc.cmp_version << ", screen " << tc.consent_screen << ", language "
      << tc.consent_language << ", publisher country " << tc.publisher_cc << "\n";
  out << "created " << FormatRfc3339(tc.created) << ", last updated " << FormatRfc3339(tc.last_updated) << "\n";
  out << "service specific " << (tc.is_service_specific ? "yes" : "no") << ", non-standard texts "
      << (tc.use_non_standard_texts ? "yes" : "no") << ", purpose one treatment "
      << (tc.purpose_one_treatment ? "yes" : "no") << "\n";
  out << "special features opted in: " << IdList(tc.special_feature_opt_ins) << "\n";
  out << "purpose consents: " << IdList(tc.purpose_consents) << "\n";
  out << "purpose legitimate interests: " << IdList(tc.purpose_legitimate_interests) << "\n";
  out << "vendor consents: " << IdList(tc.vendor_consents) << "\n";
  out << "vendor legitimate interests: " << IdList(tc.vendor_legitimate_interests) << "\n";
  for (const TcPublisherRestriction& r : tc.publisher_restrictions) {
    out << "restriction: purpose " << r.purpose << " " << kRestrictionTypeNames[r.type] << " for vendors "
        << IdList(r.vendors) << "\n";
  }
  if (tc.disclosed_vendors) out << "disclosed vendors: " << IdList(*tc.disclosed_vendors) << "\n";
  if (tc.publisher) {
    out << "publisher purpose consents: " << IdList(tc.publisher->purpose_consents) << "\n";
    out << "publisher purpose legitimate interests: " << IdList(tc.publisher->purpose_legitimate_interests) << "\n";
    out << "publisher custom purposes: " << tc.publisher->num_custom_purposes << ", consents "
        << IdList(tc.publisher->custom_purpose_consents) << ", legitimate interests "
        << IdList(tc.publisher->custom_purpose_legitimate_interests) << "\n";
  }
  for (const std::string& w : d.warnings) out << "warning: " << w << "\n";
}

// `1 (opted out)` for a US section's two-bit value.
std::string UsValue(int v, const char* one, const char* two) {
  const char* meaning = v == 1 ? one : v == 2 ? two : "not applicable";
  return std::to_string(v) + " (" + meaning + ")";
}

template <typename Section>
void PrintUsCommon(std::ostream& out, const Section& s) {
  out << "  sale opt-out: " << UsValue(s.sale_opt_out, "opted out", "not opted out")
      << ", notice: " << UsValue(s.sale_opt_out_notice, "given", "not given") << "\n";
  out << "  sharing opt-out: " << UsValue(s.sharing_opt_out, "opted out", "not opted out")
      << ", notice: " << UsValue(s.sharing_opt_out_notice, "given", "not given") << "\n";
  auto values = [](const std::vector<int>& v) {
    std::string text;
    for (int x : v) text += (text.empty() ? "" : " ") + std::to_string(x);
    return text;
  };
  out << "  sensitive data processing (0 n/a, 1 no consent or opted out, 2 consent): "
      << values(s.sensitive_data_processing) << "\n";
  out << "  known child sensitive data consents: " << values(s.known_child_sensitive_data_consents) << "\n";
  out << "  personal data consents: " << UsValue(s.personal_data_consents, "no consent", "consent") << "\n";
  out << "  MSPA covered transaction: " << UsValue(s.mspa_covered_transaction, "yes", "no")
      << ", opt-out option mode: " << UsValue(s.mspa_opt_out_option_mode, "yes", "no")
      << ", service provider mode: " << UsValue(s.mspa_service_provider_mode, "yes", "no") << "\n";
  out << "  GPC: " << (!s.gpc ? "no subsection" : (*s.gpc ? "yes" : "no")) << "\n";
}

void PrintGpp(std::ostream& out, const GppDecoded& d) {
  out << "GPP v1, sections:";
  for (int id : d.section_ids) {
    std::string_view name = GppSectionName(id);
    out << " " << id << (name.empty() ? "" : " (" + std::string(name) + ")");
  }
  out << "\n";
  if (d.gpp.tcfeuv2) {
    out << "tcfeuv2:\n";
    std::ostringstream tc;
    PrintSummary(tc, TcDecoded{*d.gpp.tcfeuv2, {}});
    std::istringstream lines(tc.str());
    for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
  }
  if (d.gpp.uspv1) out << "uspv1: " << EncodeUspString(*d.gpp.uspv1) << "\n";
  if (d.gpp.usnat) {
    const GppUsNat& n = *d.gpp.usnat;
    out << "usnat (version " << n.version << "):\n";
    out << "  sharing notice: " << UsValue(n.sharing_notice, "given", "not given") << "\n";
    out << "  targeted advertising opt-out: " << UsValue(n.targeted_advertising_opt_out, "opted out", "not opted out")
        << ", notice: " << UsValue(n.targeted_advertising_opt_out_notice, "given", "not given") << "\n";
    out << "  sensitive data notices: opt-out " << UsValue(n.sensitive_data_processing_opt_out_notice, "given", "not given")
        << ", limit use " << UsValue(n.sensitive_data_limit_use_notice, "given", "not given") << "\n";
    PrintUsCommon(out, n);
  }
  if (d.gpp.usca) {
    const GppUsCa& c = *d.gpp.usca;
    out << "usca (version " << c.version << "):\n";
    out << "  sensitive data limit use notice: " << UsValue(c.sensitive_data_limit_use_notice, "given", "not given")
        << "\n";
    PrintUsCommon(out, c);
  }
  for (const GppOtherSection& o : d.gpp.other_sections) out << "section " << o.id << ": " << o.text << "\n";
  for (const std::string& w : d.warnings) out << "warning: " << w << "\n";
}

std::string ReadStdin() {
  return std::string((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
}

}  // namespace

CommandResult RunGppDecode(const std::string& text, bool json) {
  Result<GppDecoded> decoded = DecodeGppString(text);
  if (!decoded.ok()) {
    std::cerr << "optin: " << decoded.status().message() << "\n";
    return kExitNo;
  }
  if (json) {
    std::cout << GppStringToJson(*decoded) << "\n";
  } else {
    PrintGpp(std::cout, *decoded);
  }
  return kExitOk;
}

CommandResult RunGppEncode() {
  OPTIN_ASSIGN_OR_RETURN(GppString gpp, GppStringFromJson(ReadStdin()));
  OPTIN_ASSIGN_OR_RETURN(std::string text, EncodeGppString(gpp));
  std::cout << text << "\n";
  return kExitOk;
}

CommandResult RunTcfDecode(const std::string& text, bool json) {
  Result<TcDecoded> decoded = DecodeTcString(text);
  if (!decoded.ok()) {
    // Like `catalog lint`: an unreadable string is a "no" answer, not a usage error.
    std::cerr << "optin: " << decoded.status().message() << "\n";
    return kExitNo;
  }
  if (json) {
    std::cout << TcStringToJson(*decoded) << "\n";
  } else {
    PrintSummary(std::cout, *decoded);
  }
  return kExitOk;
}

CommandResult RunTcfEncode() {
  OPTIN_ASSIGN_OR_RETURN(TcString tc, TcStringFromJson(ReadStdin()));
  OPTIN_ASSIGN_OR_RETURN(std::string text, EncodeTcString(tc));
  std::cout << text << "\n";
  // The same policy warnings a reader gets, on stderr.
  if (Result<TcDecoded> back = DecodeTcString(text); back.ok()) {
    for (const std::string& w : back->warnings) std::cerr << "optin: warning: " << w << "\n";
  }
  return kExitOk;
}

CommandResult RunUspDecode(const std::string& text, bool json) {
  Result<UspString> usp = DecodeUspString(text);
  if (!usp.ok()) {
    std::cerr << "optin: " << usp.status().message() << "\n";
    return kExitNo;
  }
  if (json) {
    std::cout << UspStringToJson(*usp) << "\n";
    return kExitOk;
  }
  auto say = [](const std::optional<bool>& v) { return !v ? "not applicable" : (*v ? "yes" : "no"); };
  std::cout << "US Privacy v1\nnotice given: " << say(usp->notice) << "\nopted out of sale: " << say(usp->opt_out_sale)
            << "\ncovered by the LSPA: " << say(usp->lspa_covered) << "\n";
  return kExitOk;
}

CommandResult RunUspEncode(const std::string& notice, const std::string& opt_out_sale, const std::string& lspa) {
  for (const std::string* flag : {&notice, &opt_out_sale, &lspa}) {
    if (*flag != "Y" && *flag != "N" && *flag != "-") {
      return InvalidArgumentError("each flag is one of Y, N or -, not `" + *flag + "`");
    }
  }
  // The decoder checks each flag and says which one is wrong.
  Result<UspString> usp = DecodeUspString("1" + notice + opt_out_sale + lspa);
  if (!usp.ok()) return InvalidArgumentError(usp.status().message());
  std::cout << EncodeUspString(*usp) << "\n";
  return kExitOk;
}

}  // namespace optin::cli

// File: src/signals/gpp/us_fields.h
//
// The field tables of the GPP US sections (usnat, usca): each field's wire
// name and where the model keeps it, in string order after the 6-bit
// Version. The codec and the JSON form both walk these tables, so a field's
// name and position are written down once.
//
// Thread-safety: constant data.
#ifndef OPTIN_SIGNALS_GPP_US_FIELDS_H_
#define OPTIN_SIGNALS_GPP_US_FIELDS_H_

#include <span>
#include <string_view>
#include <vector>

#include "optin/signals.h"

namespace optin::gpp {

// DO NOT CHANGE: widths of the US sections' fields.
constexpr int kVersionBits = 6;
constexpr int kUsFieldBits = 2;         // every field after Version; lists hold one per entry
constexpr int kSubsectionTypeBits = 2;
constexpr int kGpcSubsectionType = 1;
constexpr int kMaxUsFieldValue = 2;     // 3 is undefined

// One field: a two-bit value, or a list of two-bit values.
template <typename Section>
struct UsField {
  std::string_view name;
  int Section::*value = nullptr;
  std::vector<int> Section::*list = nullptr;
};

// A layout: the fields in string order and the length of each list field by
// version (index: the list's position among the list fields).
struct ListLengths {
  int sensitive_data_processing = 0;
  int known_child_sensitive_data_consents = 0;
};

inline constexpr UsField<GppUsNat> kUsNatFields[] = {
    {"sharing_notice", &GppUsNat::sharing_notice},
    {"sale_opt_out_notice", &GppUsNat::sale_opt_out_notice},
    {"sharing_opt_out_notice", &GppUsNat::sharing_opt_out_notice},
    {"targeted_advertising_opt_out_notice", &GppUsNat::targeted_advertising_opt_out_notice},
    {"sensitive_data_processing_opt_out_notice", &GppUsNat::sensitive_data_processing_opt_out_notice},
    {"sensitive_data_limit_use_notice", &GppUsNat::sensitive_data_limit_use_notice},
    {"sale_opt_out", &GppUsNat::sale_opt_out},
    {"sharing_opt_out", &GppUsNat::sharing_opt_out},
    {"targeted_advertising_opt_out", &GppUsNat::targeted_advertising_opt_out},
    {"sensitive_data_processing", nullptr, &GppUsNat::sensitive_data_processing},
    {"known_child_sensitive_data_consents", nullptr, &GppUsNat::known_child_sensitive_data_consents},
    {"personal_data_consents", &GppUsNat::personal_data_consents},
    {"mspa_covered_transaction", &GppUsNat::mspa_covered_transaction},
    {"mspa_opt_out_option_mode", &GppUsNat::mspa_opt_out_option_mode},
    {"mspa_service_provider_mode", &GppUsNat::mspa_service_provider_mode},
};

inline constexpr UsField<GppUsCa> kUsCaFields[] = {
    {"sale_opt_out_notice", &GppUsCa::sale_opt_out_notice},
    {"sharing_opt_out_notice", &GppUsCa::sharing_opt_out_notice},
    {"sensitive_data_limit_use_notice", &GppUsCa::sensitive_data_limit_use_notice},
    {"sale_opt_out", &GppUsCa::sale_opt_out},
    {"sharing_opt_out", &GppUsCa::sharing_opt_out},
    {"sensitive_data_processing", nullptr, &GppUsCa::sensitive_data_processing},
    {"known_child_sensitive_data_consents", nullptr, &GppUsCa::known_child_sensitive_data_consents},
    {"personal_data_consents", &GppUsCa::personal_data_consents},
    {"mspa_covered_transaction", &GppUsCa::mspa_covered_transaction},
    {"mspa_opt_out_option_mode", &GppUsCa::mspa_opt_out_option_mode},
    {"mspa_service_provider_mode", &GppUsCa::mspa_service_provider_mode},
};

// usnat version 1 (12 sensitive categories, 2 child fields) and version 2
// (the 2024 layout: 16 and 3).
constexpr ListLengths kUsNatV1Lists{12, 2};
constexpr ListLengths kUsNatV2Lists{16, 3};
constexpr ListLengths kUsCaV1Lists{9, 2};

inline constexpr std::string_view kSensitiveDataProcessing = "sensitive_data_processing";

// The length a list field has in a layout.
inline int ListLength(std::string_view name, const ListLengths& lengths) {
  return name == kSensitiveDataProcessing ? lengths.sensitive_data_processing
                                          : lengths.known_child_sensitive_data_consents;
}

}  // namespace optin::gpp

#endif  // OPTIN_SIGNALS_GPP_US_FIELDS_H_

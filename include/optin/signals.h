// File: optin/signals.h
//
// Consent signals that arrive from outside optin, decoded into plain models.
// IAB TCF v2.2 TC strings (IAB Europe, "Consent string and vendor list
// formats v2.2"), the core segment plus the optional DisclosedVendors and
// PublisherTC segments; US Privacy (IAB CCPA) strings; IAB GPP strings with
// their tcfeuv2, uspv1, usnat and usca sections.
//
// A TcString holds every field as the string carries it. Id lists (purposes
// 1..24, special features 1..12, vendors 1..65535, custom purposes
// 1..num_custom_purposes) are strictly ascending. Decoding separates
// structural errors (the string cannot be read: an error Status) from policy
// problems a readable string may still have (old policy version, legitimate
// interest where TCF v2.2 forbids it: warnings), because most TC strings in
// the wild predate v2.2.
//
// Thread-safety: pure functions over values; safe from any thread.
//
// Example:
//   OPTIN_ASSIGN_OR_RETURN(TcDecoded d, DecodeTcString(gdpr_consent));
//   bool geo = std::ranges::binary_search(d.tc.special_feature_opt_ins, 1);
//   OPTIN_ASSIGN_OR_RETURN(std::string again, EncodeTcString(d.tc));
#ifndef OPTIN_SIGNALS_H_
#define OPTIN_SIGNALS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "optin/catalog.h"
#include "optin/status.h"

namespace optin {

// The values of a publisher restriction's RestrictionType.
enum class TcRestrictionType { kNotAllowed = 0, kRequireConsent = 1, kRequireLegitimateInterest = 2 };

// One publisher restriction: for `purpose`, `type` applies to `vendors`.
// A decoded string has at most one entry per (purpose, type): entries that
// repeat a pair are merged, in the order each pair first appears.
struct TcPublisherRestriction {
  int purpose = 0;  // 1..24
  int type = 0;     // a TcRestrictionType value, 0..2
  std::vector<int> vendors;
  bool operator==(const TcPublisherRestriction&) const = default;
};

// The PublisherTC segment: the publisher's own purposes and custom purposes.
struct TcPublisherSegment {
  std::vector<int> purpose_consents;
  std::vector<int> purpose_legitimate_interests;
  std::vector<int> custom_purpose_consents;
  std::vector<int> custom_purpose_legitimate_interests;
  int num_custom_purposes = 0;  // 0..63
  bool operator==(const TcPublisherSegment&) const = default;
};

struct TcString {
  int version = 2;
  // Microseconds since the epoch; the string stores deciseconds, so decoded
  // values are whole deciseconds and encoding floors to them.
  int64_t created = 0;
  int64_t last_updated = 0;
  int cmp_id = 0;               // 0..4095
  int cmp_version = 0;          // 0..4095
  int consent_screen = 0;       // 0..63
  std::string consent_language = "EN";  // two letters A-Z
  int vendor_list_version = 0;  // 0..4095
  int policy_version = 4;       // 0..63; TCF v2.2 is 4
  bool is_service_specific = true;
  bool use_non_standard_texts = false;
  bool purpose_one_treatment = false;  // true: purpose 1 was not disclosed
  std::string publisher_cc = "AA";     // two letters A-Z
  std::vector<int> special_feature_opt_ins;
  std::vector<int> purpose_consents;
  std::vector<int> purpose_legitimate_interests;
  std::vector<int> vendor_consents;
  std::vector<int> vendor_legitimate_interests;
  std::vector<TcPublisherRestriction> publisher_restrictions;
  std::optional<std::vector<int>> disclosed_vendors;  // the DisclosedVendors segment
  std::optional<TcPublisherSegment> publisher;        // the PublisherTC segment
  bool operator==(const TcString&) const = default;
};

struct TcDecoded {
  TcString tc;
  // Policy problems of a structurally valid string, one sentence each.
  std::vector<std::string> warnings;
};

// Decodes a TC string (segments joined by `.`, each base64url).
// kInvalidArgument when it cannot be read: a bad character, a truncated
// field, a version other than 2, an invalid vendor range, an unknown or
// repeated segment type, non-zero bits after the last field. The message
// names the field and its bit offset. A legacy AllowedVendors segment (type
// 2) is checked, then dropped with a warning: it never stands for consent.
Result<TcDecoded> DecodeTcString(std::string_view text);

// kInvalidArgument naming the first field of `tc` that no TC string can hold
// (an id out of range or not ascending, a non-letter in a language or country
// code, a time before the epoch or past the 36-bit limit).
Status ValidateTcString(const TcString& tc);

// Encodes `tc` as the shortest string the format allows: for each vendor
// list the smaller of bitfield and range encoding (a bitfield on a tie),
// segments in the order core, DisclosedVendors, PublisherTC, base64url
// without padding. kInvalidArgument as ValidateTcString.
Result<std::string> EncodeTcString(const TcString& tc);

// The JSON form of a decoded string (keys as the model's fields, times as
// RFC 3339 UTC, `disclosed_vendors` and `publisher` only when present, and
// `warnings`).
std::string TcStringToJson(const TcDecoded& decoded);

// Reads the JSON form back (`warnings` is ignored; missing keys keep the
// TcString defaults). kInvalidArgument for malformed JSON, an unknown key, a
// value of the wrong type, or a model ValidateTcString rejects.
Result<TcString> TcStringFromJson(std::string_view json);

// A US Privacy (IAB CCPA) string, version 1, such as `1YNN`. Each flag is
// Y (true), N (false) or - (not applicable: nullopt).
struct UspString {
  std::optional<bool> notice;        // explicit notice and chance to opt out given
  std::optional<bool> opt_out_sale;  // the consumer opted out of sale
  std::optional<bool> lspa_covered;  // the transaction falls under the LSPA
  bool operator==(const UspString&) const = default;
};

// kInvalidArgument naming the bad character. Lowercase y/n are accepted.
Result<UspString> DecodeUspString(std::string_view text);
std::string EncodeUspString(const UspString& usp);
// {"version":1,"notice","opt_out_sale","lspa_covered"}: true, false or null.
std::string UspStringToJson(const UspString& usp);

// ---- IAB Global Privacy Platform (GPP) strings: `Header~Section~…`
// (IAB Tech Lab, "Consent String Specification"). optin reads and writes the sections
// tcfeuv2 (id 2, a TC string as is), uspv1 (6, a US Privacy string), usnat
// (7) and usca (8); other sections are kept as text.
//
// The US sections' two-bit fields take the values the specifications define:
// notices 0 not applicable, 1 given, 2 not given; opt-outs 0 not applicable,
// 1 opted out, 2 did not opt out; consents 0 not applicable, 1 no consent,
// 2 consent; mspa_covered_transaction 1 yes, 2 no (0 is invalid).

// US National (section 7). Version 1 has 12 sensitive data categories and
// 2 known-child fields; version 2 (2024) has 16 and 3. Sensitive categories,
// in order: racial or ethnic origin, religious beliefs, health, sex life or
// orientation, citizenship status, genetic, biometric, precise geolocation,
// government id, financial account login, union membership, communications
// content, then (version 2) consumer health, crime victim status, national
// origin, transgender or nonbinary status. Known-child fields: ages 13-16,
// under 13, then (version 2) 16-17.
struct GppUsNat {
  int version = 2;
  int sharing_notice = 0;
  int sale_opt_out_notice = 0;
  int sharing_opt_out_notice = 0;
  int targeted_advertising_opt_out_notice = 0;
  int sensitive_data_processing_opt_out_notice = 0;
  int sensitive_data_limit_use_notice = 0;
  int sale_opt_out = 0;
  int sharing_opt_out = 0;
  int targeted_advertising_opt_out = 0;
  std::vector<int> sensitive_data_processing = std::vector<int>(16, 0);
  std::vector<int> known_child_sensitive_data_consents = std::vector<int>(3, 0);
  int personal_data_consents = 0;
  int mspa_covered_transaction = 2;
  int mspa_opt_out_option_mode = 0;
  int mspa_service_provider_mode = 0;
  std::optional<bool> gpc;  // the GPC subsection; nullopt when absent
  bool operator==(const GppUsNat&) const = default;
};

// California (section 8), version 1. Sensitive categories, in order:
// government id, financial account login, precise geolocation, racial or
// ethnic origin and beliefs, communications content, genetic, biometric,
// health, sex life or orientation. Then the specification's two known-child
// consent fields (sale and sharing of data of consumers under 16).
struct GppUsCa {
  int version = 1;
  int sale_opt_out_notice = 0;
  int sharing_opt_out_notice = 0;
  int sensitive_data_limit_use_notice = 0;
  int sale_opt_out = 0;
  int sharing_opt_out = 0;
  std::vector<int> sensitive_data_processing = std::vector<int>(9, 0);
  std::vector<int> known_child_sensitive_data_consents = std::vector<int>(2, 0);
  int personal_data_consents = 0;
  int mspa_covered_transaction = 2;
  int mspa_opt_out_option_mode = 0;
  int mspa_service_provider_mode = 0;
  std::optional<bool> gpc;
  bool operator==(const GppUsCa&) const = default;
};

// A section optin does not read, carried unchanged.
struct GppOtherSection {
  int id = 0;
  std::string text;
  bool operator==(const GppOtherSection&) const = default;
};

struct GppString {
  std::optional<TcString> tcfeuv2;
  std::optional<UspString> uspv1;
  std::optional<GppUsNat> usnat;
  std::optional<GppUsCa> usca;
  std::vector<GppOtherSection> other_sections;
  bool operator==(const GppString&) const = default;
};

struct GppDecoded {
  GppString gpp;
  std::vector<int> section_ids;  // as the header lists them: ascending
  // Policy problems and sections kept unread, one sentence each.
  std::vector<std::string> warnings;
};

// The section ids `gpp` encodes to, ascending (the order the encoder uses).
std::vector<int> GppSectionIds(const GppString& gpp);

// The registered name of a GPP section id (`usnat`), or "" if unknown.
std::string_view GppSectionName(int id);

// Decodes a GPP string. kInvalidArgument when it cannot be read: a header
// that is not type 3 version 1, a section count that differs from the
// header's, an empty section, a section optin reads
// that is malformed (the message names the section, the field and its bit
// offset), a two-bit field of value 3, or an unknown subsection type.
Result<GppDecoded> DecodeGppString(std::string_view text);

// kInvalidArgument naming the first field no GPP string can hold.
Status ValidateGppString(const GppString& gpp);

// Encodes `gpp` with its sections in ascending id order; US sections are
// padded to whole bytes, then to whole characters. kInvalidArgument as
// ValidateGppString, or when there is no section at all.
Result<std::string> EncodeGppString(const GppString& gpp);

// {"section_ids", "tcfeuv2" (the TC string JSON without warnings), "uspv1",
// "usnat", "usca" (each only when present; keys as the structs' fields,
// `gpc` null when there is no GPC subsection), "other_sections":
// [{"id","name","text"}], "warnings"}.
std::string GppStringToJson(const GppDecoded& decoded);

// Reads the JSON form back (`section_ids`, `warnings` and `name` are
// ignored). kInvalidArgument for malformed JSON, an unknown key, a value of
// the wrong type, or a model ValidateGppString rejects.
Result<GppString> GppStringFromJson(std::string_view json);

// ---- A customer's choices, as the signals the ad industry reads. The
// catalog maps purposes to TCF purposes, special features and vendors, to US
// opt-outs and consents, and to Consent Mode types (catalog.h,
// PurposeSignals). Opt-in throughout: a signal grants something (a TCF
// purpose or vendor consent, "did not opt out" of sale, a Consent Mode type)
// only when a purpose that maps to it is allowed for the subject now, which
// takes the subject's yes; everything else is denied, opted out or "no
// consent". Global Privacy Control denies every sale_or_share purpose, and
// the catalog requires the purposes that map to US sale, sharing and
// targeted advertising to be sale_or_share.

// What the generator needs to know about a subject.
struct SubjectChoices {
  // Purpose id -> allowed now (Engine::DecideAll). A purpose missing here is
  // not allowed.
  std::vector<std::pair<std::string, bool>> allowed;
  bool gpc = false;          // a Global Privacy Control signal is on record
  int64_t last_updated = 0;  // microseconds: the subject's latest event; 0 when none
};

struct SubjectSignals {
  std::optional<TcString> tc;  // only when the catalog has `signals.tcf`
  GppString gpp;
  UspString usp;
  // Consent Mode: type -> granted, the four v2 types first, then any other
  // type the catalog maps.
  std::vector<std::pair<std::string, bool>> consent_mode;
};

// The signals for `choices` under `catalog`. `now` (microseconds) dates the
// TC string of a subject with no events. Times in a TC string are whole days,
// as CMPs have written them since 2021.
SubjectSignals SignalsFor(const Catalog& catalog, const SubjectChoices& choices, int64_t now);

// {"subject", "tc_string" (null without `signals.tcf`), "gpp_string",
// "gpp_sid", "us_privacy", "consent_mode": {"ad_storage": "denied", …},
// "gpc"}; without "subject" when `subject` is empty (the embed's answer,
// whose subject id the page must not read). kInternal only if the generated models cannot be encoded (a bug).
Result<std::string> SubjectSignalsToJson(std::string_view subject, const SubjectSignals& signals, bool gpc);

}  // namespace optin

#endif  // OPTIN_SIGNALS_H_

// File: optin/signals.h
//
// Consent signals that arrive from outside optin, decoded into plain models.
// So far: IAB TCF v2.2 TC strings (reference/consent-standards.md §1), the
// core segment plus the optional DisclosedVendors and PublisherTC segments,
// and US Privacy (IAB CCPA) strings.
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
#include <vector>

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

}  // namespace optin

#endif  // OPTIN_SIGNALS_H_

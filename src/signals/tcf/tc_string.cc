// TC string decoding and encoding. The layout is the IAB's "Consent string
// and vendor list formats v2"; every
// width below is named once and the decoder and the encoder share them.
#include <algorithm>
#include <array>
#include <iterator>
#include <string>
#include <utility>

#include "optin/signals.h"
#include "src/signals/tcf/bits.h"

namespace optin {
namespace {

using tcf::BitReader;
using tcf::Bits;
using tcf::BitWriter;
using tcf::IdRuns;

// DO NOT CHANGE: field widths of the TC string format.
constexpr int kVersionBits = 6;
constexpr int kTimestampBits = 36;  // deciseconds since the epoch
constexpr int kCmpIdBits = 12;
constexpr int kCmpVersionBits = 12;
constexpr int kConsentScreenBits = 6;
constexpr int kLetterBits = 6;  // one letter of a language or country code, A=0
constexpr int kVendorListVersionBits = 12;
constexpr int kPolicyVersionBits = 6;
constexpr int kSpecialFeatureBits = 12;
constexpr int kPurposeBits = 24;
constexpr int kMaxVendorIdBits = 16;
constexpr int kNumEntriesBits = 12;
constexpr int kVendorIdBits = 16;
constexpr int kNumPubRestrictionsBits = 12;
constexpr int kRestrictionPurposeBits = 6;
constexpr int kRestrictionTypeBits = 2;
constexpr int kSegmentTypeBits = 3;
constexpr int kNumCustomPurposesBits = 6;
// Per range entry: IsARange, StartOrOnlyId, and EndId only for a range.
constexpr int kRangeEntryHeaderBits = 1 + kVendorIdBits;

constexpr int kTcfVersion = 2;
constexpr int kCurrentPolicyVersion = 4;  // TCF v2.2
constexpr int kLetters = 26;
using tcf::kMicrosPerDecisecond;
constexpr int64_t kMaxDeciseconds = (int64_t{1} << kTimestampBits) - 1;
constexpr int kMaxVendorId = (1 << kVendorIdBits) - 1;
constexpr int kMaxEntries = (1 << kNumEntriesBits) - 1;
// RestrictionType 3 is undefined in the format.
constexpr int kMaxRestrictionType = static_cast<int>(TcRestrictionType::kRequireLegitimateInterest);
constexpr int kMaxCustomPurposes = (1 << kNumCustomPurposesBits) - 1;
// Purposes 3-6 (profiling for ads and content) allow consent only since v2.2.
constexpr int kFirstConsentOnlyPurpose = 3;
constexpr int kLastConsentOnlyPurpose = 6;

enum SegmentType : int { kCore = 0, kDisclosedVendors = 1, kAllowedVendors = 2, kPublisherTc = 3 };

std::string At(const BitReader& r) { return " at bit " + std::to_string(r.position()); }

// A fixed-width bitfield in which bit i-1 stands for id i.
Result<std::vector<int>> ReadIdBitfield(BitReader& r, int width, std::string_view field) {
  OPTIN_ASSIGN_OR_RETURN(uint64_t v, r.Read(width, field));
  std::vector<int> ids;
  for (int i = 0; i < width; ++i) {
    if ((v >> (width - 1 - i)) & 1) ids.push_back(i + 1);
  }
  return ids;
}

// `count` range entries over ids 1..max_id, as ascending distinct ids.
// Messages are built only on failure: this is the hot path.
Result<std::vector<int>> ReadRangeEntries(BitReader& r, int max_id, std::string_view field) {
  auto name = [field](std::string_view part) { return std::string(field) + std::string(part); };
  if (!r.Has(kNumEntriesBits)) return r.Read(kNumEntriesBits, name(".num_entries")).status();
  const uint64_t count = r.Take(kNumEntriesBits);
  std::vector<std::pair<int, int>> ranges;
  ranges.reserve(count);
  bool ascending = true;  // each entry after the previous one: no sorting or merging needed
  size_t total = 0;
  for (uint64_t e = 0; e < count; ++e) {
    if (!r.Has(1)) return r.Read(1, name(".is_a_range")).status();
    const bool is_range = r.Take(1) != 0;
    const size_t need = (is_range ? 2 : 1) * static_cast<size_t>(kVendorIdBits);
    if (!r.Has(need)) {
      return r.Read(static_cast<int>(need), name(is_range ? ".start_and_end_id" : ".start_or_only_id")).status();
    }
    const size_t at = r.position();
    const uint64_t first = r.Take(kVendorIdBits);
    const uint64_t last = is_range ? r.Take(kVendorIdBits) : first;
    if (first == 0 || first > last || last > static_cast<uint64_t>(max_id)) {
      return InvalidArgumentError("`" + std::string(field) + "` entry " + std::to_string(e + 1) + " at bit " +
                                  std::to_string(at) + ": range " + std::to_string(first) + "-" +
                                  std::to_string(last) + " is not within 1-" + std::to_string(max_id) +
                                  " in ascending order");
    }
    if (!ranges.empty() && static_cast<int>(first) <= ranges.back().second) ascending = false;
    ranges.emplace_back(static_cast<int>(first), static_cast<int>(last));
    total += last - first + 1;
  }
  std::vector<int> ids;
  if (ascending) {
    ids.reserve(total);
    for (auto [first, last] : ranges) {
      for (int id = first; id <= last; ++id) ids.push_back(id);
    }
    return ids;
  }
  // Entries may overlap or come in any order: merge them before expanding so
  // that the work stays proportional to the ids, not to the entries' sizes.
  std::sort(ranges.begin(), ranges.end());
  int next = 1;  // the smallest id not yet emitted
  for (auto [first, last] : ranges) {
    for (int id = std::max(first, next); id <= last; ++id) ids.push_back(id);
    next = std::max(next, last + 1);
  }
  return ids;
}

// MaxVendorId, IsRangeEncoding, then a bitfield or range entries.
Result<std::vector<int>> ReadVendorSection(BitReader& r, std::string_view field) {
  if (!r.Has(kMaxVendorIdBits + 1)) {
    OPTIN_RETURN_IF_ERROR(r.Read(kMaxVendorIdBits, std::string(field) + ".max_vendor_id").status());
    return r.Read(1, std::string(field) + ".is_range_encoding").status();
  }
  const uint64_t max_id = r.Take(kMaxVendorIdBits);
  if (r.Take(1) != 0) return ReadRangeEntries(r, static_cast<int>(max_id), field);
  if (r.remaining() < max_id) {
    return InvalidArgumentError("`" + std::string(field) + "` bitfield" + At(r) + " needs max_vendor_id = " +
                                std::to_string(max_id) + " bits but only " + std::to_string(r.remaining()) +
                                " remain");
  }
  std::vector<int> ids(r.CountSetBits(max_id));  // checked above
  r.WriteSetBitIds(max_id, 1, ids.data());
  return ids;
}

Result<std::string> ReadLetters(BitReader& r, std::string_view field) {
  const std::string where = At(r);
  std::string out;
  for (int i = 0; i < 2; ++i) {
    OPTIN_ASSIGN_OR_RETURN(uint64_t v, r.Read(kLetterBits, field));
    if (v >= kLetters) {
      return InvalidArgumentError("`" + std::string(field) + "`" + where + ": letter value " + std::to_string(v) +
                                  " is not A-Z");
    }
    out.push_back(static_cast<char>('A' + v));
  }
  return out;
}

// Encoders pad a segment with zero bits to whole characters (or more). A one
// there carries no field, and strings with one circulate: the IAB's and
// prebid's decoders ignore it, so it is a warning, not an error
// (tests/testdata/tcf/pad_bits.md).
void NotePadding(const BitReader& r, std::string_view segment, std::vector<std::string>& warnings) {
  if (!r.RestIsZero()) warnings.push_back(std::string(segment) + ": non-zero bits after the last field" + At(r) + " were ignored");
}

Status DecodeCore(const Bits& bits, TcDecoded& out) {
  BitReader r(bits);
  TcString& tc = out.tc;
  OPTIN_ASSIGN_OR_RETURN(uint64_t version, r.Read(kVersionBits, "version"));
  if (version != kTcfVersion) {
    return InvalidArgumentError("version " + std::to_string(version) + " is not 2" +
                                (version == 1 ? " (a string starting `B` is TCF v1)" : ""));
  }
  tc.version = kTcfVersion;
  OPTIN_ASSIGN_OR_RETURN(uint64_t created, r.Read(kTimestampBits, "created"));
  OPTIN_ASSIGN_OR_RETURN(uint64_t last_updated, r.Read(kTimestampBits, "last_updated"));
  tc.created = static_cast<int64_t>(created) * kMicrosPerDecisecond;
  tc.last_updated = static_cast<int64_t>(last_updated) * kMicrosPerDecisecond;
  OPTIN_ASSIGN_OR_RETURN(uint64_t cmp_id, r.Read(kCmpIdBits, "cmp_id"));
  OPTIN_ASSIGN_OR_RETURN(uint64_t cmp_version, r.Read(kCmpVersionBits, "cmp_version"));
  OPTIN_ASSIGN_OR_RETURN(uint64_t consent_screen, r.Read(kConsentScreenBits, "consent_screen"));
  tc.cmp_id = static_cast<int>(cmp_id);
  tc.cmp_version = static_cast<int>(cmp_version);
  tc.consent_screen = static_cast<int>(consent_screen);
  OPTIN_ASSIGN_OR_RETURN(tc.consent_language, ReadLetters(r, "consent_language"));
  OPTIN_ASSIGN_OR_RETURN(uint64_t vlv, r.Read(kVendorListVersionBits, "vendor_list_version"));
  OPTIN_ASSIGN_OR_RETURN(uint64_t policy, r.Read(kPolicyVersionBits, "policy_version"));
  tc.vendor_list_version = static_cast<int>(vlv);
  tc.policy_version = static_cast<int>(policy);
  OPTIN_ASSIGN_OR_RETURN(tc.is_service_specific, r.ReadBool("is_service_specific"));
  OPTIN_ASSIGN_OR_RETURN(tc.use_non_standard_texts, r.ReadBool("use_non_standard_texts"));
  OPTIN_ASSIGN_OR_RETURN(tc.special_feature_opt_ins,
                         ReadIdBitfield(r, kSpecialFeatureBits, "special_feature_opt_ins"));
  OPTIN_ASSIGN_OR_RETURN(tc.purpose_consents, ReadIdBitfield(r, kPurposeBits, "purpose_consents"));
  OPTIN_ASSIGN_OR_RETURN(tc.purpose_legitimate_interests,
                         ReadIdBitfield(r, kPurposeBits, "purpose_legitimate_interests"));
  OPTIN_ASSIGN_OR_RETURN(tc.purpose_one_treatment, r.ReadBool("purpose_one_treatment"));
  OPTIN_ASSIGN_OR_RETURN(tc.publisher_cc, ReadLetters(r, "publisher_cc"));
  OPTIN_ASSIGN_OR_RETURN(tc.vendor_consents, ReadVendorSection(r, "vendor_consents"));
  OPTIN_ASSIGN_OR_RETURN(tc.vendor_legitimate_interests, ReadVendorSection(r, "vendor_legitimate_interests"));

  OPTIN_ASSIGN_OR_RETURN(uint64_t num_restrictions, r.Read(kNumPubRestrictionsBits, "num_pub_restrictions"));
  for (uint64_t i = 0; i < num_restrictions; ++i) {
    const std::string where = At(r);
    OPTIN_ASSIGN_OR_RETURN(uint64_t purpose, r.Read(kRestrictionPurposeBits, "publisher_restrictions.purpose_id"));
    OPTIN_ASSIGN_OR_RETURN(uint64_t type, r.Read(kRestrictionTypeBits, "publisher_restrictions.restriction_type"));
    if (purpose < 1 || purpose > kPurposeBits) {
      return InvalidArgumentError("publisher restriction " + std::to_string(i + 1) + where + ": purpose " +
                                  std::to_string(purpose) + " is not within 1-24");
    }
    if (type > kMaxRestrictionType) {
      return InvalidArgumentError("publisher restriction " + std::to_string(i + 1) + where +
                                  ": restriction type 3 is undefined");
    }
    OPTIN_ASSIGN_OR_RETURN(std::vector<int> vendors,
                           ReadRangeEntries(r, kMaxVendorId, "publisher_restrictions.vendors"));
    auto same = std::find_if(tc.publisher_restrictions.begin(), tc.publisher_restrictions.end(), [&](const auto& p) {
      return p.purpose == static_cast<int>(purpose) && p.type == static_cast<int>(type);
    });
    if (same == tc.publisher_restrictions.end()) {
      tc.publisher_restrictions.push_back({static_cast<int>(purpose), static_cast<int>(type), std::move(vendors)});
    } else {
      // The format lets a (purpose, type) pair repeat; the entries mean their union.
      std::vector<int> merged;
      std::set_union(same->vendors.begin(), same->vendors.end(), vendors.begin(), vendors.end(),
                     std::back_inserter(merged));
      same->vendors = std::move(merged);
    }
  }
  NotePadding(r, "core segment", out.warnings);
  return OkStatus();
}

Status DecodePublisherTc(BitReader& r, TcPublisherSegment& pub) {
  OPTIN_ASSIGN_OR_RETURN(pub.purpose_consents, ReadIdBitfield(r, kPurposeBits, "publisher.purpose_consents"));
  OPTIN_ASSIGN_OR_RETURN(pub.purpose_legitimate_interests,
                         ReadIdBitfield(r, kPurposeBits, "publisher.purpose_legitimate_interests"));
  OPTIN_ASSIGN_OR_RETURN(uint64_t n, r.Read(kNumCustomPurposesBits, "publisher.num_custom_purposes"));
  pub.num_custom_purposes = static_cast<int>(n);
  OPTIN_ASSIGN_OR_RETURN(pub.custom_purpose_consents,
                         ReadIdBitfield(r, pub.num_custom_purposes, "publisher.custom_purpose_consents"));
  OPTIN_ASSIGN_OR_RETURN(pub.custom_purpose_legitimate_interests,
                         ReadIdBitfield(r, pub.num_custom_purposes, "publisher.custom_purpose_legitimate_interests"));
  return OkStatus();
}

void AddLegitimateInterestWarnings(const std::vector<int>& li, std::string_view field,
                                   std::vector<std::string>& warnings) {
  for (int p : li) {
    if (p >= kFirstConsentOnlyPurpose && p <= kLastConsentOnlyPurpose) {
      warnings.push_back(std::string(field) + " includes purpose " + std::to_string(p) +
                         ", which TCF v2.2 allows only with consent");
    }
  }
}

void AddWarnings(TcDecoded& d) {
  const TcString& tc = d.tc;
  if (tc.policy_version < kCurrentPolicyVersion) {
    d.warnings.push_back("policy_version " + std::to_string(tc.policy_version) +
                         " is below 4 (TCF v2.2); such strings are invalid since 2023-09-30");
  }
  if (!tc.is_service_specific) d.warnings.push_back("is_service_specific is 0; TCF v2.2 requires 1");
  // IDs the IAB never assigns: readers such as @iabtcf/core refuse them.
  if (tc.cmp_id < 2) d.warnings.push_back("cmp_id " + std::to_string(tc.cmp_id) + " is not a registered CMP (IDs start at 2)");
  if (tc.vendor_list_version < 1) d.warnings.push_back("vendor_list_version 0 names no Global Vendor List");
  AddLegitimateInterestWarnings(tc.purpose_legitimate_interests, "purpose_legitimate_interests", d.warnings);
  if (tc.publisher) {
    AddLegitimateInterestWarnings(tc.publisher->purpose_legitimate_interests, "publisher.purpose_legitimate_interests",
                                  d.warnings);
  }
}

// ---- Validation and encoding.

Status CheckIds(const std::vector<int>& ids, int max, std::string_view field) {
  int prev = 0;
  for (int id : ids) {
    if (id < 1 || id > max) {
      return InvalidArgumentError("`" + std::string(field) + "`: " + std::to_string(id) + " is not within 1-" +
                                  std::to_string(max));
    }
    if (id <= prev) return InvalidArgumentError("`" + std::string(field) + "` must be ascending without repeats");
    prev = id;
  }
  return OkStatus();
}

Status CheckRange(int64_t v, int width, std::string_view field) {
  if (v < 0 || v >= (int64_t{1} << width)) {
    return InvalidArgumentError("`" + std::string(field) + "`: " + std::to_string(v) + " is not within 0-" +
                                std::to_string((int64_t{1} << width) - 1));
  }
  return OkStatus();
}

Status CheckLetters(const std::string& s, std::string_view field) {
  if (s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z') return OkStatus();
  return InvalidArgumentError("`" + std::string(field) + "` must be two letters A-Z, not `" + s + "`");
}

Status CheckTime(int64_t micros, std::string_view field) {
  if (micros < 0 || micros / kMicrosPerDecisecond > kMaxDeciseconds) {
    return InvalidArgumentError("`" + std::string(field) + "` is before 1970 or past the format's 36-bit limit");
  }
  return OkStatus();
}

// The bits a range encoding of `ids` (ascending) takes, and its entries.
struct RangeSize {
  size_t bits = kNumEntriesBits;
  size_t entries = 0;
};
RangeSize RangeEncodingSize(const std::vector<int>& ids) {
  RangeSize size;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    size.bits += kRangeEntryHeaderBits + (j > i ? kVendorIdBits : 0);
    ++size.entries;
    i = j + 1;
  }
  return size;
}

void WriteRangeEntries(BitWriter& w, const std::pair<int, int>* runs, size_t count) {
  w.Write(count, kNumEntriesBits);
  for (size_t i = 0; i < count; ++i) {
    const bool is_range = runs[i].first != runs[i].second;
    w.WriteBool(is_range);
    w.Write(static_cast<uint64_t>(runs[i].first), kVendorIdBits);
    if (is_range) w.Write(static_cast<uint64_t>(runs[i].second), kVendorIdBits);
  }
}

void WriteIdBitfield(BitWriter& w, const std::vector<int>& ids, int width) {
  uint64_t v = 0;
  for (int id : ids) v |= uint64_t{1} << (width - id);
  w.Write(v, width);
}

// Ids are validated: ascending, within 1..kMaxVendorId.
void WriteVendorSection(BitWriter& w, const std::vector<int>& ids) {
  const int max_id = ids.empty() ? 0 : ids.back();
  w.Write(static_cast<uint64_t>(max_id), kMaxVendorIdBits);
  const RangeSize range = RangeEncodingSize(ids);
  const bool use_range = range.entries <= static_cast<size_t>(kMaxEntries) && range.bits < static_cast<size_t>(max_id);
  w.WriteBool(use_range);
  if (use_range) {
    const auto runs = IdRuns(ids);
    WriteRangeEntries(w, runs.data(), runs.size());
    return;
  }
  // Bit id-1 stands for vendor id.
  struct Offsets {
    const std::vector<int>& ids;
    struct It {
      std::vector<int>::const_iterator i;
      size_t operator*() const { return static_cast<size_t>(*i - 1); }
      It& operator++() { return ++i, *this; }
      bool operator!=(const It& o) const { return i != o.i; }
    };
    It begin() const { return {ids.begin()}; }
    It end() const { return {ids.end()}; }
  };
  w.AppendBitfield(static_cast<size_t>(max_id), Offsets{ids});
}

Status ValidatePublisher(const TcPublisherSegment& pub) {
  OPTIN_RETURN_IF_ERROR(CheckIds(pub.purpose_consents, kPurposeBits, "publisher.purpose_consents"));
  OPTIN_RETURN_IF_ERROR(
      CheckIds(pub.purpose_legitimate_interests, kPurposeBits, "publisher.purpose_legitimate_interests"));
  if (pub.num_custom_purposes < 0 || pub.num_custom_purposes > kMaxCustomPurposes) {
    return InvalidArgumentError("`publisher.num_custom_purposes` must be within 0-63");
  }
  OPTIN_RETURN_IF_ERROR(
      CheckIds(pub.custom_purpose_consents, pub.num_custom_purposes, "publisher.custom_purpose_consents"));
  return CheckIds(pub.custom_purpose_legitimate_interests, pub.num_custom_purposes,
                  "publisher.custom_purpose_legitimate_interests");
}

}  // namespace

Result<TcDecoded> DecodeTcString(std::string_view text) {
  TcDecoded out;
  std::array<bool, 1 << kSegmentTypeBits> seen = {};
  size_t index = 0;
  for (size_t start = 0;; ++index) {
    const size_t dot = text.find('.', start);
    const size_t length = dot == std::string_view::npos ? text.size() - start : dot - start;
    const std::string_view segment = text.substr(start, length);
    // Built only when there is an error to name (this is the hot path).
    auto label = [index] { return "segment " + std::to_string(index + 1); };
    Result<Bits> bits = tcf::DecodeBase64UrlBits(segment);
    if (!bits.ok()) return InvalidArgumentError(label() + ": " + bits.status().message());
    if (index == 0) {
      if (Status s = DecodeCore(*bits, out); !s.ok()) return InvalidArgumentError("core segment: " + s.message());
    } else {
      BitReader r(*bits);
      Result<uint64_t> type = r.Read(kSegmentTypeBits, "segment_type");
      if (!type.ok()) return InvalidArgumentError(label() + ": " + type.status().message());
      if (*type != kDisclosedVendors && *type != kAllowedVendors && *type != kPublisherTc) {
        return InvalidArgumentError(label() + ": unknown segment type " + std::to_string(*type));
      }
      if (seen[*type]) return InvalidArgumentError(label() + ": segment type " + std::to_string(*type) + " repeats");
      seen[*type] = true;
      Status s;
      if (*type == kDisclosedVendors) {
        Result<std::vector<int>> ids = ReadVendorSection(r, "disclosed_vendors");
        if (ids.ok()) out.tc.disclosed_vendors = std::move(*ids);
        s = ids.status();
      } else if (*type == kAllowedVendors) {
        // Legacy out-of-band vendors (deprecated in 2021): read to check the
        // string, then dropped, because they never stand for consent.
        s = ReadVendorSection(r, "allowed_vendors").status();
        out.warnings.push_back("the deprecated AllowedVendors segment was ignored");
      } else {
        TcPublisherSegment pub;
        s = DecodePublisherTc(r, pub);
        out.tc.publisher = std::move(pub);
      }
      if (!s.ok()) return InvalidArgumentError(label() + " (type " + std::to_string(*type) + "): " + s.message());
      NotePadding(r, label() + " (type " + std::to_string(*type) + ")", out.warnings);
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  AddWarnings(out);
  return out;
}

Status ValidateTcString(const TcString& tc) {
  if (tc.version != kTcfVersion) return InvalidArgumentError("version " + std::to_string(tc.version) + " is not 2");
  OPTIN_RETURN_IF_ERROR(CheckTime(tc.created, "created"));
  OPTIN_RETURN_IF_ERROR(CheckTime(tc.last_updated, "last_updated"));
  OPTIN_RETURN_IF_ERROR(CheckRange(tc.cmp_id, kCmpIdBits, "cmp_id"));
  OPTIN_RETURN_IF_ERROR(CheckRange(tc.cmp_version, kCmpVersionBits, "cmp_version"));
  OPTIN_RETURN_IF_ERROR(CheckRange(tc.consent_screen, kConsentScreenBits, "consent_screen"));
  OPTIN_RETURN_IF_ERROR(CheckLetters(tc.consent_language, "consent_language"));
  OPTIN_RETURN_IF_ERROR(CheckRange(tc.vendor_list_version, kVendorListVersionBits, "vendor_list_version"));
  OPTIN_RETURN_IF_ERROR(CheckRange(tc.policy_version, kPolicyVersionBits, "policy_version"));
  OPTIN_RETURN_IF_ERROR(CheckLetters(tc.publisher_cc, "publisher_cc"));
  OPTIN_RETURN_IF_ERROR(CheckIds(tc.special_feature_opt_ins, kSpecialFeatureBits, "special_feature_opt_ins"));
  OPTIN_RETURN_IF_ERROR(CheckIds(tc.purpose_consents, kPurposeBits, "purpose_consents"));
  OPTIN_RETURN_IF_ERROR(CheckIds(tc.purpose_legitimate_interests, kPurposeBits, "purpose_legitimate_interests"));
  OPTIN_RETURN_IF_ERROR(CheckIds(tc.vendor_consents, kMaxVendorId, "vendor_consents"));
  OPTIN_RETURN_IF_ERROR(CheckIds(tc.vendor_legitimate_interests, kMaxVendorId, "vendor_legitimate_interests"));
  for (size_t i = 0; i < tc.publisher_restrictions.size(); ++i) {
    const TcPublisherRestriction& p = tc.publisher_restrictions[i];
    const std::string name = "publisher_restrictions[" + std::to_string(i) + "]";
    if (p.purpose < 1 || p.purpose > kPurposeBits) {
      return InvalidArgumentError("`" + name + ".purpose` must be within 1-24");
    }
    if (p.type < 0 || p.type > kMaxRestrictionType) {
      return InvalidArgumentError("`" + name + ".type` must be 0, 1 or 2");
    }
    OPTIN_RETURN_IF_ERROR(CheckIds(p.vendors, kMaxVendorId, name + ".vendors"));
    for (size_t j = 0; j < i; ++j) {
      // A decoder merges repeated pairs, so two entries would not round-trip.
      if (tc.publisher_restrictions[j].purpose == p.purpose && tc.publisher_restrictions[j].type == p.type) {
        return InvalidArgumentError("`" + name + "` repeats purpose " + std::to_string(p.purpose) + " and type " +
                                    std::to_string(p.type) + "; merge their vendors");
      }
    }
  }
  if (tc.disclosed_vendors) OPTIN_RETURN_IF_ERROR(CheckIds(*tc.disclosed_vendors, kMaxVendorId, "disclosed_vendors"));
  if (tc.publisher) OPTIN_RETURN_IF_ERROR(ValidatePublisher(*tc.publisher));
  return OkStatus();
}

Result<std::string> EncodeTcString(const TcString& tc) {
  OPTIN_RETURN_IF_ERROR(ValidateTcString(tc));
  BitWriter w;
  w.Write(kTcfVersion, kVersionBits);
  w.Write(static_cast<uint64_t>(tc.created / kMicrosPerDecisecond), kTimestampBits);
  w.Write(static_cast<uint64_t>(tc.last_updated / kMicrosPerDecisecond), kTimestampBits);
  w.Write(static_cast<uint64_t>(tc.cmp_id), kCmpIdBits);
  w.Write(static_cast<uint64_t>(tc.cmp_version), kCmpVersionBits);
  w.Write(static_cast<uint64_t>(tc.consent_screen), kConsentScreenBits);
  for (char c : tc.consent_language) w.Write(static_cast<uint64_t>(c - 'A'), kLetterBits);
  w.Write(static_cast<uint64_t>(tc.vendor_list_version), kVendorListVersionBits);
  w.Write(static_cast<uint64_t>(tc.policy_version), kPolicyVersionBits);
  w.WriteBool(tc.is_service_specific);
  w.WriteBool(tc.use_non_standard_texts);
  WriteIdBitfield(w, tc.special_feature_opt_ins, kSpecialFeatureBits);
  WriteIdBitfield(w, tc.purpose_consents, kPurposeBits);
  WriteIdBitfield(w, tc.purpose_legitimate_interests, kPurposeBits);
  w.WriteBool(tc.purpose_one_treatment);
  for (char c : tc.publisher_cc) w.Write(static_cast<uint64_t>(c - 'A'), kLetterBits);
  WriteVendorSection(w, tc.vendor_consents);
  WriteVendorSection(w, tc.vendor_legitimate_interests);

  // A restriction has only range encoding, at most kMaxEntries ranges per
  // entry: longer lists are split into entries that repeat the pair, which
  // decoders merge.
  BitWriter restrictions;
  size_t num_restrictions = 0;
  for (const TcPublisherRestriction& p : tc.publisher_restrictions) {
    const auto runs = IdRuns(p.vendors);
    size_t done = 0;
    do {
      const size_t n = std::min(runs.size() - done, static_cast<size_t>(kMaxEntries));
      restrictions.Write(static_cast<uint64_t>(p.purpose), kRestrictionPurposeBits);
      restrictions.Write(static_cast<uint64_t>(p.type), kRestrictionTypeBits);
      WriteRangeEntries(restrictions, runs.data() + done, n);
      done += n;
      ++num_restrictions;
    } while (done < runs.size());
  }
  // At most 24 purposes x 3 types x ceil(32768 runs / 4095) entries: always fits.
  w.Write(num_restrictions, kNumPubRestrictionsBits);
  w.Append(restrictions.bits());
  std::string out = tcf::EncodeBase64UrlBits(w.bits());

  if (tc.disclosed_vendors) {
    BitWriter d;
    d.Write(kDisclosedVendors, kSegmentTypeBits);
    WriteVendorSection(d, *tc.disclosed_vendors);
    out += "." + tcf::EncodeBase64UrlBits(d.bits());
  }
  if (tc.publisher) {
    const TcPublisherSegment& pub = *tc.publisher;
    BitWriter p;
    p.Write(kPublisherTc, kSegmentTypeBits);
    WriteIdBitfield(p, pub.purpose_consents, kPurposeBits);
    WriteIdBitfield(p, pub.purpose_legitimate_interests, kPurposeBits);
    p.Write(static_cast<uint64_t>(pub.num_custom_purposes), kNumCustomPurposesBits);
    // Custom purpose bitfields may be up to 63 bits wide: one bit at a time.
    for (int id = 1; id <= pub.num_custom_purposes; ++id) {
      p.WriteBool(std::binary_search(pub.custom_purpose_consents.begin(), pub.custom_purpose_consents.end(), id));
    }
    for (int id = 1; id <= pub.num_custom_purposes; ++id) {
      p.WriteBool(std::binary_search(pub.custom_purpose_legitimate_interests.begin(),
                                     pub.custom_purpose_legitimate_interests.end(), id));
    }
    out += "." + tcf::EncodeBase64UrlBits(p.bits());
  }
  return out;
}

}  // namespace optin

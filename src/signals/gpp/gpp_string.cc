// GPP string decoding and encoding (the IAB's "Consent String Specification"
// and its US section specs): the
// header's Fibonacci-coded section list, then one `~`-separated section per
// id. The US sections' layouts are the tables in us_fields.h.
#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <utility>

#include "optin/signals.h"
#include "src/signals/gpp/us_fields.h"
#include "src/signals/tcf/bits.h"

namespace optin {
namespace {

using gpp::kMaxUsFieldValue;
using gpp::kSubsectionTypeBits;
using gpp::kUsFieldBits;
using gpp::kVersionBits;
using gpp::ListLengths;
using gpp::UsField;
using tcf::BitReader;
using tcf::Bits;
using tcf::BitWriter;

// DO NOT CHANGE: the header's layout.
constexpr int kHeaderTypeBits = 6;
constexpr int kHeaderVersionBits = 6;
constexpr int kRangeCountBits = 12;
constexpr int kHeaderType = 3;
constexpr int kHeaderVersion = 1;
// Ids are small in practice; the cap keeps a hostile group from expanding
// into millions of ids, and a Fibonacci code longer than this is garbage.
constexpr int kMaxSectionId = 1023;
constexpr int kMaxFibonacciBits = 24;

constexpr char kSectionSeparator = '~';
constexpr char kSubsectionSeparator = '.';

// Section ids optin reads.
constexpr int kTcfEuV2 = 2;
constexpr int kUspV1 = 6;
constexpr int kUsNat = 7;
constexpr int kUsCa = 8;
constexpr int kUsNatVersionLegacy = 1;
constexpr int kUsNatVersion2024 = 2;
constexpr int kUsCaVersion = 1;
// A usnat core in the original layout: 6 version bits and 27 two-bit
// fields, as written (10 characters) or padded to whole bytes (11).
constexpr size_t kUsNatLegacyCoreBits = 60;
constexpr size_t kUsNatLegacyPaddedCoreBits = 66;

struct SectionName {
  int id;
  std::string_view name;
};
// The registered section ids (GPP "Section Information").
constexpr SectionName kSectionNames[] = {
    {1, "tcfeuv1"}, {2, "tcfeuv2"}, {5, "tcfcav1"}, {6, "uspv1"},  {7, "usnat"},  {8, "usca"},   {9, "usva"},
    {10, "usco"},   {11, "usut"},   {12, "usct"},   {13, "usfl"},  {14, "usmt"},  {15, "usor"},  {16, "ustx"},
    {17, "usde"},   {18, "usia"},   {19, "usne"},   {20, "usnh"},  {21, "usnj"},  {22, "ustn"},  {23, "usmn"},
    {24, "usmd"},   {25, "usin"},   {26, "usky"},   {27, "usri"},
};

std::string SectionLabel(int id) {
  std::string label = "section " + std::to_string(id);
  if (std::string_view name = GppSectionName(id); !name.empty()) label += " (" + std::string(name) + ")";
  return label;
}

std::string At(const BitReader& r) { return " at bit " + std::to_string(r.position()); }

Status CheckPadding(const BitReader& r) {
  if (r.RestIsZero()) return OkStatus();
  return InvalidArgumentError("non-zero bits after the last field" + At(r));
}

// ---- Fibonacci (Zeckendorf) integers: bit i stands for the (i+2)th
// Fibonacci number (1, 2, 3, 5, …); a code ends with two 1 bits.

Result<int> ReadFibonacci(BitReader& r, std::string_view field) {
  const size_t start = r.position();
  uint64_t value = 0, weight = 1, next = 2;
  bool previous = false;
  for (int i = 0; i <= kMaxFibonacciBits; ++i) {
    OPTIN_ASSIGN_OR_RETURN(bool bit, r.ReadBool(field));
    if (bit && previous) return static_cast<int>(value);
    if (bit) value += weight;
    previous = bit;
    weight = std::exchange(next, next + weight);
  }
  return InvalidArgumentError("`" + std::string(field) + "` at bit " + std::to_string(start) +
                              ": Fibonacci code longer than " + std::to_string(kMaxFibonacciBits) + " bits");
}

void WriteFibonacci(BitWriter& w, int n) {
  std::vector<int> weights = {1};
  for (int a = 1, b = 2; b <= n; a = std::exchange(b, a + b)) weights.push_back(b);
  std::vector<bool> bits(weights.size(), false);
  for (size_t i = weights.size(); i-- > 0;) {
    if (weights[i] <= n) {
      bits[i] = true;
      n -= weights[i];
    }
  }
  for (bool b : bits) w.WriteBool(b);
  w.WriteBool(true);
}

// ---- Header: Type, Version, then the section ids as a Fibonacci range.

Result<std::vector<int>> DecodeHeader(std::string_view text) {
  OPTIN_ASSIGN_OR_RETURN(Bits bits, tcf::DecodeBase64UrlBits(text));
  BitReader r(bits);
  OPTIN_ASSIGN_OR_RETURN(uint64_t type, r.Read(kHeaderTypeBits, "type"));
  if (type != kHeaderType) return InvalidArgumentError("type " + std::to_string(type) + " is not 3 (a GPP header)");
  OPTIN_ASSIGN_OR_RETURN(uint64_t version, r.Read(kHeaderVersionBits, "version"));
  if (version != kHeaderVersion) return InvalidArgumentError("version " + std::to_string(version) + " is not 1");
  OPTIN_ASSIGN_OR_RETURN(uint64_t count, r.Read(kRangeCountBits, "section_ids.num_entries"));
  std::vector<int> ids;
  int last = 0;
  for (uint64_t e = 0; e < count; ++e) {
    const std::string where = At(r);
    OPTIN_ASSIGN_OR_RETURN(bool is_group, r.ReadBool("section_ids.is_group"));
    OPTIN_ASSIGN_OR_RETURN(int offset, ReadFibonacci(r, "section_ids.offset"));
    const int first = last + offset;
    int end = first;
    if (is_group) {
      OPTIN_ASSIGN_OR_RETURN(int length, ReadFibonacci(r, "section_ids.length"));
      end = first + length;
    }
    if (end > kMaxSectionId) {
      return InvalidArgumentError("section id entry " + std::to_string(e + 1) + where + ": id " +
                                  std::to_string(end) + " is beyond " + std::to_string(kMaxSectionId));
    }
    for (int id = first; id <= end; ++id) ids.push_back(id);
    last = end;
  }
  OPTIN_RETURN_IF_ERROR(CheckPadding(r));
  return ids;
}

// `ids` ascending and distinct: runs of consecutive ids become groups.
std::string EncodeHeader(const std::vector<int>& ids) {
  const std::vector<std::pair<int, int>> runs = tcf::IdRuns(ids);
  BitWriter w;
  w.Write(kHeaderType, kHeaderTypeBits);
  w.Write(kHeaderVersion, kHeaderVersionBits);
  w.Write(runs.size(), kRangeCountBits);
  int last = 0;
  for (auto [first, end] : runs) {
    w.WriteBool(first != end);
    WriteFibonacci(w, first - last);
    if (first != end) WriteFibonacci(w, end - first);
    last = end;
  }
  return tcf::EncodeBase64UrlBits(w.bits());
}

// ---- US sections (usnat, usca): a core segment, then subsections.

template <typename Section>
Status ReadUsCore(BitReader& r, std::span<const UsField<Section>> fields, const ListLengths& lengths, Section& out,
                  std::string_view section, std::vector<std::string>& warnings) {
  auto read_value = [&r](std::string_view name) -> Result<int> {
    const std::string where = At(r);
    OPTIN_ASSIGN_OR_RETURN(uint64_t v, r.Read(kUsFieldBits, name));
    if (v > kMaxUsFieldValue) {
      return InvalidArgumentError("`" + std::string(name) + "`" + where + " is 3; valid values are 0, 1 and 2");
    }
    return static_cast<int>(v);
  };
  for (const UsField<Section>& f : fields) {
    if (f.value) {
      OPTIN_ASSIGN_OR_RETURN(out.*f.value, read_value(f.name));
      continue;
    }
    std::vector<int>& list = out.*f.list;
    list.assign(static_cast<size_t>(gpp::ListLength(f.name, lengths)), 0);
    for (size_t i = 0; i < list.size(); ++i) {
      OPTIN_ASSIGN_OR_RETURN(list[i], read_value(std::string(f.name) + "[" + std::to_string(i) + "]"));
    }
  }
  // Bits after the last field carry nothing; the IAB's decoders ignore them.
  if (!r.RestIsZero()) {
    warnings.push_back(std::string(section) + ": non-zero bits after the last field" + At(r) + " were ignored");
  }
  return OkStatus();
}

template <typename Section>
void WriteUsCore(BitWriter& w, std::span<const UsField<Section>> fields, const Section& s) {
  w.Write(static_cast<uint64_t>(s.version), kVersionBits);
  for (const UsField<Section>& f : fields) {
    if (f.value) {
      w.Write(static_cast<uint64_t>(s.*f.value), kUsFieldBits);
    } else {
      for (int v : s.*f.list) w.Write(static_cast<uint64_t>(v), kUsFieldBits);
    }
  }
}

template <typename Section>
Status CheckUsFields(std::span<const UsField<Section>> fields, const ListLengths& lengths, const Section& s) {
  auto check = [](int v, const std::string& name) {
    if (v < 0 || v > kMaxUsFieldValue) return InvalidArgumentError("`" + name + "` must be 0, 1 or 2");
    return OkStatus();
  };
  for (const UsField<Section>& f : fields) {
    const std::string name(f.name);
    if (f.value) {
      OPTIN_RETURN_IF_ERROR(check(s.*f.value, name));
      continue;
    }
    const std::vector<int>& list = s.*f.list;
    const int want = gpp::ListLength(f.name, lengths);
    if (list.size() != static_cast<size_t>(want)) {
      return InvalidArgumentError("`" + name + "` has " + std::to_string(list.size()) + " values; version " +
                                  std::to_string(s.version) + " has " + std::to_string(want));
    }
    for (size_t i = 0; i < list.size(); ++i) OPTIN_RETURN_IF_ERROR(check(list[i], name + "[" + std::to_string(i) + "]"));
  }
  // mspa_covered_transaction 0 is invalid but found in the wild: decoding
  // warns about it, and such a model still encodes as it was read.
  return OkStatus();
}

// Subsections after the core: only the GPC subsection (type 1) is defined.
Status ReadUsSubsections(std::string_view rest, std::optional<bool>& gpc) {
  size_t index = 1;
  while (!rest.empty()) {
    const size_t dot = rest.find(kSubsectionSeparator);
    const std::string_view text = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    const std::string label = "subsection " + std::to_string(++index);
    Result<Bits> bits = tcf::DecodeBase64UrlBits(text);
    if (!bits.ok()) return InvalidArgumentError(label + ": " + bits.status().message());
    BitReader r(*bits);
    Result<uint64_t> type = r.Read(kSubsectionTypeBits, "subsection_type");
    if (!type.ok()) return InvalidArgumentError(label + ": " + type.status().message());
    if (*type != gpp::kGpcSubsectionType) {
      return InvalidArgumentError(label + ": unknown subsection type " + std::to_string(*type));
    }
    if (gpc) return InvalidArgumentError(label + ": the GPC subsection repeats");
    Result<bool> value = r.ReadBool("gpc");
    if (value.ok()) {
      if (Status s = CheckPadding(r); !s.ok()) value = s;
    }
    if (!value.ok()) return InvalidArgumentError(label + " (GPC): " + value.status().message());
    gpc = *value;
  }
  return OkStatus();
}

std::string EncodeGpcSubsection(bool gpc) {
  BitWriter w;
  w.Write(gpp::kGpcSubsectionType, kSubsectionTypeBits);
  w.WriteBool(gpc);
  return tcf::EncodeBase64UrlBits(w.bits());
}

// Splits `core.subsection…`, decodes the core's bits and its version.
struct UsSectionText {
  Bits core;
  std::string_view subsections;
};
Result<UsSectionText> SplitUsSection(std::string_view text) {
  const size_t dot = text.find(kSubsectionSeparator);
  UsSectionText out;
  OPTIN_ASSIGN_OR_RETURN(out.core, tcf::DecodeBase64UrlBits(text.substr(0, dot)));
  if (dot != std::string_view::npos) {
    out.subsections = text.substr(dot + 1);
    if (out.subsections.empty()) return InvalidArgumentError("empty subsection after `.`");
  }
  return out;
}

Status DecodeUsNat(std::string_view text, GppUsNat& out, std::vector<std::string>& warnings) {
  OPTIN_ASSIGN_OR_RETURN(UsSectionText parts, SplitUsSection(text));
  BitReader r(parts.core);
  OPTIN_ASSIGN_OR_RETURN(uint64_t version, r.Read(kVersionBits, "version"));
  if (version != kUsNatVersion2024 && version != kUsNatVersionLegacy) {
    return InvalidArgumentError("version " + std::to_string(version) + " is not 1 or 2");
  }
  out.version = static_cast<int>(version);
  // The layout goes by the core's length, as @iabgpp/cmpapi reads it: 10 or
  // 11 characters are the original 12/2 layout, anything else the 2024 one
  // (tests/testdata/gpp/iab_published.md). Encoders have written each
  // layout under either version.
  const size_t bits = parts.core.bit_length;
  const bool legacy_layout = bits == kUsNatLegacyCoreBits || bits == kUsNatLegacyPaddedCoreBits;
  OPTIN_RETURN_IF_ERROR(ReadUsCore<GppUsNat>(r, gpp::kUsNatFields, legacy_layout ? gpp::kUsNatV1Lists : gpp::kUsNatV2Lists,
                                             out, "usnat", warnings));
  if (version == kUsNatVersionLegacy && !legacy_layout) {
    out.version = kUsNatVersion2024;
    warnings.push_back(
        "usnat: a version 1 section in the 2024 layout (16 sensitive data categories) was read as version 2");
  } else if (version == kUsNatVersion2024 && legacy_layout) {
    // Categories 13-16 and the third child consent were not asked: 0, not
    // applicable, as cmpapi reads them.
    out.sensitive_data_processing.resize(static_cast<size_t>(gpp::kUsNatV2Lists.sensitive_data_processing), 0);
    out.known_child_sensitive_data_consents.resize(static_cast<size_t>(gpp::kUsNatV2Lists.known_child_sensitive_data_consents), 0);
    warnings.push_back(
        "usnat: a version 2 section in the original layout (12 sensitive data categories) was read with categories "
        "13-16 and the third child consent as 0 (not applicable)");
  }
  if (out.mspa_covered_transaction == 0) {
    warnings.push_back("usnat: mspa_covered_transaction is 0, which the specification does not allow");
  }
  return ReadUsSubsections(parts.subsections, out.gpc);
}

Status DecodeUsCa(std::string_view text, GppUsCa& out, std::vector<std::string>& warnings) {
  OPTIN_ASSIGN_OR_RETURN(UsSectionText parts, SplitUsSection(text));
  BitReader r(parts.core);
  OPTIN_ASSIGN_OR_RETURN(uint64_t version, r.Read(kVersionBits, "version"));
  if (version != kUsCaVersion) return InvalidArgumentError("version " + std::to_string(version) + " is not 1");
  out.version = kUsCaVersion;
  OPTIN_RETURN_IF_ERROR(ReadUsCore<GppUsCa>(r, gpp::kUsCaFields, gpp::kUsCaV1Lists, out, "usca", warnings));
  if (out.mspa_covered_transaction == 0) {
    warnings.push_back("usca: mspa_covered_transaction is 0, which the specification does not allow");
  }
  return ReadUsSubsections(parts.subsections, out.gpc);
}

ListLengths UsNatLists(int version) {
  return version == kUsNatVersionLegacy ? gpp::kUsNatV1Lists : gpp::kUsNatV2Lists;
}

bool IsSectionText(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c == kSubsectionSeparator;
         });
}

bool IsReadSection(int id) { return id == kTcfEuV2 || id == kUspV1 || id == kUsNat || id == kUsCa; }

}  // namespace

std::string_view GppSectionName(int id) {
  for (const SectionName& s : kSectionNames) {
    if (s.id == id) return s.name;
  }
  return "";
}

std::vector<int> GppSectionIds(const GppString& gpp) {
  std::vector<int> ids;
  if (gpp.tcfeuv2) ids.push_back(kTcfEuV2);
  if (gpp.uspv1) ids.push_back(kUspV1);
  if (gpp.usnat) ids.push_back(kUsNat);
  if (gpp.usca) ids.push_back(kUsCa);
  for (const GppOtherSection& s : gpp.other_sections) ids.push_back(s.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<GppDecoded> DecodeGppString(std::string_view text) {
  GppDecoded out;
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t tilde = text.find(kSectionSeparator, start);
    parts.push_back(text.substr(start, tilde == std::string_view::npos ? std::string_view::npos : tilde - start));
    if (tilde == std::string_view::npos) break;
    start = tilde + 1;
  }
  Result<std::vector<int>> ids = DecodeHeader(parts[0]);
  if (!ids.ok()) return InvalidArgumentError("header: " + ids.status().message());
  out.section_ids = std::move(*ids);
  if (out.section_ids.size() != parts.size() - 1) {
    return InvalidArgumentError("the header lists " + std::to_string(out.section_ids.size()) +
                                " sections but the string has " + std::to_string(parts.size() - 1));
  }
  // Offsets are at least 1, so the header's ids are ascending and distinct.
  for (size_t i = 0; i < out.section_ids.size(); ++i) {
    const int id = out.section_ids[i];
    const std::string_view section = parts[i + 1];
    const std::string label = SectionLabel(id);
    if (section.empty()) return InvalidArgumentError(label + " is empty");
    Status s;
    if (id == kTcfEuV2) {
      Result<TcDecoded> tc = DecodeTcString(section);
      if (tc.ok()) {
        out.gpp.tcfeuv2 = std::move(tc->tc);
        for (std::string& w : tc->warnings) out.warnings.push_back("tcfeuv2: " + std::move(w));
      }
      s = tc.status();
    } else if (id == kUspV1) {
      Result<UspString> usp = DecodeUspString(section);
      if (usp.ok()) out.gpp.uspv1 = *usp;
      s = usp.status();
    } else if (id == kUsNat) {
      s = DecodeUsNat(section, out.gpp.usnat.emplace(), out.warnings);
    } else if (id == kUsCa) {
      s = DecodeUsCa(section, out.gpp.usca.emplace(), out.warnings);
    } else {
      if (!IsSectionText(section)) return InvalidArgumentError(label + ": not base64url text");
      out.gpp.other_sections.push_back({id, std::string(section)});
      out.warnings.push_back(label + " is kept as text: optin does not read it");
    }
    if (!s.ok()) return InvalidArgumentError(label + ": " + s.message());
  }
  return out;
}

Status ValidateGppString(const GppString& gpp) {
  if (gpp.tcfeuv2) {
    if (Status s = ValidateTcString(*gpp.tcfeuv2); !s.ok()) return InvalidArgumentError("tcfeuv2: " + s.message());
  }
  if (gpp.usnat) {
    const GppUsNat& n = *gpp.usnat;
    if (n.version != kUsNatVersionLegacy && n.version != kUsNatVersion2024) {
      return InvalidArgumentError("usnat: `version` must be 1 (12 sensitive data categories) or 2 (16)");
    }
    if (Status s = CheckUsFields<GppUsNat>(gpp::kUsNatFields, UsNatLists(n.version), n); !s.ok()) {
      return InvalidArgumentError("usnat: " + s.message());
    }
  }
  if (gpp.usca) {
    if (gpp.usca->version != kUsCaVersion) return InvalidArgumentError("usca: `version` must be 1");
    if (Status s = CheckUsFields<GppUsCa>(gpp::kUsCaFields, gpp::kUsCaV1Lists, *gpp.usca); !s.ok()) {
      return InvalidArgumentError("usca: " + s.message());
    }
  }
  std::vector<int> ids;
  for (const GppOtherSection& o : gpp.other_sections) {
    const std::string label = SectionLabel(o.id);
    if (o.id < 1 || o.id > kMaxSectionId) {
      return InvalidArgumentError("other section id " + std::to_string(o.id) + " is not within 1-" +
                                  std::to_string(kMaxSectionId));
    }
    if (IsReadSection(o.id)) return InvalidArgumentError(label + " must be given as `" + std::string(GppSectionName(o.id)) + "`, not as text");
    if (std::find(ids.begin(), ids.end(), o.id) != ids.end()) return InvalidArgumentError(label + " repeats");
    if (!IsSectionText(o.text)) return InvalidArgumentError(label + ": the text must be base64url, with `.` between subsections");
    ids.push_back(o.id);
  }
  return OkStatus();
}

Result<std::string> EncodeGppString(const GppString& gpp) {
  OPTIN_RETURN_IF_ERROR(ValidateGppString(gpp));
  std::vector<std::pair<int, std::string>> sections;
  if (gpp.tcfeuv2) {
    OPTIN_ASSIGN_OR_RETURN(std::string tc, EncodeTcString(*gpp.tcfeuv2));
    sections.emplace_back(kTcfEuV2, std::move(tc));
  }
  if (gpp.uspv1) sections.emplace_back(kUspV1, EncodeUspString(*gpp.uspv1));
  if (gpp.usnat) {
    BitWriter w;
    WriteUsCore<GppUsNat>(w, gpp::kUsNatFields, *gpp.usnat);
    std::string text = tcf::EncodeBase64UrlBits(w.bits());
    if (gpp.usnat->gpc) text += kSubsectionSeparator + EncodeGpcSubsection(*gpp.usnat->gpc);
    sections.emplace_back(kUsNat, std::move(text));
  }
  if (gpp.usca) {
    BitWriter w;
    WriteUsCore<GppUsCa>(w, gpp::kUsCaFields, *gpp.usca);
    std::string text = tcf::EncodeBase64UrlBits(w.bits());
    if (gpp.usca->gpc) text += kSubsectionSeparator + EncodeGpcSubsection(*gpp.usca->gpc);
    sections.emplace_back(kUsCa, std::move(text));
  }
  for (const GppOtherSection& o : gpp.other_sections) sections.emplace_back(o.id, o.text);
  std::sort(sections.begin(), sections.end());

  std::vector<int> ids;
  for (const auto& s : sections) ids.push_back(s.first);
  std::string out = EncodeHeader(ids);
  for (const auto& s : sections) out += kSectionSeparator + s.second;
  return out;
}

}  // namespace optin

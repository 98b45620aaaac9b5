#include "src/signals/tcf/bits.h"

#include <algorithm>
#include <array>

namespace optin::tcf {
namespace {

constexpr int kBitsPerChar = 6;
constexpr int kBitsPerByte = 8;
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int8_t kNotBase64 = -1;

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = kNotBase64;
  for (size_t i = 0; i < kAlphabet.size(); ++i) table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  // The standard alphabet's two differing characters: some CMPs emit them.
  table['+'] = 62;
  table['/'] = 63;
  return table;
}
constexpr std::array<int8_t, 256> kDecodeTable = MakeDecodeTable();

}  // namespace

Result<uint64_t> BitReader::Read(int width, std::string_view field) {
  if (width < 0 || width > kMaxFieldBits) {
    return InternalError("field `" + std::string(field) + "` has an invalid width " + std::to_string(width));
  }
  if (static_cast<size_t>(width) > remaining()) {
    return InvalidArgumentError("`" + std::string(field) + "` at bit " + std::to_string(pos_) + " needs " +
                                std::to_string(width) + " bits but only " + std::to_string(remaining()) +
                                " remain (truncated string)");
  }
  return Take(width);
}

Result<bool> BitReader::ReadBool(std::string_view field) {
  OPTIN_ASSIGN_OR_RETURN(uint64_t v, Read(1, field));
  return v != 0;
}

bool BitReader::RestIsZero() const {
  for (size_t i = pos_; i < bits_.bit_length; ++i) {
    if (BitAt(i)) return false;
  }
  return true;
}

void BitWriter::Write(uint64_t value, int width) {
  // Fill the last byte's free bits, then whole bytes.
  while (width > 0) {
    const int used = static_cast<int>(bits_.bit_length % kBitsPerByte);
    if (used == 0) bits_.bytes.push_back(0);
    const int n = std::min(kBitsPerByte - used, width);
    const unsigned part = static_cast<unsigned>(value >> (width - n)) & ((1u << n) - 1);
    bits_.bytes.back() |= static_cast<uint8_t>(part << (kBitsPerByte - used - n));
    bits_.bit_length += static_cast<size_t>(n);
    width -= n;
  }
}

void BitWriter::Append(const Bits& bits) {
  size_t i = 0;
  for (; i + kBitsPerByte <= bits.bit_length; i += kBitsPerByte) Write(bits.bytes[i / kBitsPerByte], kBitsPerByte);
  const int rest = static_cast<int>(bits.bit_length - i);
  if (rest > 0) Write(static_cast<uint64_t>(bits.bytes[i / kBitsPerByte] >> (kBitsPerByte - rest)), rest);
}

std::string EncodeBase64UrlBits(const Bits& bits) {
  const size_t total = bits.bytes.size() * kBitsPerByte;  // whole bytes; the pad bits are zero
  const size_t chars = (total + kBitsPerChar - 1) / kBitsPerChar;
  std::string out(chars, 'A');
  const uint8_t* in = bits.bytes.data();
  const size_t n = bits.bytes.size();
  size_t o = 0, i = 0;
  // Three bytes make four characters.
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = uint32_t{in[i]} << 16 | uint32_t{in[i + 1]} << 8 | in[i + 2];
    out[o++] = kAlphabet[v >> 18];
    out[o++] = kAlphabet[(v >> 12) & 63];
    out[o++] = kAlphabet[(v >> 6) & 63];
    out[o++] = kAlphabet[v & 63];
  }
  if (i < n) {
    // One or two bytes left, zero-padded to whole characters.
    const uint32_t v = uint32_t{in[i]} << 16 | (i + 1 < n ? uint32_t{in[i + 1]} << 8 : 0);
    out[o++] = kAlphabet[v >> 18];
    out[o++] = kAlphabet[(v >> 12) & 63];
    if (i + 1 < n) out[o++] = kAlphabet[(v >> 6) & 63];
  }
  return out;
}

Result<Bits> DecodeBase64UrlBits(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  if (end == 0) return InvalidArgumentError("empty base64url segment");
  Bits bits;
  bits.bit_length = end * kBitsPerChar;
  bits.bytes.resize((bits.bit_length + kBitsPerByte - 1) / kBitsPerByte);
  uint8_t* out = bits.bytes.data();
  const auto* in = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = 0, o = 0;
  // Four characters make three bytes; a bad character is found (and named)
  // by the slow path below.
  for (; i + 4 <= end; i += 4) {
    const int8_t a = kDecodeTable[in[i]], b = kDecodeTable[in[i + 1]], c = kDecodeTable[in[i + 2]],
                 d = kDecodeTable[in[i + 3]];
    if ((a | b | c | d) < 0) break;
    const uint32_t v = uint32_t(a) << 18 | uint32_t(b) << 12 | uint32_t(c) << 6 | uint32_t(d);
    out[o++] = static_cast<uint8_t>(v >> 16);
    out[o++] = static_cast<uint8_t>(v >> 8);
    out[o++] = static_cast<uint8_t>(v);
  }
  uint32_t buffer = 0;
  int buffered = 0;  // bits in `buffer` not yet written out
  for (; i < end; ++i) {
    const int8_t v = kDecodeTable[in[i]];
    if (v == kNotBase64) {
      const unsigned char c = in[i];
      std::string shown(1, static_cast<char>(c));
      if (c < 0x20 || c >= 0x7f) {
        constexpr std::string_view kHex = "0123456789abcdef";
        shown = std::string("\\x") + kHex[c >> 4] + kHex[c & 0xf];
      }
      return InvalidArgumentError("invalid base64url character `" + shown + "` at position " + std::to_string(i));
    }
    // Six bits in, whole bytes out.
    buffer = buffer << kBitsPerChar | static_cast<uint32_t>(v);
    buffered += kBitsPerChar;
    if (buffered >= kBitsPerByte) {
      buffered -= kBitsPerByte;
      out[o++] = static_cast<uint8_t>(buffer >> buffered);
    }
  }
  if (buffered > 0) out[o] = static_cast<uint8_t>(buffer << (kBitsPerByte - buffered));
  return bits;
}

std::vector<std::pair<int, int>> IdRuns(const std::vector<int>& ids) {
  std::vector<std::pair<int, int>> runs;
  for (int id : ids) {
    if (!runs.empty() && runs.back().second + 1 == id) {
      runs.back().second = id;
    } else {
      runs.emplace_back(id, id);
    }
  }
  return runs;
}

}  // namespace optin::tcf

#include "src/signals/tcf/bits.h"

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
  for (int i = width - 1; i >= 0; --i) {
    const size_t at = bits_.bit_length;
    if (at % kBitsPerByte == 0) bits_.bytes.push_back(0);
    if ((value >> i) & 1) bits_.bytes.back() |= static_cast<uint8_t>(0x80 >> (at % kBitsPerByte));
    ++bits_.bit_length;
  }
}

void BitWriter::Append(const Bits& bits) {
  for (size_t i = 0; i < bits.bit_length; ++i) WriteBool((bits.bytes[i / kBitsPerByte] >> (7 - i % kBitsPerByte)) & 1);
}

std::string EncodeBase64UrlBits(const Bits& bits) {
  const size_t total = bits.bytes.size() * kBitsPerByte;  // whole bytes; the pad bits are zero
  std::string out;
  out.reserve((total + kBitsPerChar - 1) / kBitsPerChar);
  for (size_t at = 0; at < total; at += kBitsPerChar) {
    int v = 0;
    for (int i = 0; i < kBitsPerChar; ++i) {
      const size_t b = at + static_cast<size_t>(i);
      const int bit = b < total ? (bits.bytes[b / kBitsPerByte] >> (7 - b % kBitsPerByte)) & 1 : 0;
      v = v << 1 | bit;
    }
    out.push_back(kAlphabet[static_cast<size_t>(v)]);
  }
  return out;
}

Result<Bits> DecodeBase64UrlBits(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  if (end == 0) return InvalidArgumentError("empty base64url segment");
  Bits bits;
  bits.bit_length = end * kBitsPerChar;
  bits.bytes.assign((bits.bit_length + kBitsPerByte - 1) / kBitsPerByte, 0);
  uint32_t buffer = 0;
  int buffered = 0;  // bits in `buffer` not yet written out
  size_t out = 0;
  for (size_t i = 0; i < end; ++i) {
    const int8_t v = kDecodeTable[static_cast<uint8_t>(text[i])];
    if (v == kNotBase64) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      std::string shown(1, text[i]);
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
      bits.bytes[out++] = static_cast<uint8_t>(buffer >> buffered);
    }
  }
  if (buffered > 0) bits.bytes[out] = static_cast<uint8_t>(buffer << (kBitsPerByte - buffered));
  return bits;
}

}  // namespace optin::tcf

// File: src/signals/tcf/bits.h
//
// The bit layer under the TC string codec: a bounds-checked reader and a
// writer of big-endian bit fields (bit 0 is the most significant bit of the
// first byte), and the base64url text form each TC string segment travels in
// (IAB TCF v2.2, "Consent string and vendor list formats": the core string's
// encoding).
//
// Thread-safety: values; a reader or writer is used by one thread at a time.
//
// Example:
//   OPTIN_ASSIGN_OR_RETURN(Bits bits, DecodeBase64UrlBits("CAAAAA"));
//   BitReader r(bits);
//   OPTIN_ASSIGN_OR_RETURN(uint64_t version, r.Read(6, "version"));
#ifndef OPTIN_SIGNALS_TCF_BITS_H_
#define OPTIN_SIGNALS_TCF_BITS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "optin/status.h"

namespace optin::tcf {

// The widest field Read() and Write() handle in one call.
constexpr int kMaxFieldBits = 64;
// TC strings keep times in deciseconds; optin in microseconds.
constexpr int64_t kMicrosPerDecisecond = 100'000;

// A bit string: the first `bit_length` bits of `bytes`, MSB first. Bits past
// `bit_length` in the last byte are zero.
struct Bits {
  std::vector<uint8_t> bytes;
  size_t bit_length = 0;
};

class BitReader {
 public:
  // `bits` must outlive the reader.
  explicit BitReader(const Bits& bits) : bits_(bits) {}

  // Reads `width` bits (0..kMaxFieldBits) as an unsigned big-endian integer.
  // kInvalidArgument naming `field` and the bit offset when fewer than
  // `width` bits remain; nothing is consumed then.
  Result<uint64_t> Read(int width, std::string_view field);
  Result<bool> ReadBool(std::string_view field);

  // The unchecked fast path for loops: the caller has made sure that
  // Has(width) holds.
  bool Has(size_t width) const { return width <= remaining(); }
  uint64_t Take(int width) {
    // A byte's worth of bits at a time.
    uint64_t value = 0;
    while (width > 0) {
      const int offset = static_cast<int>(pos_ % 8);
      const int n = std::min(8 - offset, width);
      const unsigned byte = bits_.bytes[pos_ / 8];
      value = value << n | ((byte >> (8 - offset - n)) & ((1u << n) - 1));
      pos_ += static_cast<size_t>(n);
      width -= n;
    }
    return value;
  }

  // The number of set bits among the next `count`, without moving; the
  // caller has made sure that Has(count) holds.
  size_t CountSetBits(size_t count) const {
    size_t n = 0;
    for (size_t done = 0; done < count; done += kChunkBits) {
      const int width = static_cast<int>(std::min<size_t>(kChunkBits, count - done));
      n += static_cast<size_t>(PopCount(PeekChunk(pos_ + done) >> (kChunkBits - width)));
    }
    return n;
  }

  // Writes `first + i` for each set bit i among the next `count` (0-based),
  // ascending, at `out`, then moves past them; returns the end of what was
  // written. The caller has made sure that Has(count) holds and that `out`
  // has room for CountSetBits(count) values.
  int* WriteSetBitIds(size_t count, int first, int* out) {
    for (size_t done = 0; done < count;) {
      const int n = static_cast<int>(std::min<size_t>(kChunkBits, count - done));
      uint64_t chunk = PeekChunk(pos_) >> (kChunkBits - n);  // the next n bits, low-aligned: bit n-1 comes first
      pos_ += static_cast<size_t>(n);
      // Lowest set bit first (a short dependency chain), so fill from the back.
      const int base = first + static_cast<int>(done) + n - 1;
      int* p = out + PopCount(chunk);
      out = p;
      while (chunk) {
        *--p = base - __builtin_ctzll(chunk);
        chunk &= chunk - 1;
      }
      done += static_cast<size_t>(n);
    }
    return out;
  }

  size_t position() const { return pos_; }
  size_t remaining() const { return bits_.bit_length - pos_; }
  // True when every bit not yet read is 0 (encoders pad with zeros).
  bool RestIsZero() const;

 private:
  bool BitAt(size_t i) const { return (bits_.bytes[i / 8] >> (7 - i % 8)) & 1; }

  static constexpr int kChunkBits = 56;

  // The kChunkBits bits from bit `at`, the first in the highest of the low
  // kChunkBits bits of the result; bits past the end read as 0.
  uint64_t PeekChunk(size_t at) const {
    const size_t byte = at / 8;
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) v = v << 8 | (byte + i < bits_.bytes.size() ? bits_.bytes[byte + i] : 0);
    return (v << (at % 8)) >> 8;
  }

  // Portable: the baseline x86-64 target has no popcnt instruction, and
  // __builtin_popcountll would call into libgcc.
  static int PopCount(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555);
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
    return static_cast<int>((x * 0x0101010101010101) >> 56);
  }

  const Bits& bits_;
  size_t pos_ = 0;
};

class BitWriter {
 public:
  // Appends the low `width` bits (0..kMaxFieldBits) of `value`, MSB first.
  // Higher bits of `value` must be zero: callers validate ranges first.
  void Write(uint64_t value, int width);
  void WriteBool(bool value) { Write(value ? 1 : 0, 1); }
  // Appends all of `bits`.
  void Append(const Bits& bits);
  // Appends `count` zero bits, then sets bit `offset` (0-based, from where
  // the zeros start) for each offset in `set`, which must be below `count`.
  template <typename Offsets>
  void AppendBitfield(size_t count, const Offsets& set) {
    const size_t start = bits_.bit_length;
    bits_.bit_length += count;
    bits_.bytes.resize((bits_.bit_length + 7) / 8, 0);
    for (size_t offset : set) {
      const size_t b = start + offset;
      bits_.bytes[b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
    }
  }

  size_t size() const { return bits_.bit_length; }
  const Bits& bits() const { return bits_; }

 private:
  Bits bits_;
};

// Ascending, distinct ids as runs of consecutive ones, [first, last] each:
// how TC strings' range entries and GPP headers' id groups are written.
std::vector<std::pair<int, int>> IdRuns(const std::vector<int>& ids);

// Base64url (RFC 4648 §5) without `=` of the bits, zero-padded to whole
// bytes first so that byte-oriented base64 decoders read it too.
std::string EncodeBase64UrlBits(const Bits& bits);

// Decodes base64url text into 6 bits per character. Tolerant where real
// encoders differ: trailing `=` padding is ignored and the standard alphabet's
// `+` and `/` are read as `-` and `_`. kInvalidArgument for any other
// character (naming it and its position), `=` before the end, or no data.
Result<Bits> DecodeBase64UrlBits(std::string_view text);

}  // namespace optin::tcf

#endif  // OPTIN_SIGNALS_TCF_BITS_H_

// File: src/common/bytes.h
//
// Big-endian integers and length-prefixed fields: the building blocks of
// optin's canonical byte encodings (docs/ledger_format.md).
#ifndef OPTIN_COMMON_BYTES_H_
#define OPTIN_COMMON_BYTES_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace optin {

class ByteWriter {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out_.push_back(static_cast<char>(v >> s));
  }
  void U64(uint64_t v) {
    for (int s = 56; s >= 0; s -= 8) out_.push_back(static_cast<char>(v >> s));
  }
  // A field: u32 length, then the bytes.
  void Field(std::string_view bytes) {
    U32(static_cast<uint32_t>(bytes.size()));
    out_.append(bytes);
  }
  std::string& str() { return out_; }
  std::string Take() && { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what ByteWriter wrote. Every getter returns false (and reads nothing)
// when the input is too short.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool U8(uint8_t& v) {
    if (in_.size() < 1) return false;
    v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool U32(uint32_t& v) {
    if (in_.size() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(4);
    return true;
  }
  bool U64(uint64_t& v) {
    if (in_.size() < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(8);
    return true;
  }
  bool Field(std::string_view& v) {
    uint32_t n;
    if (in_.size() < 4) return false;
    ByteReader peek(in_);
    peek.U32(n);
    if (peek.in_.size() < n) return false;
    v = peek.in_.substr(0, n);
    in_ = peek.in_.substr(n);
    return true;
  }
  bool AtEnd() const { return in_.empty(); }
  // What is left unread.
  std::string_view Rest() const { return in_; }

 private:
  std::string_view in_;
};

}  // namespace optin

#endif  // OPTIN_COMMON_BYTES_H_

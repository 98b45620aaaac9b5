#include "src/common/crypto.h"

#include <gtest/gtest.h>

namespace optin {
namespace {

TEST(Crypto, Sha256MatchesTheStandardVector) {
  ASSERT_TRUE(InitCrypto().ok());
  EXPECT_EQ(ToHex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256("ab", "c"), Sha256("abc"));
}

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
  SecretKey key{};
  std::string k = "Jefe";
  std::copy(k.begin(), k.end(), key.begin());  // zero-padded to 32 bytes: same as HMAC's own padding
  EXPECT_EQ(ToHex(HmacSha256(key, "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 4231 §4.7, test case 6: a key longer than the hash's block.
TEST(Crypto, HmacSha256WithAnyKeyLengthMatchesRfc4231Case6) {
  EXPECT_EQ(ToHex(HmacSha256(std::string_view(std::string(131, '\xaa')),
                             "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // Test case 2 again, through the any-length key.
  EXPECT_EQ(ToHex(HmacSha256(std::string_view("Jefe"), "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, SealOpensOnlyWithTheSameKey) {
  ASSERT_TRUE(InitCrypto().ok());
  SecretKey a = RandomKey(), b = RandomKey();
  std::string box = Seal(a, "subject-42");
  EXPECT_EQ(Open(a, box).value_or(""), "subject-42");
  EXPECT_FALSE(Open(b, box).has_value());
  box[30] ^= 1;
  EXPECT_FALSE(Open(a, box).has_value());
}

TEST(Crypto, HexRoundTrips) {
  EXPECT_EQ(ToHex(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(FromHex("00FF10").value(), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(FromHex("0g").has_value());
  EXPECT_FALSE(FromHex("abc").has_value());
}

// RFC 4648 §10 test vectors, in both alphabets (§4 with padding, §5 without).
TEST(Crypto, Base64MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {{"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},
                                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64(plain), encoded);
    EXPECT_EQ(FromBase64(encoded), std::optional<std::string>(plain)) << encoded;
    std::string url = encoded;
    while (!url.empty() && url.back() == '=') url.pop_back();
    EXPECT_EQ(Base64Url(plain), url);
    EXPECT_EQ(FromBase64Url(url), std::optional<std::string>(plain)) << url;
  }
  EXPECT_EQ(Base64(std::string("\xfb\xff", 2)), "+/8=");
  EXPECT_EQ(Base64Url(std::string("\xfb\xff", 2)), "-_8");
  for (const char* bad : {"Zg", "Zm9v!", "Zm9v Zg==", "-_8="}) EXPECT_EQ(FromBase64(bad), std::nullopt) << bad;
  for (const char* bad : {"Zg==", "+/8", "Zm9v!"}) EXPECT_EQ(FromBase64Url(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace optin

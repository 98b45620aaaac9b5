#include "optin/ledger.h"

#include <gmock/gmock.h>

#include "src/common/crypto.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::StatusIs;
using ::testing::HasSubstr;

Event Sample() {
  Event e;
  e.seq = 7;
  e.time = 1'764'397'551'000'000;
  e.action = Action::kWithdraw;
  e.subject_ref = std::string(32, '\x11');
  e.subject_box = "sealed";
  e.purpose = "ads";
  e.notice = std::string(64, 'a');
  e.channel = "web";
  e.actor = "cli:root";
  return e;
}

TEST(EventEncoding, MatchesTheDocumentedLayout) {
  Event e;
  e.seq = 1;
  e.time = 2;
  e.action = Action::kPublish;
  e.payload = "x";
  std::string bytes = EncodeEvent(e);
  // version, seq, time, action, then 8 length-prefixed fields (docs/ledger_format.md).
  std::string expected = std::string("\x01", 1) + std::string(7, '\0') + "\x01" + std::string(7, '\0') + "\x02" +
                         "\x01" + std::string(7 * 4, '\0') + std::string("\0\0\0\x01x", 5);
  EXPECT_EQ(ToHex(bytes), ToHex(expected));
}

TEST(EventEncoding, RoundTrips) {
  Event e = Sample();
  auto d = DecodeEvent(EncodeEvent(e));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->seq, 7u);
  EXPECT_EQ(d->action, Action::kWithdraw);
  EXPECT_EQ(d->subject_ref, e.subject_ref);
  EXPECT_EQ(d->notice, e.notice);
  EXPECT_EQ(EncodeEvent(*d), EncodeEvent(e));
}

TEST(EventEncoding, RefusesDamagedBytes) {
  std::string bytes = EncodeEvent(Sample());
  EXPECT_THAT(DecodeEvent(""), StatusIs(StatusCode::kDataLoss, HasSubstr("empty")));
  EXPECT_THAT(DecodeEvent(bytes.substr(0, bytes.size() - 1)), StatusIs(StatusCode::kDataLoss, HasSubstr("truncated")));
  EXPECT_THAT(DecodeEvent(bytes + "x"), StatusIs(StatusCode::kDataLoss, HasSubstr("trailing")));
  std::string v2 = bytes;
  v2[0] = 2;
  EXPECT_THAT(DecodeEvent(v2), StatusIs(StatusCode::kDataLoss, HasSubstr("format version 2")));
  std::string action = bytes;
  action[17] = 9;
  EXPECT_THAT(DecodeEvent(action), StatusIs(StatusCode::kDataLoss, HasSubstr("unknown event action 9")));
}

TEST(ChainHash, IsSha256OfThePreviousHashAndTheEvent) {
  EventHash zero{};
  std::string body = EncodeEvent(Sample());
  EventHash h = ChainHash(zero, body);
  EXPECT_EQ(ToHex(AsBytes(h)), ToHex(Sha256(std::string(32, '\0') + body)));
  EXPECT_NE(ChainHash(h, body), h);
}

}  // namespace
}  // namespace optin

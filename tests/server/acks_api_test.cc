// POST /v1/recipients/{id}/acks through the router: what a recipient may
// confirm, and the bodies it is refused (empty, too many, malformed), with
// nothing recorded when any part is wrong.
#include <gmock/gmock.h>

#include "src/server/api.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin::server {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::JsonDoc;
using ::optin::testing::ReadFile;
using ::testing::HasSubstr;

class AcksApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(NewMemoryStore(), {});
    ASSERT_THAT(e, IsOk());
    engine_ = std::move(e).value();
    auto catalog = ParseCatalog(ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml"), "r.yaml");
    ASSERT_THAT(catalog, IsOk());
    ASSERT_THAT(engine_->Publish(*catalog, {}, {.channel = "cli"}), IsOk());
    key_ = "Bearer " + *engine_->CreateRecipientKey("example_exchange", "exchange");
    api_ = std::make_unique<Api>(*engine_, "https://privacy.example");
    ASSERT_THAT(engine_->Grant("alice", std::vector<std::string>{"ads"}, {.channel = "web"}), IsOk());
    ASSERT_THAT(engine_->Withdraw("alice", std::vector<std::string>{"ads"}, {.channel = "web"}), IsOk());
  }
  HttpResponse Acks(const std::string& body) {
    HttpRequest r;
    r.method = "POST";
    r.path = "/v1/recipients/example_exchange/acks";
    r.body = body;
    r.content_type = "application/json";
    r.accept = "application/json";
    r.authorization = key_;
    return api_->Handle(r);
  }
  bool Confirmed(const std::string& id) {
    Result<std::vector<Delivery>> all = engine_->SubjectDeliveries("alice");
    EXPECT_THAT(all, IsOk());
    if (!all.ok()) return false;
    for (const Delivery& d : *all) {
      if (d.row.id == id) return d.row.confirmed != 0;
    }
    return false;
  }

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Api> api_;
  std::string key_;
};

TEST_F(AcksApiTest, EmptyTooManyAndMalformedBodiesAreRefusedAndRecordNothing) {
  for (const std::string body : {R"({"acks":[]})", R"({})", R"({"acks":{}})", R"([])"}) {
    HttpResponse r = Acks(body);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
    EXPECT_EQ(JsonDoc(r.body).Str("/error/code"), "invalid_argument") << body;
  }
  std::string many = R"({"acks":[)";
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + R"({"delivery":"3.example_exchange","action":"stopped"})";
  HttpResponse r = Acks(many + "]}");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(JsonDoc(r.body).Str("/error/message"), HasSubstr("at most 1000 at a time"));
  // One bad item refuses the whole list: the good one before it is not kept.
  r = Acks(R"({"acks":[{"delivery":"3.example_exchange","action":"stopped"},{"delivery":"2.example_exchange"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(JsonDoc(r.body).Str("/error/message"), HasSubstr("needs `action`"));
  EXPECT_FALSE(Confirmed("3.example_exchange"));
  // Exactly 1000 (the same one repeated) is taken, and kept once.
  std::string thousand = R"({"acks":[)";
  for (int i = 0; i < 1000; ++i) {
    thousand += std::string(i ? "," : "") + R"({"delivery":"3.example_exchange","action":"stopped"})";
  }
  r = Acks(thousand + "]}");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Confirmed("3.example_exchange"));
}

}  // namespace
}  // namespace optin::server

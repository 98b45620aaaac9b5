// Publishing a catalog: what may be called editorial (docs/notice_version.md,
// "Material changes"), the word diffs of changed texts, and the
// publication history a reviewer reads afterwards.
#include <gmock/gmock.h>

#include "optin/engine.h"
#include "src/catalog/notice_diff.h"
#include "src/common/bytes.h"
#include "src/ledger/writer.h"
#include "src/common/time.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kShop = ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml");

std::string Edit(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  if (at == std::string::npos) ADD_FAILURE() << "`" << from << "` is not in the catalog";
  else s.replace(at, from.size(), to);
  return s;
}

class PublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(NewMemoryStore(), {.store = "memory:", .mode = StoreOpenMode::kCreate,
                                             .clock = [] { return int64_t{1'780'000'000'000'000}; }});
    ASSERT_THAT(e, IsOk());
    engine_ = std::move(e).value();
    ASSERT_THAT(Publish(kShop), IsOk());
    std::vector<std::string> ads = {"ads"};
    ASSERT_THAT(engine_->Grant("alice", ads, ctx_), IsOk());
  }

  Result<PublishResult> Publish(const std::string& yaml, std::vector<std::string> editorial = {}) {
    OPTIN_ASSIGN_OR_RETURN(Catalog c, ParseCatalog(yaml, "test.yaml"));
    return engine_->Publish(c, editorial, ctx_);
  }

  std::unique_ptr<Engine> engine_;
  WriteContext ctx_{.channel = "cli", .actor = "cli:test", .evidence = ""};
};

struct MaterialCase {
  std::string name;
  std::string purpose;   // the purpose named editorial
  std::string from, to;  // the edit to shop.yaml
  std::string names;     // what the refusal must say
  std::string from2 = {}, to2 = {};  // a second edit, when one is needed
};

void PrintTo(const MaterialCase& c, std::ostream* os) { *os << c.name; }

class MaterialChangeTest : public PublishTest, public ::testing::WithParamInterface<MaterialCase> {};

// Each of these changes what is collected, who receives it, how long it is
// kept, whether it is sold or shared, the legal basis, how long a "yes"
// lasts, or what the signals grant: never editorial.
const MaterialCase kMaterialCases[] = {
    {"DataAdded", "ads", "data: [clicks]\n    recipients", "data: [clicks, orders]\n    recipients", "`data` adds `orders`"},
    {"SensitiveDataAdded", "ads", "data: [clicks]\n    recipients", "data: [clicks, location]\n    recipients",
     "`data` adds `location` (sensitive)", "data_categories:\n",
     "data_categories:\n  location:\n    title: {en: Location, ja: 位置}\n"
     "    description: {en: Where you are., ja: 現在地。}\n    sensitive: true\n"},
    {"DataRemoved", "recommendations", "data: [orders, clicks]", "data: [orders]", "`data` removes `clicks`"},
    {"CategoryBecomesSensitive", "recommendations", "description: {en: What you ordered., ja: ご注文の内容。}",
     "description: {en: What you ordered., ja: ご注文の内容。}\n    sensitive: true",
     "`data` category `orders` is now sensitive"},
    {"RecipientAdded", "ads", "{name: Example Exchange, role: third_party}]",
     "{name: Example Exchange, role: third_party}, {name: Data Broker Inc, role: third_party}]",
     "`recipients` adds `Data Broker Inc` (third_party)"},
    {"RecipientRoleChanged", "ads", "{name: Example Ads, role: processor}", "{name: Example Ads, role: third_party}",
     "`recipients`: `Example Ads` changes role from processor to third_party"},
    {"SaleOrShare", "ads", "sale_or_share: true\n    signals:\n      tcf_purposes: [1, 3, 4]\n      tcf_vendors: [10, 755]\n      us: [sharing, targeted_advertising]\n",
     "sale_or_share: false\n    signals:\n      tcf_purposes: [1, 3, 4]\n      tcf_vendors: [10, 755]\n",
     "`sale_or_share` changes from true to false"},
    {"Retention", "ads", "retention: P13M", "retention: P26M", "`retention` changes from P1Y1M to P2Y2M"},
    {"Expiry", "ads", "expires: P12M", "expires: P24M", "`expires` changes from P1Y to P2Y"},
    {"SignalsGrantMore", "ads", "tcf_purposes: [1, 3, 4]", "tcf_purposes: [1, 3, 4, 7]",
     "`signals.tcf_purposes` adds 7"},
};

TEST_P(MaterialChangeTest, IsRefusedAsEditorialAndLapsesConsentsOtherwise) {
  const MaterialCase& c = GetParam();
  std::vector<std::string> purposes = {c.purpose};
  ASSERT_THAT(engine_->Grant("bob", purposes, ctx_), IsOk());
  // A text change too, so that the notice changes even where the field
  // itself is not part of it (signal mappings).
  const std::string text = c.purpose == "ads" ? "Ads that fit you." : "Useful suggestions.";
  std::string edited = Edit(kShop, c.from, c.to);
  if (!c.from2.empty()) edited = Edit(edited, c.from2, c.to2);
  const std::string yaml = Edit(edited, text, text.substr(0, text.size() - 1) + " indeed.");
  const uint64_t before = engine_->last_seq();
  auto r = Publish(yaml, {c.purpose});
  EXPECT_THAT(r, StatusIs(StatusCode::kFailedPrecondition,
                          AllOf(HasSubstr("nothing was published"), HasSubstr("`" + c.purpose + "`: "),
                                HasSubstr(c.names), HasSubstr("publish it as changed, not editorial"))));
  EXPECT_EQ(r.status().reason(), "material_change");
  EXPECT_EQ(engine_->last_seq(), before);
  EXPECT_EQ(engine_->Decide("bob", c.purpose).reason, Reason::kGranted);

  // Published as the material change it is, the earlier "yes" lapses.
  auto ok = Publish(yaml);
  ASSERT_THAT(ok, IsOk());
  EXPECT_THAT(ok->changed, ::testing::Contains(c.purpose));
  EXPECT_THAT(ok->notes, ::testing::Contains(HasSubstr(c.names)));
  EXPECT_EQ(engine_->Decide("bob", c.purpose).reason, Reason::kNoticeChanged);
}

INSTANTIATE_TEST_SUITE_P(Fields, MaterialChangeTest, ::testing::ValuesIn(kMaterialCases),
                         [](const auto& info) { return info.param.name; });

TEST_F(PublishTest, EveryRefusedPurposeIsNamedInOneError) {
  std::string yaml = Edit(Edit(kShop, "retention: P13M", "retention: P2Y"), "retention: P1Y\n", "retention: P3Y\n");
  auto r = Publish(yaml, {"ads", "recommendations"});
  EXPECT_THAT(r, StatusIs(StatusCode::kFailedPrecondition,
                          AllOf(HasSubstr("`ads`: `retention` changes from P1Y1M to P2Y"),
                                HasSubstr("`recommendations`: `retention` changes from P1Y to P3Y"))));
}

TEST_F(PublishTest, SignalsThatGrantMoreNeedTheNoticeToSaySo) {
  // The notice is the same, so no consent would lapse: refused whatever the flags.
  const std::string yaml = Edit(kShop, "tcf_vendors: [10, 755]", "tcf_vendors: [10, 755, 32]");
  for (const std::vector<std::string>& editorial : {std::vector<std::string>{}, std::vector<std::string>{"ads"}}) {
    EXPECT_THAT(Publish(yaml, editorial),
                StatusIs(StatusCode::kFailedPrecondition,
                         AllOf(HasSubstr("`signals.tcf_vendors` adds 32"), HasSubstr("its notice is unchanged"))));
  }
  // Mappings that grant less need nothing.
  auto fewer = Publish(Edit(kShop, "tcf_vendors: [10, 755]", "tcf_vendors: [755]"));
  ASSERT_THAT(fewer, IsOk());
  EXPECT_THAT(fewer->unchanged, ::testing::Contains("ads"));
  EXPECT_EQ(engine_->Decide("alice", "ads").reason, Reason::kGranted);
}

TEST_F(PublishTest, ChangesThatAreNotMaterialMayBeEditorial) {
  // Fewer recipients, and new words: the publisher's judgement.
  std::string yaml = Edit(kShop, "{name: Example Ads, role: processor}, ", "");
  yaml = Edit(yaml, "We show you ads based on your clicks.", "We show you ads chosen from your clicks.");
  yaml = Edit(yaml, "クリックに基づいて広告を表示します。", "クリックに基づいて広告をお見せします。");
  auto r = Publish(yaml, {"ads"});
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->editorial, ElementsAre("ads"));
  EXPECT_THAT(r->notes, ElementsAre("`ads`: recipient `Example Ads` removed"));
  ASSERT_EQ(r->texts.size(), 2u);
  EXPECT_EQ(r->texts[0].field, "description");
  EXPECT_EQ(r->texts[0].locale, "en");
  EXPECT_EQ(r->texts[0].diff, "We show you ads [-based on-]{+chosen from+} your clicks.");
  EXPECT_EQ(r->texts[1].locale, "ja");
  EXPECT_EQ(r->texts[1].diff, "クリックに基づいて広告を[-表示-]{+お見せ+}します。");
  EXPECT_EQ(engine_->Decide("alice", "ads").reason, Reason::kGranted);
}

TEST_F(PublishTest, TheLedgerKeepsWhatWasCalledEditorialAndItsDiffs) {
  const std::string v2 = Edit(kShop, "Ads that fit you.", "Ads that suit you.");
  ASSERT_THAT(Publish(v2, {"ads"}), IsOk());
  const std::string v3 = Edit(Edit(v2, "Useful suggestions.", "Handy suggestions."), "retention: P1Y\n", "retention: P2Y\n");
  ASSERT_THAT(Publish(v3), IsOk());

  auto check = [](const std::vector<PublicationRecord>& pubs) {
    ASSERT_EQ(pubs.size(), 3u);
    EXPECT_THAT(pubs[0].added, ElementsAre("delivery", "ads", "recommendations"));
    EXPECT_THAT(pubs[0].texts, IsEmpty());
    EXPECT_THAT(pubs[1].editorial, ElementsAre("ads"));
    EXPECT_THAT(pubs[1].changed, IsEmpty());
    ASSERT_EQ(pubs[1].texts.size(), 1u);
    EXPECT_EQ(pubs[1].texts[0].purpose, "ads");
    EXPECT_EQ(pubs[1].texts[0].field, "benefit");
    EXPECT_EQ(pubs[1].texts[0].diff, "Ads that [-fit-]{+suit+} you.");
    EXPECT_THAT(pubs[2].changed, ElementsAre("recommendations"));
    ASSERT_EQ(pubs[2].texts.size(), 1u);
    EXPECT_EQ(pubs[2].texts[0].diff, "[-Useful-]{+Handy+} suggestions.");
    EXPECT_EQ(pubs[2].actor, "cli:test");
  };
  auto pubs = engine_->Publications();
  ASSERT_THAT(pubs, IsOk());
  check(*pubs);
}

// Opens an engine over a store holding publication events with `payloads`.
Result<std::unique_ptr<Engine>> OpenWithPublications(const std::vector<std::string>& payloads) {
  auto store = NewMemoryStore();
  SecretKey secret{};
  OPTIN_ASSIGN_OR_RETURN(std::string stored_secret, store->Secret());
  std::copy(stored_secret.begin(), stored_secret.end(), secret.begin());
  internal::LedgerWriter writer(*store, secret, [] { return int64_t{1'780'000'000'000'000}; },
                                [](const Event&, std::string_view, std::string_view) { return OkStatus(); });
  for (const std::string& payload : payloads) {
    internal::EventDraft d;
    d.action = Action::kPublish;
    d.channel = "cli";
    d.actor = "cli:old";
    d.payload = payload;
    OPTIN_RETURN_IF_ERROR(writer.Append({d}).status());
  }
  return Engine::Open(std::move(store), {.store = "memory:", .mode = StoreOpenMode::kExisting});
}

TEST(PublicationPayload, PublicationsFromBeforeTextChangesWereKeptStillReplay) {
  // The earlier payload form: editorial ids, then the source, and nothing
  // after it (docs/ledger_format.md).
  ByteWriter old_form;
  old_form.U32(0);
  old_form.Field(kShop);
  auto engine = OpenWithPublications({old_form.str()});
  ASSERT_THAT(engine, IsOk());
  auto pubs = (*engine)->Publications();
  ASSERT_THAT(pubs, IsOk());
  ASSERT_EQ(pubs->size(), 1u);
  EXPECT_THAT((*pubs)[0].added, ElementsAre("delivery", "ads", "recommendations"));
  EXPECT_THAT((*pubs)[0].texts, IsEmpty());
  EXPECT_EQ((*pubs)[0].actor, "cli:old");

  // Bytes after the last change: damaged.
  ByteWriter trailing;
  trailing.U32(0);
  trailing.Field(kShop);
  trailing.U32(0);
  trailing.U8(1);
  EXPECT_THAT(OpenWithPublications({old_form.str(), trailing.str()}),
              StatusIs(StatusCode::kDataLoss, HasSubstr("event 2: damaged publication payload")));
}

TEST(PublicationPayload, ACatalogPublishedUnderEarlierRulesStillOpens) {
  // Before recipients' roles were checked, this was a valid catalog (a
  // sold-or-shared purpose whose only recipient acts on the company's
  // behalf, under a role the preference center does not know).
  std::string older = Edit(kShop, "recipients: [{name: Example Ads, role: processor}, {name: Example Exchange, role: third_party}]",
                           "recipients: [{name: Example Ads, role: service_provider}]");
  ASSERT_FALSE(ParseCatalog(older, "older.yaml").ok());
  ByteWriter payload;
  payload.U32(0);
  payload.Field(older);
  auto engine = OpenWithPublications({payload.str()});
  ASSERT_THAT(engine, IsOk());
  ASSERT_NE((*engine)->catalog(), nullptr);
  EXPECT_EQ((*engine)->catalog()->FindPurpose("ads")->recipients[0].role, "service_provider");
}

TEST(WordDiff, MarksRemovedAndAddedWords) {
  EXPECT_EQ(WordDiff("same text", "same text"), "same text");
  EXPECT_EQ(WordDiff("", "new words"), "{+new words+}");
  EXPECT_EQ(WordDiff("old words", ""), "[-old words-]");
  EXPECT_EQ(WordDiff("We may share it.", "We will share it, always."), "We [-may-]{+will+} share it{+, always+}.");
  // Japanese has no spaces: each character is a word.
  EXPECT_EQ(WordDiff("広告を表示します", "広告をお見せします"), "広告を[-表示-]{+お見せ+}します");
  EXPECT_EQ(WordDiff("café au lait", "café noir"), "café [-au lait-]{+noir+}");
}

}  // namespace
}  // namespace optin

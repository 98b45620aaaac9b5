// The HTTP API (DESIGN §6) against a real `optin serve` on a loopback port.
#include <gmock/gmock.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "optin/engine.h"
#include "optin/proof.h"
#include "optin/signals.h"
#include "src/common/time.h"
#include "tests/support/http_client.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::Connect;
using ::optin::testing::Http;
using ::optin::testing::HttpResult;
using ::optin::testing::JsonDoc;
using ::optin::testing::ReadFile;
using ::optin::testing::ReadResponse;
using ::optin::testing::RunOptin;
using ::optin::testing::SendAll;
using ::optin::testing::ServerProcess;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kShopPath = std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml";

// The notice version of purpose `id` in a GET /v1/purposes answer.
std::string NoticeOf(const std::string& purposes, std::string_view id) {
  JsonDoc doc(purposes);
  for (int64_t i = 0; i < doc.Size("/purposes"); ++i) {
    const std::string at = "/purposes/" + std::to_string(i);
    if (doc.Str(at + "/id") == id) return doc.Str(at + "/notice");
  }
  return "";
}

// The error code of an error answer.
std::string Code(const HttpResult& r) { return JsonDoc(r.body).Str("/error/code"); }

// The message of an error answer (`{"error":{"code","message"}}`).
std::string ErrorMessage(const HttpResult& r) { return JsonDoc(r.body).Str("/error/message"); }

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Cli({"init"}).exit_code, 0);
    ASSERT_EQ(Cli({"catalog", "publish", kShopPath}).exit_code, 0);
    check_ = Key("check", "pipeline");
    write_ = Key("write", "crm");
    admin_ = Key("admin", "ops");
    server_ = std::make_unique<ServerProcess>(db_, std::vector<std::string>{"--request-timeout", "2"});
    ASSERT_GT(server_->port(), 0) << server_->Stderr();
    HttpResult purposes = Http(port(), "GET", "/v1/purposes");
    ads_notice_ = NoticeOf(purposes.body, "ads");
    ASSERT_EQ(ads_notice_.size(), 64u);
  }

  testing::CommandResult Cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return RunOptin(args);
  }
  std::string Key(const std::string& scope, const std::string& name) {
    auto r = Cli({"key", "create", "--scope", scope, "--name", name});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "the key alone on one line";
    return r.out.substr(0, r.out.find('\n'));
  }
  int port() const { return server_->port(); }
  std::string Token(const std::string& subject, const std::string& ttl) {
    auto r = Cli({"link", subject, "--ttl", ttl, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return JsonDoc(r.out).Str("/token");
  }
  // A link token for `subject` that expired an hour ago: made by an engine
  // on the same store whose clock is two hours behind, not by waiting.
  std::string ExpiredToken(const std::string& subject) {
    const int64_t two_hours_ago = NowMicros() - int64_t{2} * 3600 * 1'000'000;
    auto engine = Engine::Open({.store = db_, .clock = [two_hours_ago] { return two_hours_ago; }});
    EXPECT_THAT(engine, ::optin::testing::IsOk());
    if (!engine.ok()) return "";
    auto link = (*engine)->CreateLink(subject, "PT1H", "https://privacy.example");
    EXPECT_THAT(link, ::optin::testing::IsOk());
    return link.ok() ? link->token : "";
  }
  HttpResult CheckAds(const std::string& subject) {
    return Http(port(), "POST", "/v1/check", R"({"subject":")" + subject + R"(","purpose":"ads"})", check_);
  }

  TempDir dir_;
  std::string db_ = dir_.File("optin.db");
  std::string check_, write_, admin_, ads_notice_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ApiTest, HealthAndPurposesArePublic) {
  HttpResult h = Http(port(), "GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_THAT(h.body, ::testing::MatchesRegex(R"(\{"status":"ok","last_seq":1,"lag_ms":[0-9]+\})"));
  HttpResult en = Http(port(), "GET", "/v1/purposes");
  EXPECT_EQ(en.status, 200);
  JsonDoc doc(en.body);
  EXPECT_EQ(doc.At("/organization"), R"({"name":"Example Shop","contact":"privacy@shop.example"})");
  EXPECT_EQ(doc.Str("/locale"), "en");
  HttpResult ja = Http(port(), "GET", "/v1/purposes", "", std::vector<std::string>{"Accept-Language: fr;q=0.9, ja-JP;q=0.8"});
  EXPECT_EQ(JsonDoc(ja.body).Str("/locale"), "ja");
  EXPECT_EQ(JsonDoc(ja.body).Str("/purposes/1/title"), "パーソナライズ広告");
  EXPECT_EQ(ja.headers["content-language"], "ja");
  EXPECT_EQ(JsonDoc(Http(port(), "GET", "/v1/purposes?locale=ja").body).Str("/locale"), "ja");
}

TEST_F(ApiTest, GrantCheckWithdrawThroughTheApi) {
  EXPECT_EQ(CheckAds("alice").body, R"({"allowed":false,"reason":"no_consent","event":null})");
  HttpResult g = Http(port(), "PUT", "/v1/subjects/alice/consents/ads", R"({"notice":")" + ads_notice_ + R"("})", write_);
  ASSERT_EQ(g.status, 200) << g.body;
  JsonDoc granted(g.body);
  EXPECT_EQ(granted.At("/allowed"), "true");
  EXPECT_EQ(granted.Str("/reason"), "granted");
  EXPECT_EQ(granted.At("/event"), "2");
  EXPECT_EQ(granted.At("/withdrawable"), "true");
  EXPECT_EQ(granted.Str("/recorded/channel"), "api");
  EXPECT_EQ(CheckAds("alice").body, R"({"allowed":true,"reason":"granted","event":2})");
  HttpResult w = Http(port(), "DELETE", "/v1/subjects/alice/consents/ads", "", write_);
  ASSERT_EQ(w.status, 200) << w.body;
  // In effect before the response: the very next check denies.
  EXPECT_EQ(CheckAds("alice").body, R"({"allowed":false,"reason":"withdrawn","event":3})");
  JsonDoc c(Http(port(), "GET", "/v1/subjects/alice/consents", "", write_).body);
  EXPECT_EQ(c.At("/purposes/1"),
            R"({"purpose":"ads","allowed":false,"reason":"withdrawn","event":3,"withdrawable":false,"expires_at":null})");
  JsonDoc h(Http(port(), "GET", "/v1/subjects/alice/history", "", admin_).body);
  EXPECT_EQ(h.Str("/events/0/action"), "grant");
  EXPECT_EQ(h.Str("/events/1/action"), "withdraw");
}

TEST_F(ApiTest, WithdrawEverythingInOneRequest) {
  for (const char* p : {"ads", "recommendations"}) {
    HttpResult purposes = Http(port(), "GET", "/v1/purposes");
    std::string notice = NoticeOf(purposes.body, p);
    ASSERT_EQ(Http(port(), "PUT", std::string("/v1/subjects/alice/consents/") + p, R"({"notice":")" + notice + R"("})", write_).status, 200);
  }
  HttpResult all = Http(port(), "DELETE", "/v1/subjects/alice/consents", "", Token("alice", "P1D"));
  ASSERT_EQ(all.status, 200) << all.body;
  JsonDoc doc(all.body);
  EXPECT_EQ(doc.Str("/subject"), "alice");
  EXPECT_EQ(doc.At("/purposes"),
            R"([{"purpose":"delivery","allowed":true,"reason":"necessary","event":1,"withdrawable":false,"expires_at":null},)"
            R"({"purpose":"ads","allowed":false,"reason":"withdrawn","event":4,"withdrawable":false,"expires_at":null},)"
            R"({"purpose":"recommendations","allowed":false,"reason":"withdrawn","event":5,"withdrawable":false,)"
            R"("expires_at":null}])");
  EXPECT_EQ(doc.Size("/receipts"), 2);
  JsonDoc h(Http(port(), "GET", "/v1/subjects/alice/history", "", write_).body);
  EXPECT_EQ(h.Str("/events/3/action"), "withdraw");
  EXPECT_EQ(h.Str("/events/3/channel"), "web");
  EXPECT_EQ(Http(port(), "POST", "/v1/subjects/alice/consents", "", write_).status, 405);
}

TEST_F(ApiTest, AStaleNoticeIsRefusedWith409) {
  HttpResult g = Http(port(), "PUT", "/v1/subjects/alice/consents/ads", R"({"notice":")" + std::string(64, 'a') + R"("})", write_);
  EXPECT_EQ(g.status, 409);
  EXPECT_EQ(Code(g), "failed_precondition");
  EXPECT_THAT(JsonDoc(g.body).Str("/error/message"), StartsWith("the notice of `ads` has changed"));
  EXPECT_EQ(Http(port(), "PUT", "/v1/subjects/alice/consents/ads", "{}", write_).status, 400);
  EXPECT_EQ(CheckAds("alice").body, R"({"allowed":false,"reason":"no_consent","event":null})");
}

TEST_F(ApiTest, BatchChecks) {
  ASSERT_EQ(Cli({"grant", "bob", "ads"}).exit_code, 0);
  // The server takes in what the CLI wrote within its sync interval.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  HttpResult b = Http(port(), "POST", "/v1/check/batch",
                      R"({"checks":[{"subject":"bob","purpose":"ads"},{"subject":"carol","purpose":"ads"},)"
                      R"({"subject":"carol","purpose":"delivery"},{"subject":"carol","purpose":"nope"}]})",
                      check_);
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.body, R"({"results":[{"allowed":true,"reason":"granted","event":2},)"
                    R"({"allowed":false,"reason":"no_consent","event":null},)"
                    R"({"allowed":true,"reason":"necessary","event":1},)"
                    R"({"allowed":false,"reason":"unknown_purpose","event":1}]})");
}

TEST_F(ApiTest, BadRequestsGetJsonErrorsWithStableCodes) {
  auto code = Code;
  HttpResult r = Http(port(), "POST", "/v1/check", "{not json", check_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(code(r), "invalid_argument");
  r = Http(port(), "POST", "/v1/check", R"({"subject":42,"purpose":"ads"})", check_);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(ErrorMessage(r), HasSubstr("`subject` must be a string"));
  r = Http(port(), "POST", "/v1/check", R"({"subject":"","purpose":"ads"})", check_);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(ErrorMessage(r), HasSubstr("subject id is empty"));
  r = Http(port(), "GET", "/v1/check", "", check_);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(code(r), "method_not_allowed");
  EXPECT_EQ(r.headers["allow"], "POST");
  r = Http(port(), "GET", "/v2/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(code(r), "not_found");
  r = Http(port(), "PUT", "/v1/subjects/alice/consents/nope", R"({"notice":"x"})", write_);
  EXPECT_EQ(r.status, 404);
  r = Http(port(), "PUT", "/v1/subjects/alice/consents/delivery", R"({"notice":"x"})", write_);
  EXPECT_EQ(r.status, 409);
  r = Http(port(), "GET", "/v1/subjects/%zz/consents", "", write_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers["content-type"], "application/json");
}

TEST_F(ApiTest, SubjectIdsInPathsArePercentDecoded) {
  HttpResult g = Http(port(), "PUT", "/v1/subjects/user%2042%2F%E6%97%A5/consents/ads",
                      R"({"notice":")" + ads_notice_ + R"("})", write_);
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(JsonDoc(g.body).Str("/subject"), "user 42/日");
  HttpResult c = Http(port(), "POST", "/v1/check", R"({"subject":"user 42/日","purpose":"ads"})", check_);
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(JsonDoc(c.body).At("/allowed"), "true");
}

// Who may do what: every endpoint against no key, a bad key, each scope,
// the subject's own link token, another subject's, and an expired one.
TEST_F(ApiTest, AuthorizationMatrix) {
  const std::string own = Token("alice", "P1D");
  const std::string other = Token("bob", "P1D");
  const std::string expired = ExpiredToken("alice");
  struct Call {
    std::string method, target, body;
  };
  const std::string grant_body = R"({"notice":")" + ads_notice_ + R"("})";
  const std::vector<Call> calls = {
      {"GET", "/healthz", ""},
      {"GET", "/v1/purposes", ""},
      {"POST", "/v1/check", R"({"subject":"alice","purpose":"ads"})"},
      {"POST", "/v1/check/batch", R"({"checks":[{"subject":"alice","purpose":"ads"}]})"},
      {"GET", "/v1/subjects/alice/consents", ""},
      {"GET", "/v1/subjects/alice/history", ""},
      {"PUT", "/v1/subjects/alice/consents/ads", grant_body},
      {"DELETE", "/v1/subjects/alice/consents/ads", ""},
      {"POST", "/v1/subjects/alice/link", ""},
      {"GET", "/v1/session", ""},
      {"GET", "/p/anything", ""},
  };
  // Expected status per caller: none, bad key, check, write, admin, own
  // token, another subject's token, expired token.
  const std::vector<std::vector<int>> expected = {
      {200, 200, 200, 200, 200, 200, 200, 200},  // healthz
      {200, 200, 200, 200, 200, 200, 200, 200},  // purposes
      {401, 401, 200, 200, 200, 403, 403, 401},  // check
      {401, 401, 200, 200, 200, 403, 403, 401},  // batch
      {401, 401, 403, 200, 200, 200, 403, 401},  // consents
      {401, 401, 403, 200, 200, 200, 403, 401},  // history
      {401, 401, 403, 200, 200, 200, 403, 401},  // grant
      {401, 401, 403, 200, 200, 200, 403, 401},  // withdraw
      {401, 401, 403, 403, 200, 403, 403, 401},  // link
      {401, 401, 403, 403, 403, 200, 200, 401},  // session
      {200, 200, 200, 200, 200, 200, 200, 200},  // the page itself holds no data
  };
  const std::vector<std::string> callers = {"", "optin_not-a-real-key", check_, write_, admin_, own, other, expired};
  for (size_t c = 0; c < calls.size(); ++c) {
    for (size_t k = 0; k < callers.size(); ++k) {
      HttpResult r = Http(port(), calls[c].method, calls[c].target, calls[c].body, callers[k]);
      EXPECT_EQ(r.status, expected[c][k]) << calls[c].method << " " << calls[c].target << " as caller " << k << ": "
                                          << r.body;
      if (r.status == 401) {
        EXPECT_EQ(r.headers["www-authenticate"], "Bearer");
      }
    }
  }
  // A write key records with channel `api` only; admin may name another.
  const std::string web_body = R"({"notice":")" + ads_notice_ + R"(","channel":"web"})";
  EXPECT_EQ(Http(port(), "PUT", "/v1/subjects/alice/consents/ads", web_body, write_).status, 403);
  EXPECT_EQ(Http(port(), "PUT", "/v1/subjects/alice/consents/ads", web_body, admin_).status, 200);
}

TEST_F(ApiTest, ALinkOpensOnlyItsOwnRecord) {
  HttpResult made = Http(port(), "POST", "/v1/subjects/alice/link", R"({"ttl":"P2D"})", admin_);
  ASSERT_EQ(made.status, 200) << made.body;
  const std::string url = JsonDoc(made.body).Str("/url");
  const std::string token = JsonDoc(made.body).Str("/token");
  EXPECT_EQ(url, "http://127.0.0.1:" + std::to_string(port()) + "/p/" + token);
  EXPECT_EQ(token.find("alice"), std::string::npos) << "the token does not show whose record it opens";
  HttpResult session = Http(port(), "GET", "/v1/session", "", token);
  EXPECT_EQ(JsonDoc(session.body).Str("/subject"), "alice");
  EXPECT_EQ(JsonDoc(session.body).Str("/expires").size(), 27u) << session.body;  // 2026-12-06T21:58:47.223092Z
  // The customer says yes and no themselves: recorded with channel `web`.
  HttpResult g = Http(port(), "PUT", "/v1/subjects/alice/consents/ads", R"({"notice":")" + ads_notice_ + R"("})", token);
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(JsonDoc(g.body).Str("/recorded/channel"), "web");
  EXPECT_EQ(CheckAds("alice").body, R"({"allowed":true,"reason":"granted","event":2})");
  EXPECT_EQ(Http(port(), "DELETE", "/v1/subjects/alice/consents/ads", "", token).status, 200);
  EXPECT_EQ(CheckAds("alice").body, R"({"allowed":false,"reason":"withdrawn","event":3})");
  EXPECT_EQ(Http(port(), "PUT", "/v1/subjects/bob/consents/ads", R"({"notice":")" + ads_notice_ + R"("})", token).status, 403);
  // A token altered by one character opens nothing.
  std::string bent = token;
  bent[bent.size() / 2] = bent[bent.size() / 2] == 'A' ? 'B' : 'A';
  HttpResult r = Http(port(), "GET", "/v1/subjects/alice/consents", "", bent);
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(ErrorMessage(r), HasSubstr("the link is not valid"));
  // The CLI makes the same links.
  auto cli = Cli({"link", "alice", "--base-url", "https://privacy.shop.example/"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_THAT(cli.out, StartsWith("https://privacy.shop.example/p/"));
  EXPECT_EQ(Cli({"link", "alice", "--ttl", "P400D"}).exit_code, 2);
}

// (That a link works until the moment it expires is stepped through on an
// injected clock in router_test.cc.)
TEST_F(ApiTest, AnExpiredLinkSaysSo) {
  HttpResult r = Http(port(), "GET", "/v1/session", "", ExpiredToken("alice"));
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(ErrorMessage(r), HasSubstr("the link has expired"));
}

TEST_F(ApiTest, ThePreferenceCenterPageIsServedWithAStrictPolicy) {
  HttpResult page = Http(port(), "GET", "/p/" + Token("alice", "P1D"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_THAT(page.headers["content-security-policy"], HasSubstr("script-src 'self'"));
  EXPECT_THAT(page.headers["content-security-policy"], HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(page.headers["content-security-policy"].find("unsafe-inline"), std::string::npos);
  EXPECT_THAT(page.body, HasSubstr("/static/app.js"));
  for (const char* file : {"/static/app.js", "/static/style.css", "/static/i18n/en.json", "/static/i18n/ja.json"}) {
    EXPECT_EQ(Http(port(), "GET", file).status, 200) << file;
  }
  EXPECT_EQ(Http(port(), "GET", "/static/../optin.db").status, 404);
  EXPECT_EQ(Http(port(), "GET", "/").status, 200);
}

// Reads from `fd` until `needle` appears or `ms` pass; returns what was read.
std::string ReadUntil(int fd, const std::string& needle, int ms, std::string sofar = "") {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (sofar.find(needle) == std::string::npos) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) break;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    sofar.append(buf, static_cast<size_t>(n));
  }
  return sofar;
}

TEST_F(ApiTest, TheChangeFeedShowsAWithdrawalWithinASecond) {
  ASSERT_EQ(Http(port(), "PUT", "/v1/subjects/alice/consents/ads", R"({"notice":")" + ads_notice_ + R"("})", write_).status, 200);
  int fd = Connect(port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /v1/changes?after=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + write_ + "\r\n\r\n"));
  std::string got = ReadUntil(fd, "id: 2\n", 2000);
  EXPECT_THAT(got, HasSubstr("Content-Type: text/event-stream"));
  EXPECT_THAT(got, HasSubstr("id: 2\nevent: grant\ndata: {\"seq\":2,"));
  EXPECT_EQ(got.find("id: 1\n"), std::string::npos) << "only changes after 1";
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(Http(port(), "DELETE", "/v1/subjects/alice/consents/ads", "", write_).status, 200);
  got = ReadUntil(fd, "event: withdraw", 1000, got);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  const std::string frame = "id: 3\nevent: withdraw\ndata: ";
  const size_t at = got.find(frame);
  ASSERT_NE(at, std::string::npos) << got;
  const size_t data = at + frame.size();
  JsonDoc change(got.substr(data, got.find('\n', data) - data));
  EXPECT_EQ(change.At("/seq"), "3");
  EXPECT_EQ(change.Str("/action"), "withdraw");
  EXPECT_EQ(change.Str("/purpose"), "ads");
  EXPECT_EQ(change.Str("/channel"), "api");
  EXPECT_EQ(change.Str("/subject"), "alice");
  close(fd);

  // Resuming with Last-Event-ID starts after it.
  fd = Connect(port());
  ASSERT_TRUE(SendAll(fd, "GET /v1/changes?after=0 HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 2\r\nAuthorization: Bearer " +
                              admin_ + "\r\n\r\n"));
  got = ReadUntil(fd, "id: 3\n", 2000);
  EXPECT_THAT(got, HasSubstr("id: 3\n"));
  EXPECT_EQ(got.find("id: 2\n"), std::string::npos);
  close(fd);

  EXPECT_EQ(Http(port(), "GET", "/v1/changes", "", check_).status, 403);
  EXPECT_EQ(Http(port(), "GET", "/v1/changes", "", Token("alice", "P1D")).status, 403);
  EXPECT_EQ(Http(port(), "GET", "/v1/changes").status, 401);
  EXPECT_EQ(Http(port(), "GET", "/v1/changes?after=x", "", write_).status, 400);
}

TEST_F(ApiTest, GlobalPrivacyControlFromACompanysSite) {
  HttpResult wk = Http(port(), "GET", "/.well-known/gpc.json");
  EXPECT_EQ(wk.status, 200);
  // The day the notices in force were published, from the ledger.
  const std::string published = JsonDoc(Cli({"catalog", "history", "--json"}).out).Str("/publications/0/time");
  ASSERT_GE(published.size(), 20u) << published;  // 2026-12-04T16:21:00.123456Z
  EXPECT_EQ(wk.body, R"({"gpc":true,"lastUpdate":")" + published.substr(0, 10) + R"("})");
  ASSERT_EQ(Http(port(), "PUT", "/v1/subjects/alice/consents/ads", R"({"notice":")" + ads_notice_ + R"("})", write_).status, 200);
  HttpResult s = Http(port(), "POST", "/v1/subjects/alice/signals", R"({"gpc":true})", write_);
  ASSERT_EQ(s.status, 200) << s.body;
  JsonDoc signal(s.body);
  EXPECT_EQ(signal.Str("/subject"), "alice");
  EXPECT_EQ(signal.At("/gpc"), "true");
  EXPECT_EQ(signal.At("/recorded"), "true");
  EXPECT_EQ(signal.At("/event"), "3");
  EXPECT_EQ(signal.Str("/receipt/receipt/action"), "signal");
  EXPECT_EQ(CheckAds("alice").body, R"({"allowed":false,"reason":"gpc_opt_out","event":3})");
  // Repeating it records nothing; `false` is no signal and grants nothing.
  EXPECT_EQ(Http(port(), "POST", "/v1/subjects/alice/signals", R"({"gpc":true})", write_).body,
            R"({"subject":"alice","gpc":true,"recorded":false,"event":null})");
  EXPECT_EQ(Http(port(), "POST", "/v1/subjects/alice/signals", R"({"gpc":false})", write_).body,
            R"({"subject":"alice","gpc":false,"recorded":false,"event":null})");
  EXPECT_EQ(CheckAds("alice").body, R"({"allowed":false,"reason":"gpc_opt_out","event":3})");
  EXPECT_EQ(Http(port(), "POST", "/v1/subjects/alice/signals", R"({"gpc":"yes"})", write_).status, 400);
  EXPECT_EQ(Http(port(), "POST", "/v1/subjects/alice/signals", R"({"gpc":true})", check_).status, 403);
  JsonDoc h(Http(port(), "GET", "/v1/subjects/alice/history", "", write_).body);
  EXPECT_EQ(h.At("/events/1/seq"), "3");
  EXPECT_EQ(h.Str("/events/1/purpose"), "");
  EXPECT_EQ(h.Str("/events/1/action"), "signal");
  EXPECT_EQ(h.Str("/events/1/notice"), "");
  EXPECT_EQ(h.Str("/events/1/channel"), "gpc");
}

TEST_F(ApiTest, SubjectSignalsFollowConsentAndGpc) {
  HttpResult none = Http(port(), "GET", "/v1/subjects/alice/signals", "", write_);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(JsonDoc(none.body).At("/gpc"), "false");
  EXPECT_EQ(JsonDoc(none.body).Str("/us_privacy"), "1YYN");
  EXPECT_EQ(JsonDoc(none.body).Str("/consent_mode/ad_storage"), "denied");
  ASSERT_EQ(Http(port(), "PUT", "/v1/subjects/alice/consents/ads", R"({"notice":")" + ads_notice_ + R"("})", write_).status, 200);
  HttpResult granted = Http(port(), "GET", "/v1/subjects/alice/signals", "", write_);
  EXPECT_EQ(JsonDoc(granted.body).Str("/consent_mode/ad_storage"), "granted");
  const std::string gpp = JsonDoc(granted.body).Str("/gpp_string");
  Result<GppDecoded> d = DecodeGppString(gpp);
  ASSERT_THAT(d, ::optin::testing::IsOk()) << gpp;
  EXPECT_EQ(d->gpp.usnat->sharing_opt_out, 2);  // did not opt out
  EXPECT_EQ(d->gpp.usnat->gpc, std::optional<bool>(false));
  EXPECT_EQ(d->gpp.tcfeuv2->vendor_consents, (std::vector<int>{10, 755}));
  // GPC from the customer's browser: sharing is opted out at once.
  HttpResult after = Http(port(), "GET", "/v1/subjects/alice/signals", "", std::vector<std::string>{"Authorization: Bearer " + write_, "Sec-GPC: 1"});
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(JsonDoc(after.body).At("/gpc"), "true");
  EXPECT_EQ(JsonDoc(after.body).Str("/consent_mode/ad_storage"), "denied");
  d = DecodeGppString(JsonDoc(after.body).Str("/gpp_string"));
  ASSERT_THAT(d, ::optin::testing::IsOk());
  EXPECT_EQ(d->gpp.usnat->sharing_opt_out, 1);
  EXPECT_EQ(d->gpp.usnat->gpc, std::optional<bool>(true));
  EXPECT_TRUE(d->gpp.tcfeuv2->vendor_consents.empty());
  // The subject's own link reads them; a check key may not; PUT is no method here.
  EXPECT_EQ(Http(port(), "GET", "/v1/subjects/alice/signals", "", Token("alice", "P1D")).status, 200);
  EXPECT_EQ(Http(port(), "GET", "/v1/subjects/alice/signals", "", check_).status, 403);
  EXPECT_EQ(Http(port(), "PUT", "/v1/subjects/alice/signals", "{}", write_).status, 405);
}

TEST_F(ApiTest, TheLogIsPublicAndProvesEveryEvent) {
  ASSERT_EQ(Http(port(), "PUT", "/v1/subjects/alice/consents/ads", R"({"notice":")" + ads_notice_ + R"("})", write_).status, 200);
  HttpResult head = Http(port(), "GET", "/v1/log/head");  // no key needed
  ASSERT_EQ(head.status, 200) << head.body;
  Result<SignedTreeHead> h = TreeHeadFromJson(head.body);
  ASSERT_THAT(h, ::optin::testing::IsOk()) << head.body;
  EXPECT_EQ(h->tree_size, 2u);
  HttpResult key = Http(port(), "GET", "/v1/log/key");
  ASSERT_EQ(key.status, 200);
  JsonDoc k(key.body);
  EXPECT_EQ(k.Str("/key_id"), h->key_id);
  EXPECT_EQ(k.Str("/algorithm"), "Ed25519");
  EXPECT_THAT(k.Str("/public_key_pem"), StartsWith("-----BEGIN PUBLIC KEY-----"));
  HttpResult inclusion = Http(port(), "GET", "/v1/log/proof/inclusion?seq=2&tree_size=2");
  ASSERT_EQ(inclusion.status, 200) << inclusion.body;
  JsonDoc proof(inclusion.body);
  EXPECT_EQ(proof.At("/leaf_index"), "1");
  EXPECT_EQ(proof.At("/tree_size"), "2");
  EXPECT_EQ(proof.Str("/leaf_hash").size(), 64u);
  EXPECT_EQ(proof.Size("/audit_path"), 1);
  HttpResult consistency = Http(port(), "GET", "/v1/log/proof/consistency?from=1&to=2");
  ASSERT_EQ(consistency.status, 200) << consistency.body;
  JsonDoc grew(consistency.body);
  EXPECT_EQ(grew.At("/first"), "1");
  EXPECT_EQ(grew.At("/second"), "2");
  EXPECT_EQ(grew.Size("/path"), 1);
  HttpResult bad = Http(port(), "GET", "/v1/log/proof/inclusion?seq=9");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Code(bad), "invalid_argument");
  EXPECT_EQ(Http(port(), "GET", "/v1/log/proof/inclusion?seq=x").status, 400);
  EXPECT_EQ(Http(port(), "GET", "/v1/log/proof/consistency?from=2").status, 400);
  // Sizes and event numbers start at 1 and are given once.
  for (const char* query : {"seq=2&tree_size=0", "seq=2&tree_size=", "seq=2&seq=1", "seq=0"}) {
    HttpResult r = Http(port(), "GET", std::string("/v1/log/proof/inclusion?") + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(Code(r), "invalid_argument") << query;
  }
  EXPECT_EQ(Http(port(), "GET", "/v1/log/proof/consistency?from=0&to=2").status, 400);
  EXPECT_EQ(Http(port(), "POST", "/v1/log/head", "{}").status, 405);
}

TEST(ServerHeads, EveryWriteThroughTheServerIsCoveredByASignedHead) {
  TempDir dir;
  const std::string db = dir.File("optin.db");
  ASSERT_EQ(RunOptin({"--db", db, "init", "--demo"}).exit_code, 0);
  const std::string key = RunOptin({"--db", db, "key", "create", "--scope", "write"}).out;
  optin::testing::ServerProcess server(db);
  ASSERT_GT(server.port(), 0) << server.Stderr();
  auto r = Http(server.port(), "DELETE", "/v1/subjects/alice/consents/ad_targeting", "", key.substr(0, key.size() - 1));
  ASSERT_EQ(r.status, 200) << r.body;
  // Acknowledged means covered: the head was kept in the same transaction.
  EXPECT_THAT(RunOptin({"--db", db, "verify"}).out, HasSubstr("log root matches the latest signed tree head (2 events)"));
}

// The verifier docs/log_format.md prints, run as it stands: a stranger's
// check of the server's log, of its growth since an older head, and of a
// receipt.
TEST(DocumentedVerifier, ChecksTheLogItsGrowthAndAReceipt) {
  const std::string doc = ReadFile(std::string(OPTIN_SOURCE_DIR) + "/docs/log_format.md");
  const size_t begin = doc.find("```python\n");
  ASSERT_NE(begin, std::string::npos);
  const size_t end = doc.find("```", begin + 10);
  TempDir dir;
  const std::string script = dir.Write("verify.py", doc.substr(begin + 10, end - begin - 10));
  const std::string db = dir.File("optin.db");
  ASSERT_EQ(RunOptin({"--db", db, "init", "--demo"}).exit_code, 0);
  ASSERT_EQ(RunOptin({"--db", db, "grant", "alice", "ad_targeting"}).exit_code, 0);
  const std::string old_head = dir.Write("old.json", RunOptin({"--db", db, "log", "head"}).out);
  const std::string receipt = dir.File("receipt.json");
  ASSERT_EQ(RunOptin({"--db", db, "grant", "bob", "ad_targeting", "location_sharing", "--receipt", receipt}).exit_code, 0);
  const std::string pem = dir.Write("company.pem", RunOptin({"--db", db, "log", "key", "--pem"}).out);
  ServerProcess server(db);
  ASSERT_GT(server.port(), 0) << server.Stderr();
  auto log = optin::testing::RunCommand(
      {"python3", script, "http://127.0.0.1:" + std::to_string(server.port()), old_head});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_EQ(log.out, "head signature: True\nevent 1 included: True\nold head signature: True\nonly grew since: True\n");
  auto checked = optin::testing::RunCommand({"python3", script, "--receipt", receipt, pem});
  ASSERT_EQ(checked.exit_code, 0) << checked.err;
  const std::string all_true = "{'signature': True, 'tree_head': True, 'leaf': True, 'inclusion': True, 'notice': True}";
  EXPECT_EQ(checked.out, "receipt 3 " + all_true + "\nreceipt 4 " + all_true + "\n");
  // A receipt changed by one word fails its signature.
  std::string forged = ReadFile(receipt);
  forged.replace(forged.find("\"given\""), 7, "\"taken\"");
  auto bad = optin::testing::RunCommand({"python3", script, "--receipt", dir.Write("forged.json", forged), pem});
  EXPECT_THAT(bad.out, HasSubstr("receipt 3 {'signature': False"));
}

TEST_F(ApiTest, EveryRecordedChangeReturnsAReceipt) {
  HttpResult g = Http(port(), "PUT", "/v1/subjects/alice/consents/ads", R"({"notice":")" + ads_notice_ + R"("})", write_);
  ASSERT_EQ(g.status, 200) << g.body;
  const std::string key = *ParseEd25519PublicKey(JsonDoc(Http(port(), "GET", "/v1/log/key").body).Str("/public_key"));
  auto receipt_of = [](const std::string& body) { return JsonDoc(body).At("/receipt"); };
  auto v = VerifyReceipt(receipt_of(g.body), key);
  ASSERT_THAT(v, ::optin::testing::IsOk()) << g.body;
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->action, "grant");
  HttpResult w = Http(port(), "DELETE", "/v1/subjects/alice/consents/ads", "", write_);
  v = VerifyReceipt(receipt_of(w.body), key);
  ASSERT_THAT(v, ::optin::testing::IsOk()) << w.body;
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->action, "withdraw");
  HttpResult s = Http(port(), "POST", "/v1/subjects/alice/signals", R"({"gpc":true})", write_);
  v = VerifyReceipt(receipt_of(s.body), key);
  ASSERT_THAT(v, ::optin::testing::IsOk()) << s.body;
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->action, "signal");
  HttpResult all = Http(port(), "DELETE", "/v1/subjects/alice/consents", "", write_);
  EXPECT_EQ(JsonDoc(all.body).Str("/receipts/0/key_id").size(), 16u) << all.body;
  // The list, for the customer's own link too, in their language.
  HttpResult list = Http(port(), "GET", "/v1/subjects/alice/receipts?locale=ja", "", Token("alice", "P1D"));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(JsonDoc(list.body).Str("/receipts/0/receipt/purpose/title"), "パーソナライズ広告");
  // The response as saved is a receipt file (`optin receipt verify` reads it).
  auto receipts = ReceiptsInFile(list.body);
  ASSERT_THAT(receipts, ::optin::testing::IsOk());
  EXPECT_EQ(receipts->size(), 5u);  // grant, withdraw, signal, then withdraw all: ads and recommendations
  for (const std::string& r : *receipts) EXPECT_TRUE(VerifyReceipt(r, key)->ok);
  EXPECT_EQ(Http(port(), "GET", "/v1/subjects/alice/receipts", "", Token("bob", "P1D")).status, 403);
  EXPECT_EQ(Http(port(), "GET", "/v1/subjects/alice/receipts", "", check_).status, 403);
}

TEST_F(ApiTest, ExportAndErasure) {
  ASSERT_EQ(Http(port(), "PUT", "/v1/subjects/alice/consents/ads", R"({"notice":")" + ads_notice_ + R"("})", write_).status, 200);
  const std::string alice = Token("alice", "P1D");
  HttpResult json = Http(port(), "GET", "/v1/subjects/alice/export", "", alice);
  ASSERT_EQ(json.status, 200) << json.body;
  JsonDoc exported(json.body);
  EXPECT_EQ(exported.Str("/subject"), "alice");
  EXPECT_EQ(exported.Str("/exported").size(), 27u);
  EXPECT_EQ(exported.Str("/notices/0/version"), ads_notice_);
  EXPECT_EQ(exported.Str("/notices/0/purpose"), "ads");
  EXPECT_EQ(exported.Str("/notices/0/title"), "Personalized ads");
  EXPECT_THAT(exported.Str("/notices/0/text"), StartsWith("{"));
  EXPECT_EQ(exported.Str("/decisions/1/purpose"), "ads");
  EXPECT_EQ(exported.At("/decisions/1/withdrawable"), "true");
  // With the customer's own link, the page leads back to theirs, where
  // receipts are checked; an admin's export has no link to give.
  HttpResult own = Http(port(), "GET", "/v1/subjects/alice/export?format=html", "", alice);
  ASSERT_EQ(own.status, 200);
  EXPECT_THAT(own.body, HasSubstr("/p/" + alice + "\">Open your privacy choices page</a>"));
  HttpResult html = Http(port(), "GET", "/v1/subjects/alice/export?format=html&locale=ja", "", admin_);
  ASSERT_EQ(html.status, 200);
  EXPECT_THAT(html.body, ::testing::Not(HasSubstr("<a href")));
  EXPECT_THAT(html.body, HasSubstr("<html lang=\"ja\">"));
  EXPECT_THAT(html.body, HasSubstr("パーソナライズ広告"));
  EXPECT_THAT(html.headers["content-security-policy"], HasSubstr("frame-ancestors 'none'"));
  HttpResult xml = Http(port(), "GET", "/v1/subjects/alice/export?format=xml", "", admin_);
  EXPECT_EQ(xml.status, 400);
  EXPECT_THAT(ErrorMessage(xml), HasSubstr("`format` is `json` or `html`, not `xml`"));
  EXPECT_EQ(Http(port(), "GET", "/v1/subjects/alice/export", "", write_).status, 403);
  EXPECT_EQ(Http(port(), "GET", "/v1/subjects/alice/export", "", Token("bob", "P1D")).status, 403);
  // Erasure: admin only.
  EXPECT_EQ(Http(port(), "DELETE", "/v1/subjects/alice", "", write_).status, 403);
  EXPECT_EQ(Http(port(), "DELETE", "/v1/subjects/alice", "", alice).status, 403);
  EXPECT_EQ(Http(port(), "DELETE", "/v1/subjects/alice").status, 401);
  HttpResult erased = Http(port(), "DELETE", "/v1/subjects/alice", "", admin_);
  ASSERT_EQ(erased.status, 200) << erased.body;
  JsonDoc gone(erased.body);
  EXPECT_EQ(gone.Str("/subject"), "alice");
  EXPECT_EQ(gone.At("/erased"), "true");
  EXPECT_EQ(gone.At("/event"), "3");
  EXPECT_EQ(CheckAds("alice").body, R"({"allowed":false,"reason":"no_consent","event":null})");
  EXPECT_EQ(Code(Http(port(), "DELETE", "/v1/subjects/alice", "", admin_)), "not_found");
  EXPECT_EQ(Http(port(), "GET", "/v1/subjects/alice", "", admin_).status, 405);
}

TEST_F(ApiTest, GlobalPrivacyControlInThePreferenceCenter) {
  const std::string token = Token("carol", "P1D");
  const std::vector<std::string> gpc = {"Authorization: Bearer " + token, "Sec-GPC: 1"};
  // The page's first request carries the browser's signal: recorded once.
  EXPECT_EQ(Http(port(), "GET", "/v1/session", "", gpc).status, 200);
  EXPECT_EQ(Http(port(), "GET", "/v1/subjects/carol/consents", "", gpc).status, 200);
  EXPECT_EQ(CheckAds("carol").body, R"({"allowed":false,"reason":"gpc_opt_out","event":2})");
  // A grant of a sold-or-shared purpose under GPC needs the conflict acknowledged.
  HttpResult refused = Http(port(), "PUT", "/v1/subjects/carol/consents/ads", R"({"notice":")" + ads_notice_ + R"("})", gpc);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(Code(refused), "gpc_conflict");
  HttpResult granted = Http(port(), "PUT", "/v1/subjects/carol/consents/ads",
                            R"({"notice":")" + ads_notice_ + R"(","gpc_conflict_acknowledged":true})", gpc);
  ASSERT_EQ(granted.status, 200) << granted.body;
  EXPECT_EQ(CheckAds("carol").body, R"({"allowed":true,"reason":"granted","event":3})");
  // It is recorded as knowing: the history says so.
  JsonDoc history(Http(port(), "GET", "/v1/subjects/carol/history", "", gpc).body);
  EXPECT_EQ(history.Str("/events/1/action"), "grant");
  EXPECT_EQ(history.Str("/events/1/notice"), ads_notice_);
  EXPECT_EQ(history.Str("/events/1/channel"), "web");
  EXPECT_EQ(history.At("/events/1/gpc_conflict_acknowledged"), "true");
  // The signal repeating on later requests does not undo it.
  EXPECT_EQ(Http(port(), "GET", "/v1/subjects/carol/consents", "", gpc).status, 200);
  EXPECT_EQ(CheckAds("carol").body, R"({"allowed":true,"reason":"granted","event":3})");
}

TEST_F(ApiTest, KeysAreNeverStoredOrLoggedInClear) {
  HttpResult r = Http(port(), "POST", "/v1/check", R"({"subject":"alice","purpose":"ads"})", admin_);
  EXPECT_EQ(r.status, 200);
  std::string stored = ReadFile(db_) + ReadFile(db_ + "-wal");
  EXPECT_EQ(stored.find(admin_), std::string::npos);
  EXPECT_EQ(stored.find(check_), std::string::npos);
  EXPECT_EQ(server_->Stderr().find(admin_), std::string::npos);
  auto list = Cli({"key", "list", "--json"});
  JsonDoc keys(list.out);
  bool listed = false;
  for (int64_t i = 0; i < keys.Size("/keys"); ++i) {
    const std::string at = "/keys/" + std::to_string(i);
    if (keys.Str(at + "/name") == "crm") listed = keys.Str(at + "/scope") == "write" && keys.Has(at + "/created");
  }
  EXPECT_TRUE(listed) << list.out;
  EXPECT_EQ(list.out.find("optin_"), std::string::npos);
}

TEST_F(ApiTest, KeepAliveServesManyRequestsOnOneConnection) {
  int fd = Connect(port());
  ASSERT_GE(fd, 0);
  const std::string body = R"({"subject":"alice","purpose":"ads"})";
  const std::string req = "POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + check_ +
                          "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(SendAll(fd, req));
    HttpResult r = ReadResponse(fd);
    EXPECT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.body, R"({"allowed":false,"reason":"no_consent","event":null})");
  }
  close(fd);
}

TEST_F(ApiTest, ResponsesCarrySecurityHeaders) {
  HttpResult r = Http(port(), "GET", "/v1/purposes");
  EXPECT_EQ(r.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
  EXPECT_EQ(r.headers["referrer-policy"], "no-referrer");
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(r.headers["cache-control"], "no-store");
}

TEST_F(ApiTest, OversizedBodiesAndHeadersAreRefused) {
  HttpResult big = Http(port(), "POST", "/v1/check", std::string(10 * 1024 * 1024, ' '), check_);
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Code(big), "payload_too_large");
  HttpResult headers = Http(port(), "GET", "/healthz", "", std::vector<std::string>{"X-Filler: " + std::string(32 * 1024, 'a')});
  EXPECT_EQ(headers.status, 431);
  EXPECT_EQ(Code(headers), "header_too_large");
  EXPECT_EQ(Http(port(), "GET", "/healthz").status, 200);  // and the server is fine
}

TEST_F(ApiTest, ASlowClientIsCutOffWithoutHarmingOthers) {
  int slow = Connect(port());
  ASSERT_GE(slow, 0);
  ASSERT_TRUE(SendAll(slow, "POST /v1/check HTTP/1.1\r\nHost: x\r\n"));  // and then nothing more
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Http(port(), "GET", "/healthz").status, 200);
  // The server's request timeout is 2 s here: the slow connection is closed.
  char buf[16];
  struct timeval tv {5, 0};
  setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto start = std::chrono::steady_clock::now();
  ssize_t n = recv(slow, buf, sizeof buf, 0);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(n, 0) << "the server should close the connection";
  EXPECT_LT(waited, std::chrono::milliseconds(4500));
  close(slow);
}

TEST_F(ApiTest, SigtermStopsGracefullyAndKeepsEveryAcknowledgedWrite) {
  std::vector<std::thread> writers;
  std::atomic<int> acknowledged{0};
  std::vector<std::string> acked_subjects[4];
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string subject = "w" + std::to_string(t) + "-" + std::to_string(i);
        HttpResult r = Http(port(), "PUT", "/v1/subjects/" + subject + "/consents/ads",
                            R"({"notice":")" + ads_notice_ + R"("})", write_);
        if (r.status != 200) break;
        acked_subjects[t].push_back(subject);
        ++acknowledged;
      }
    });
  }
  while (acknowledged < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(server_->Terminate(), 0);
  for (auto& w : writers) w.join();
  for (const auto& list : acked_subjects) {
    for (const auto& s : list) EXPECT_EQ(Cli({"check", s, "ads"}).exit_code, 0) << s;
  }
  EXPECT_EQ(Cli({"verify"}).exit_code, 0);
}

TEST(ServerLimits, ConnectionsBeyondTheLimitAreTurnedAway) {
  TempDir dir;
  std::string db = dir.File("optin.db");
  ASSERT_EQ(RunOptin({"--db", db, "init", "--demo"}).exit_code, 0);
  ServerProcess server(db, {"--max-connections", "2", "--max-connections-per-client", "0"});
  ASSERT_GT(server.port(), 0) << server.Stderr();
  int a = Connect(server.port()), b = Connect(server.port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both accepted
  HttpResult third = Http(server.port(), "GET", "/v1/purposes");
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(Code(third), "unavailable");
  close(a);
  close(b);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Http(server.port(), "GET", "/v1/purposes").status, 200);
}

TEST(KeyCli, CreateListRevoke) {
  TempDir dir;
  std::string db = dir.File("optin.db");
  ASSERT_EQ(RunOptin({"--db", db, "init"}).exit_code, 0);
  auto created = RunOptin({"--db", db, "key", "create", "--scope", "write", "--name", "crm"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, ::testing::MatchesRegex("optin_[A-Za-z0-9_-]{43}\n"));
  EXPECT_EQ(RunOptin({"--db", db, "key", "create", "--scope", "write", "--name", "crm"}).exit_code, 3);
  EXPECT_EQ(RunOptin({"--db", db, "key", "create", "--scope", "root"}).exit_code, 2);
  EXPECT_EQ(RunOptin({"--db", db, "key", "create", "--scope", "check", "--name", "Bad Name"}).exit_code, 2);
  EXPECT_THAT(RunOptin({"--db", db, "key", "list"}).out, HasSubstr("crm  write  created "));
  EXPECT_EQ(RunOptin({"--db", db, "key", "revoke", "crm"}).exit_code, 0);
  auto again = RunOptin({"--db", db, "key", "revoke", "crm"});
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_THAT(again.err, HasSubstr("no API key named `crm`"));
  EXPECT_EQ(RunOptin({"--db", db, "key", "list"}).out, "no API keys\n");
}

}  // namespace
}  // namespace optin

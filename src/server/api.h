// File: src/server/api.h
//
// The HTTP API of DESIGN §6 over an Engine: routing, authorisation, JSON in
// and out. Everything here is Beast-free and callable from tests directly.
//
// Thread-safety: Handle() may be called from many threads at once.
#ifndef OPTIN_SERVER_API_H_
#define OPTIN_SERVER_API_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "optin/engine.h"
#include "src/server/auth.h"
#include "src/server/cors.h"
#include "src/server/http.h"
#include "src/server/metrics.h"

namespace optin::server {

// Most checks one /v1/check/batch request may carry.
constexpr size_t kMaxBatchChecks = 10'000;

class Api {
 public:
  // `base_url` prefixes preference-center links, e.g. `https://privacy.example`.
  // `cors_origins`: the browser origins allowed across origins (cors.h).
  Api(Engine& engine, std::string base_url, std::vector<std::string> cors_origins = {});

  HttpResponse Handle(const HttpRequest& request);
  // Before serving starts only.
  void set_base_url(std::string url) { base_url_ = std::move(url); }
  Metrics& metrics() { return metrics_; }

  // Server-sent events for up to `limit` ledger changes after `after`;
  // `*last` becomes the sequence number of the last one. Empty when there
  // is nothing new.
  Result<std::string> ChangeEvents(uint64_t after, size_t limit, uint64_t* last);

 private:
  HttpResponse Route(const HttpRequest& request);
  HttpResponse Purposes(const HttpRequest& request);
  HttpResponse Check(const HttpRequest& request, const Principal& who);
  HttpResponse CheckBatch(const HttpRequest& request, const Principal& who);
  HttpResponse Consents(const std::string& subject, const Principal& who);
  // Withdraws every consent purpose in one atomic append.
  HttpResponse WithdrawAll(const HttpRequest& request, const std::string& subject, const Principal& who);
  HttpResponse Signals(const HttpRequest& request, const std::string& subject, const Principal& who);
  HttpResponse SubjectSignalsResponse(const std::string& subject);
  HttpResponse Log(const HttpRequest& request, std::string_view route);
  HttpResponse Erase(const std::string& subject, const Principal& who);
  // The receipts of the subject's events `seqs` (all when empty), as a JSON
  // array, in the request's locale.
  Result<std::string> ReceiptsArray(const HttpRequest& request, const std::string& subject,
                                    const std::vector<uint64_t>& seqs);
  static WriteContext WriterFor(const Principal& who);
  HttpResponse Record(const HttpRequest& request, const std::string& subject, const std::string& purpose,
                      const Principal& who);
  HttpResponse History(const std::string& subject, const Principal& who);
  HttpResponse Link(const HttpRequest& request, const std::string& subject);
  HttpResponse Health();

  Engine& engine_;
  Authenticator auth_;
  Cors cors_;
  Metrics metrics_;
  std::string base_url_;
};

// `{"url","token","expires"}` for a preference-center link to `subject`'s
// record, valid for the ISO 8601 duration `ttl`.
Result<std::string> MakeLink(Engine& engine, std::string_view subject, std::string_view ttl,
                             std::string_view base_url);

}  // namespace optin::server

#endif  // OPTIN_SERVER_API_H_

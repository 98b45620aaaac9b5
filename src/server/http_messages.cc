#include "src/server/http_messages.h"

#include <boost/range/iterator_range.hpp>

namespace optin::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// Headers on every response (docs/api.md): nothing may frame or script it.
void SecurityHeaders(BeastResponse& res) {
  res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Cache-Control", "no-store");
}

}  // namespace

std::optional<std::string> RefusedFraming(const BeastRequest& req) {
  const size_t transfer_encodings = req.count(http::field::transfer_encoding);
  const size_t content_lengths = req.count(http::field::content_length);
  if (transfer_encodings > 0) {
    std::string codings;
    for (const auto& f : boost::make_iterator_range(req.equal_range(http::field::transfer_encoding))) {
      codings += (codings.empty() ? "" : ", ") + std::string(f.value());
    }
    // Only `chunked`, alone and once: anything else cannot be framed the
    // same way by every hop, which is what request smuggling relies on.
    if (transfer_encodings != 1 || !beast::iequals(req[http::field::transfer_encoding], "chunked")) {
      return "Transfer-Encoding `" + codings + "` is not supported: only `chunked` on its own";
    }
    if (content_lengths > 0) return "a request may not carry both Transfer-Encoding and Content-Length";
  }
  if (content_lengths > 1) return "the request has more than one Content-Length header";
  if (req.count(http::field::authorization) > 1) return "the request has more than one Authorization header; send one";
  return std::nullopt;
}

HttpRequest ToHttpRequest(const BeastRequest& req) {
  HttpRequest request;
  request.method = std::string(req.method_string());
  std::string_view target = req.target();
  size_t q = target.find('?');
  request.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
  auto header = [&req](const auto& name) {
    auto it = req.find(name);
    return it == req.end() ? std::string() : std::string(it->value());
  };
  request.authorization = header(http::field::authorization);
  request.accept = header(http::field::accept);
  request.accept_language = header(http::field::accept_language);
  request.content_type = header(http::field::content_type);
  request.last_event_id = header("Last-Event-ID");
  request.gpc = header("Sec-GPC") == "1";
  request.origin = header(http::field::origin);
  request.cookie = header(http::field::cookie);
  request.if_none_match = header(http::field::if_none_match);
  request.body = req.body();
  return request;
}

std::shared_ptr<BeastResponse> ToBeastResponse(HttpResponse response, unsigned version, bool keep_alive) {
  auto res = std::make_shared<BeastResponse>(static_cast<http::status>(response.status), version);
  res->set(http::field::server, "optin");
  if (!response.content_type.empty()) res->set(http::field::content_type, response.content_type);
  SecurityHeaders(*res);
  // An extra header replaces a default one, but each cookie is its own header.
  for (auto& [name, value] : response.headers) {
    if (beast::iequals(name, "Set-Cookie")) res->insert(http::field::set_cookie, value);
    else res->set(name, value);
  }
  res->body() = std::move(response.body);
  res->keep_alive(keep_alive);
  res->prepare_payload();
  // No body, and no Content-Length either (RFC 9110 §8.6).
  if (response.status == 204) res->erase(http::field::content_length);
  return res;
}

}  // namespace optin::server

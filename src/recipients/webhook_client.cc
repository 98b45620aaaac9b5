#include "src/recipients/webhook_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <charconv>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace optin::recipients {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr size_t kKeptBody = 1024;

struct Url {
  bool https = false;
  std::string host;
  std::string port;
  std::string target;
};

std::optional<Url> ParseUrl(std::string_view text) {
  Url u;
  if (text.starts_with("https://")) {
    u.https = true;
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    text.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  size_t colon = authority.rfind(':');
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = std::string(authority.substr(1, close - 1));
    colon = close + 1 < authority.size() && authority[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    u.host = std::string(authority.substr(0, colon));
  }
  u.port = colon == std::string_view::npos ? (u.https ? "443" : "80") : std::string(authority.substr(colon + 1));
  if (u.host.empty() || u.port.empty()) return std::nullopt;
  return u;
}

bool PublicV4(const asio::ip::address_v4& a) {
  const uint32_t v = a.to_uint();
  auto in = [v](uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
  return !(in(0x00000000, 8) || in(0x0a000000, 8) || in(0x64400000, 10) || in(0x7f000000, 8) ||
           in(0xa9fe0000, 16) || in(0xac100000, 12) || in(0xc0000000, 24) || in(0xc0a80000, 16) ||
           in(0xc6120000, 15) || in(0xe0000000, 4) || in(0xf0000000, 4));
}

bool Public(const asio::ip::address& a) {
  if (a.is_v4()) return PublicV4(a.to_v4());
  const asio::ip::address_v6 v6 = a.to_v6();
  if (v6.is_v4_mapped()) return PublicV4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6));
  const auto bytes = v6.to_bytes();
  const bool unique_local = (bytes[0] & 0xfe) == 0xfc;
  return !(v6.is_loopback() || v6.is_unspecified() || v6.is_link_local() || v6.is_multicast() || unique_local ||
           v6.is_site_local());
}

// Seconds of a Retry-After given in seconds (an HTTP date is not honoured:
// backoff applies).
int64_t RetryAfterMicros(std::string_view value) {
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) return 0;
  return std::min<int64_t>(seconds, 86400) * 1'000'000;
}

template <typename Stream>
asio::awaitable<SendOutcome> Exchange(Stream& stream, const Url& url,
                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                      const std::string& body) {
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  const bool default_port = url.port == (url.https ? "443" : "80");
  const bool v6 = url.host.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + url.host + "]" : url.host;
  req.set(http::field::host, default_port ? host : host + ":" + url.port);
  req.set(http::field::user_agent, "optin-webhooks");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  const auto& res = parser.get();
  SendOutcome out;
  out.http_status = static_cast<int>(res.result_int());
  if (auto it = res.find(http::field::retry_after); it != res.end()) out.retry_after = RetryAfterMicros(it->value());
  if (out.http_status >= 300 && out.http_status < 400) {
    out.error = "redirects are not followed";
  } else if (out.http_status >= 300) {
    out.error = res.body().substr(0, kKeptBody);
  }
  co_return out;
}

asio::awaitable<SendOutcome> Post(const WebhookClientOptions& options, const Url& url,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const std::string& body, asio::ssl::context& tls) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  const auto found = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
  std::vector<tcp::endpoint> allowed;
  std::string refused;
  for (const auto& entry : found) {
    if (options.allow_private || Public(entry.endpoint().address())) allowed.push_back(entry.endpoint());
    else refused = entry.endpoint().address().to_string();
  }
  if (allowed.empty()) {
    co_return SendOutcome{.http_status = 0, .retry_after = 0,
                          .error = "`" + url.host + "` resolves to " + refused +
                                   ", a private, loopback or link-local address: refused (serve "
                                   "--allow-private-recipients allows it)"};
  }
  const auto deadline = std::chrono::milliseconds(options.timeout_ms);
  if (!url.https) {
    beast::tcp_stream stream(executor);
    stream.expires_after(deadline);
    co_await stream.async_connect(allowed, asio::use_awaitable);
    SendOutcome out = co_await Exchange(stream, url, headers, body);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    co_return out;
  }
  beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
    co_return SendOutcome{.http_status = 0, .retry_after = 0, .error = "could not set the TLS server name"};
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_after(deadline);
  co_await beast::get_lowest_layer(stream).async_connect(allowed, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_return co_await Exchange(stream, url, headers, body);
}

// One TLS client context for every send with the same trusted authorities
// (reading the system's roots, and the CA file, once); OpenSSL lets many
// connections share it. nullptr with `error` set when the CA file cannot
// be read.
asio::ssl::context* TlsContext(const std::string& ca_file, std::string& error) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<asio::ssl::context>>* contexts =
      new std::map<std::string, std::unique_ptr<asio::ssl::context>>();
  std::lock_guard lock(mu);
  auto it = contexts->find(ca_file);
  if (it != contexts->end()) return it->second.get();
  auto c = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  c->set_default_verify_paths();
  c->set_verify_mode(asio::ssl::verify_peer);
  if (!ca_file.empty()) {
    beast::error_code ec;
    c->load_verify_file(ca_file, ec);
    if (ec) {
      error = "cannot read the certificate authorities in `" + ca_file + "`: " + ec.message();
      return nullptr;
    }
  }
  return contexts->emplace(ca_file, std::move(c)).first->second.get();
}

}  // namespace

bool AddressAllowed(std::string_view ip, bool allow_private) {
  beast::error_code ec;
  const asio::ip::address a = asio::ip::make_address(std::string(ip), ec);
  if (ec) return false;
  return allow_private || Public(a);
}

SendOutcome PostWebhook(const WebhookClientOptions& options, const std::string& url_text,
                        const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  std::optional<Url> url = ParseUrl(url_text);
  if (!url) return {.http_status = 0, .retry_after = 0, .error = "`" + url_text + "` is not an http(s) URL"};
  if (!url->https && !options.allow_http) {
    return {.http_status = 0, .retry_after = 0,
            .error = "`" + url_text + "` is not https: refused (serve --allow-http-recipients allows it, for tests)"};
  }
  std::string tls_error;
  asio::ssl::context* tls = TlsContext(options.ca_file, tls_error);
  if (!tls) return {.http_status = 0, .retry_after = 0, .error = tls_error};
  asio::io_context ioc;
  SendOutcome out{.http_status = 0, .retry_after = 0, .error = "no answer"};
  asio::co_spawn(ioc, Post(options, *url, headers, body, *tls), [&](std::exception_ptr e, SendOutcome r) {
    if (!e) {
      out = std::move(r);
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const boost::system::system_error& err) {
      out.error = err.code() == beast::error::timeout ? "timed out after " + std::to_string(options.timeout_ms) + " ms"
                                                      : err.code().message();
    } catch (const std::exception& err) {
      out.error = err.what();
    }
  });
  ioc.run();
  return out;
}

}  // namespace optin::recipients

// The Boost.Beast layer: sockets, parsing, timeouts, limits, shutdown.
// Requests go to Api (api.cc) as HttpRequest, made from Beast's messages and
// back by http_messages.cc, the one other file that includes Beast.
#include "src/server/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <list>
#include <optional>
#include <string>
#include <mutex>
#include <thread>

#include "src/embed/embed.h"
#include "src/server/api.h"
#include "src/server/http_messages.h"
#include "src/server/limits.h"

namespace optin::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Concrete executor types instead of any_io_executor: the type-erased
// executor's copies cost several percent of a small request.
using Executor = net::strand<net::thread_pool::executor_type>;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Stream = beast::basic_stream<tcp, Executor>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Executor>;

// How often what checks noted as usage is written to the store
// (docs/usage.md).
constexpr auto kUsageFlushInterval = std::chrono::seconds(1);
// How often consents that lapsed are looked for, to tell their recipients
// (Engine::TellLapses).
constexpr auto kLapseInterval = std::chrono::seconds(5);
// How often website visitors whose record lapsed are erased (docs/embed.md),
// the first time a while after the start: a sweep reads the whole ledger,
// which a node that just started has better things to do with.
constexpr auto kVisitorSweepInterval = std::chrono::hours(1);
constexpr auto kFirstVisitorSweep = std::chrono::minutes(10);
// Worker threads by default: handlers block while their write is made
// durable, and more writers waiting at once share one fsync.
constexpr int kDefaultThreadsPerCore = 4;

struct Shared {
  Api api;
  ServerOptions options;
  ConnectionLimits limits;
  std::atomic<int> connections{0};  // every session, refused ones included
  std::atomic<bool> draining{false};
  std::mutex sessions_mu;
  std::list<std::weak_ptr<class Session>> sessions;

  Shared(Engine& engine, const ServerOptions& o, std::string base_url)
      : api(engine, std::move(base_url), o.cors_origins),
        options(o),
        limits({.max_connections = o.max_connections,
                .max_per_client = o.max_connections_per_client,
                .reserved_for_health = kReservedForHealth}) {
    api.set_demo_shop(o.demo_shop);
  }

  // Connections beyond the limit that may still ask /healthz or /metrics.
  static constexpr int kReservedForHealth = 4;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket&& socket, Shared& shared, std::string client)
      : stream_(std::move(socket)), shared_(shared), client_(std::move(client)) {
    shared_.connections.fetch_add(1);
    admission_ = shared_.limits.Admit(client_);
  }
  ~Session() {
    shared_.limits.Release(client_, admission_);
    shared_.connections.fetch_sub(1);
  }

  Admission admission() const { return admission_; }

  void Start(std::list<std::weak_ptr<Session>>::iterator self) {
    self_ = self;
    net::dispatch(stream_.get_executor(), [me = shared_from_this()] { me->Read(); });
  }

  // Answers 503 and closes: the server, or this client's share of it, is
  // full.
  void Refuse() {
    net::dispatch(stream_.get_executor(), [me = shared_from_this()] {
      if (me->admission_ == Admission::kRefuseClient) {
        return me->Send(503, "unavailable",
                        "too many connections from your address (" +
                            std::to_string(me->shared_.options.max_connections_per_client) +
                            " at most); close some and try again",
                        false);
      }
      me->Send(503, "unavailable", "the server is at its connection limit; try again", false);
    });
  }

  // On shutdown: close now if no request is being handled.
  void CloseIfIdle() {
    net::dispatch(stream_.get_executor(), [me = shared_from_this()] {
      if (!me->busy_) {
        beast::error_code ec;
        me->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        me->stream_.close();
      }
    });
  }

  // Near the connection limit: a keep-alive connection waiting, with
  // nothing received, for its next request is closed unless that request
  // starts within kHurriedTimeout.
  void HurryIfIdle() {
    net::dispatch(stream_.get_executor(), [me = shared_from_this()] {
      if (!me->waiting_ || me->requests_ == 0 || me->buffer_.size() > 0) return;
      if (!me->hurry_timer_) me->hurry_timer_ = std::make_unique<Timer>(me->stream_.get_executor());
      me->hurry_timer_->expires_after(kHurriedTimeout);
      me->hurry_timer_->async_wait([me, wait = me->reads_](beast::error_code ec) {
        if (ec || !me->waiting_ || me->reads_ != wait || me->buffer_.size() > 0) return;
        beast::error_code ignored;
        me->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        me->stream_.close();
      });
    });
  }

  void Forget() {
    std::lock_guard lock(shared_.sessions_mu);
    if (self_) shared_.sessions.erase(*self_);
    self_.reset();
  }

 private:
  void Read() {
    if (shared_.draining) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.options.max_header_bytes));
    parser_->body_limit(shared_.options.max_body_bytes);
    // A health check beyond the limit, or an idle keep-alive connection of
    // a node near its limit, gets little time: others need the slot.
    const bool hurry = admission_ == Admission::kHealthOnly || (requests_ > 0 && shared_.limits.NearLimit());
    stream_.expires_after(hurry ? std::min<std::chrono::steady_clock::duration>(kHurriedTimeout, shared_.options.request_timeout)
                                : std::chrono::steady_clock::duration(shared_.options.request_timeout));
    // The header first: its framing is checked before any body is read.
    waiting_ = true;
    ++reads_;
    http::async_read_header(stream_, buffer_, *parser_,
                            [me = shared_from_this()](beast::error_code ec, size_t) { me->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    waiting_ = false;
    if (ec) return OnRead(ec);
    if (std::optional<std::string> bad = RefusedFraming(parser_->get())) {
      // Whatever follows is never parsed as another request: the
      // connection closes after the answer (RFC 9112 §6.1, §6.3).
      return Send(400, "bad_request", *bad, false);
    }
    if (admission_ == Admission::kHealthOnly) {
      const std::string_view target = parser_->get().target();
      const std::string_view path = target.substr(0, target.find('?'));
      if (path != "/healthz" && path != "/metrics") {
        return Send(503, "unavailable", "the server is at its connection limit; try again", false);
      }
    }
    // The body usually came with the header: parse what is buffered
    // here, and read from the socket only for what is missing.
    parser_->eager(true);
    while (!parser_->is_done() && buffer_.size() > 0) {
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) ec = {};
      if (ec) return OnRead(ec);
      if (used == 0) break;
    }
    if (parser_->is_done()) return OnRead(ec);
    http::async_read(stream_, buffer_, *parser_,
                     [me = shared_from_this()](beast::error_code ec, size_t) { me->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::bad_descriptor) {
      return Close();
    }
    if (ec == http::error::header_limit) {
      return Send(431, "header_too_large",
                  "the request headers exceed " + std::to_string(shared_.options.max_header_bytes) + " bytes", false);
    }
    if (ec == http::error::body_limit) {
      return Send(413, "payload_too_large",
                  "the request body exceeds " + std::to_string(shared_.options.max_body_bytes) + " bytes", false);
    }
    if (ec) return Send(400, "bad_request", "malformed HTTP request: " + ec.message(), false);

    busy_ = true;
    const auto& req = parser_->get();
    HttpResponse response = shared_.api.Handle(ToHttpRequest(req));
    if (response.stream_changes_after) return StartStream(*response.stream_changes_after);
    const bool keep_alive = req.keep_alive() && !shared_.draining && admission_ == Admission::kServe;
    auto res = ToBeastResponse(std::move(response), req.version(), keep_alive);
    ++requests_;
    Write(std::move(res));
  }

  void Send(int status, std::string_view code, const std::string& message, bool keep_alive) {
    shared_.api.metrics().CountRequest("rejected", status, 0);
    auto res = ToBeastResponse(ErrorResponse(status, code, message), 11, keep_alive);
    busy_ = true;
    Write(std::move(res));
  }

  void Write(std::shared_ptr<http::response<http::string_body>> res) {
    stream_.expires_after(shared_.options.request_timeout);
    http::async_write(stream_, *res, [me = shared_from_this(), res](beast::error_code ec, size_t) {
      me->busy_ = false;
      if (ec) return me->Close();
      if (!res->keep_alive()) return me->Drain();
      me->Read();
    });
  }

  // After a response that ends the connection: stop sending, then read and
  // discard what the client is still sending (briefly) before closing, so
  // that the close does not reset the connection before the client has
  // read the response.
  void Drain() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kDrainTime);
    discard_ = std::make_unique<char[]>(kDrainChunk);
    DrainSome();
  }

  void DrainSome() {
    stream_.async_read_some(net::buffer(discard_.get(), kDrainChunk), [me = shared_from_this()](beast::error_code ec, size_t n) {
      me->drained_ += n;
      if (ec || me->drained_ > kMaxDrainBytes) return me->Close();
      me->DrainSome();
    });
  }

  // Server-sent events: a header, then every ledger change as it happens,
  // polled every kStreamPoll, with a comment every kHeartbeat so that a
  // vanished client is noticed. The body ends when the connection does.
  void StartStream(uint64_t after) {
    sent_ = after;
    busy_ = false;  // a stream may be closed at any time on shutdown
    std::string head =
        "HTTP/1.1 200 OK\r\nServer: optin\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n"
        "Referrer-Policy: no-referrer\r\nContent-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n\r\n"
        ": ledger changes after " + std::to_string(after) + "\nretry: " + std::to_string(kRetryMs) + "\n\n";
    WriteStream(std::move(head));
  }

  void WriteStream(std::string text) {
    out_ = std::move(text);
    last_write_ = std::chrono::steady_clock::now();
    stream_.expires_after(shared_.options.request_timeout);
    net::async_write(stream_, net::buffer(out_), [me = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return me->Close();
      me->Pump();
    });
  }

  void Pump() {
    if (shared_.draining || !stream_.socket().is_open()) return Close();
    uint64_t last = sent_;
    Result<std::string> events = shared_.api.ChangeEvents(sent_, kStreamBatch, &last);
    if (!events.ok()) return Close();
    if (!events->empty()) {
      sent_ = last;
      return WriteStream(std::move(*events));
    }
    if (std::chrono::steady_clock::now() - last_write_ >= kHeartbeat) return WriteStream(": keep-alive\n\n");
    if (!timer_) timer_ = std::make_unique<Timer>(stream_.get_executor());
    timer_->expires_after(kStreamPoll);
    timer_->async_wait([me = shared_from_this()](beast::error_code ec) {
      if (ec) return me->Close();
      me->Pump();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
    // A pending timer holds the session: let it go now, not when it fires.
    if (hurry_timer_) hurry_timer_->cancel();
    if (timer_) timer_->cancel();
    Forget();
  }

  Stream stream_;
  Shared& shared_;
  const std::string client_;  // the peer's address
  Admission admission_ = Admission::kRefuseBusy;
  int requests_ = 0;  // answered on this connection
  bool waiting_ = false;  // for a request header
  uint64_t reads_ = 0;    // requests waited for (tells one wait from the next)
  std::unique_ptr<Timer> hurry_timer_;
  static constexpr auto kHurriedTimeout = std::chrono::seconds(1);
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool busy_ = false;
  static constexpr auto kDrainTime = std::chrono::seconds(2);
  static constexpr size_t kDrainChunk = 64 * 1024;
  static constexpr size_t kMaxDrainBytes = 64 * 1024 * 1024;
  std::unique_ptr<char[]> discard_;
  size_t drained_ = 0;
  // Change streams.
  static constexpr auto kStreamPoll = std::chrono::milliseconds(50);
  static constexpr auto kHeartbeat = std::chrono::seconds(15);
  static constexpr size_t kStreamBatch = 256;
  // How soon a client should reconnect (with Last-Event-ID) when its stream
  // ends: at shutdown, or when it stalled (read nothing for the request
  // timeout) and was let go rather than buffered for.
  static constexpr int kRetryMs = 1000;
  uint64_t sent_ = 0;
  std::string out_;
  std::chrono::steady_clock::time_point last_write_{};
  std::unique_ptr<Timer> timer_;
  std::optional<std::list<std::weak_ptr<Session>>::iterator> self_;
};

class BeastServer final : public Server {
 public:
  BeastServer(Engine& engine, const ServerOptions& options, std::string base_url)
      : engine_(engine),
        shared_(engine, options, std::move(base_url)),
        threads_(options.threads > 0 ? options.threads
                                     : kDefaultThreadsPerCore * std::max(1u, std::thread::hardware_concurrency())),
        pool_(static_cast<size_t>(threads_)),
        acceptor_(net::make_strand(pool_)),
        signals_(pool_),
        drain_timer_(pool_) {}

  Status Bind() {
    beast::error_code ec;
    auto address = net::ip::make_address(shared_.options.address, ec);
    if (ec) return InvalidArgumentError("`" + shared_.options.address + "` is not an IP address");
    tcp::endpoint endpoint(address, shared_.options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return UnavailableError("cannot listen on " + shared_.options.address + ":" +
                              std::to_string(shared_.options.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return OkStatus();
  }

  void Run() {
    ReserveSocketRecords();
    Accept();
    // Follows the store on its own thread: woken at once by a store that
    // notifies (PostgreSQL), else every sync interval. (Signed heads need
    // no loop: every commit keeps one.) The same thread writes what checks
    // noted as usage, about once a second, off the check path, and tells
    // recipients of consents that lapsed (a notice changed, a yes expired).
    follower_ = std::thread([this] {
      const int ms = static_cast<int>(shared_.options.sync_interval.count());
      auto flushed = std::chrono::steady_clock::now();
      auto lapses_told = flushed - kLapseInterval;  // at once, then every interval
      while (!stop_following_.load()) {
        (void)engine_.Follow(ms);  // the error shows in /healthz
        GiveMemoryBackAfterAFlood();
        if (std::chrono::steady_clock::now() - flushed >= kUsageFlushInterval) {
          (void)engine_.FlushUsage();  // what failed is kept for the next
          flushed = std::chrono::steady_clock::now();
        }
        if (std::chrono::steady_clock::now() - lapses_told >= kLapseInterval) {
          (void)engine_.TellLapses();  // what failed is found again next time
          lapses_told = std::chrono::steady_clock::now();
        }

      }
      (void)engine_.FlushUsage();
    });
    // Erases the website visitors whose record lapsed, on a thread of its
    // own: a sweep reads the whole ledger, and following must not wait.
    sweeper_ = std::thread([this] {
      auto swept = std::chrono::steady_clock::now() - kVisitorSweepInterval + kFirstVisitorSweep;
      while (!stop_following_.load()) {
        if (std::chrono::steady_clock::now() - swept >= kVisitorSweepInterval) {
          (void)embed::EraseLapsedVisitors(engine_, engine_.Now());  // what failed is found again next time
          swept = std::chrono::steady_clock::now();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
    if (shared_.options.handle_signals) {
      signals_.add(SIGTERM);
      signals_.add(SIGINT);
      signals_.async_wait([this](beast::error_code ec, int) {
        if (!ec) Shutdown();
      });
    }
  }

  ~BeastServer() override {
    stop_following_ = true;
    if (follower_.joinable()) follower_.join();
    if (sweeper_.joinable()) sweeper_.join();
  }

  uint16_t port() const override { return port_; }
  void set_base_url(std::string url) { shared_.api.set_base_url(std::move(url)); }

  void Shutdown() override {
    net::post(acceptor_.get_executor(), [this] {
      if (shared_.draining.exchange(true)) return;
      beast::error_code ec;
      acceptor_.close(ec);
      signals_.cancel(ec);
      stop_following_ = true;
      std::vector<std::shared_ptr<Session>> live;
      {
        std::lock_guard lock(shared_.sessions_mu);
        for (auto& w : shared_.sessions) {
          if (auto s = w.lock()) live.push_back(std::move(s));
        }
      }
      for (auto& s : live) s->CloseIfIdle();
      // Requests in flight finish on their own; this bounds the wait.
      drain_timer_.expires_after(shared_.options.drain_timeout);
      drain_timer_.async_wait([this](beast::error_code e) {
        if (!e) pool_.stop();
      });
      WatchDrain();
    });
  }

  void Wait() override {
    pool_.join();
    stop_following_ = true;
    if (follower_.joinable()) follower_.join();
  }

 private:
  void Accept() {
    auto socket = std::make_shared<Socket>(net::make_strand(pool_.get_executor()));
    acceptor_.async_accept(*socket, [this, socket](beast::error_code ec) {
      if (ec) {
        if (!shared_.draining) Accept();
        return;
      }
      beast::error_code peer_ec;
      const auto peer = socket->remote_endpoint(peer_ec);
      std::string client = peer_ec ? std::string("unknown") : peer.address().to_string();
      auto session = std::make_shared<Session>(std::move(*socket), shared_, std::move(client));
      if (session->admission() == Admission::kRefuseBusy || session->admission() == Admission::kRefuseClient) {
        session->Refuse();
      } else {
        std::list<std::weak_ptr<Session>>::iterator it;
        {
          std::lock_guard lock(shared_.sessions_mu);
          it = shared_.sessions.insert(shared_.sessions.end(), session);
        }
        session->Start(it);
        if (shared_.limits.NearLimit()) HurryIdleSessions();
      }
      if (!shared_.draining) Accept();
    });
  }

  // Near the limit, idle keep-alive connections make room (at most every
  // kHurryEvery, so that a flood of accepts does not visit every session
  // each time).
  void HurryIdleSessions() {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(hurry_mu_);
      if (now - last_hurry_ < kHurryEvery) return;
      last_hurry_ = now;
    }
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(shared_.sessions_mu);
      for (auto& w : shared_.sessions) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->HurryIfIdle();
  }
  static constexpr auto kHurryEvery = std::chrono::milliseconds(200);
  std::mutex hurry_mu_;
  std::chrono::steady_clock::time_point last_hurry_{};

  // Asio keeps a record per open socket and reuses it, never freeing it.
  // Made during a flood, those records would sit between the sessions'
  // freed memory and pin it; made now, in one run, they leave the pages a
  // flood uses free to give back afterwards.
  void ReserveSocketRecords() {
    std::vector<tcp::socket> sockets;
    const int records = shared_.options.max_connections + Shared::kReservedForHealth + kSocketRecordsSpare;
    sockets.reserve(static_cast<size_t>(records));
    for (int i = 0; i < records; ++i) {
      beast::error_code ec;
      tcp::socket s(pool_);
      s.open(tcp::v4(), ec);
      if (ec) break;  // out of descriptors: fewer records, nothing worse
      sockets.push_back(std::move(s));
    }
  }
  static constexpr int kSocketRecordsSpare = 64;

  // Once a burst of connections is over, the memory its sessions used goes
  // back to the system: freed blocks otherwise stay in the allocator's
  // per-thread arenas, and the process grows a little with every flood.
  void GiveMemoryBackAfterAFlood() {
    constexpr int kFlood = 64;
    const int peak = shared_.limits.peak();
    const int now = shared_.limits.connections();
    if (peak < kFlood || now * 4 > peak) return;
    // Again at every turn while the flood drains, once more when (nearly)
    // all of it has gone.
    malloc_trim(0);
    if (now * 16 <= peak) shared_.limits.ResetPeak();
  }

  // Once every connection is gone, stop the timers so the pool can finish.
  void WatchDrain() {
    if (shared_.connections.load() == 0) {
      drain_timer_.cancel();
      return;
    }
    check_timer_ = std::make_unique<net::steady_timer>(pool_, std::chrono::milliseconds(20));
    check_timer_->async_wait([this](beast::error_code ec) {
      if (!ec) WatchDrain();
    });
  }

  Engine& engine_;
  Shared shared_;
  int threads_;
  net::thread_pool pool_;
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  std::thread follower_;
  std::thread sweeper_;
  std::atomic<bool> stop_following_{false};
  net::steady_timer drain_timer_;
  std::unique_ptr<net::steady_timer> check_timer_;
  uint16_t port_ = 0;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(Engine& engine, const ServerOptions& options) {
  auto server = std::make_unique<BeastServer>(engine, options, options.public_url);
  OPTIN_RETURN_IF_ERROR(server->Bind());
  if (options.public_url.empty()) {
    // Links point at the address as bound (the port is known only now).
    server->set_base_url(HttpUrl(options.address, server->port()));
  }
  server->Run();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace optin::server

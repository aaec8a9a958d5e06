#pragma once
// The TURN core without a process: what a worker builds for its handlers (TurnShared from a
// Config, an AllocationTable, a RelayIo over a real event_base and UdpBatch, counters, a
// ResponsePolicy), relaying on loopback only, with a fake clock the test moves. Requests
// are built here and handed to handle_allocate etc. directly, or to a Dispatcher.
// Header-only and free of gtest, so the whole-server fuzz target uses it too.

#include <event2/event.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/long_term_key.h"
#include "base/fast_random.h"
#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "base/log.h"
#include "base/sockets.h"
#include "base/udp_batch.h"
#include "protocol/integrity.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/text_attributes.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"
#include "server/config/config.h"
#include "server/config/listen_plan.h"
#include "server/core/counters.h"
#include "server/core/response.h"
#include "server/shared/turn_shared.h"
#include "server/turn/allocation_table.h"
#include "server/turn/relay_socket.h"
#include "server/turn/turn_context.h"

namespace tern::test {

inline constexpr std::string_view kCoreRealm = "tern.test";
inline constexpr std::string_view kCoreUser = "alice";
inline constexpr std::string_view kCorePassword = "secret";

struct TurnCoreOptions {
  uint16_t min_port = 0;  // the relay port range; a held one in tests (relay_port_range.h)
  uint16_t max_port = 0;
  bool auth = false;  // TurnShared with the authenticator and user kCoreUser
  std::vector<std::string> relay_ips = {"127.0.0.1", "::1"};
  uint32_t user_quota = 0;
  // --allowed-peer-ip / --denied-peer-ip on top of --allow-loopback-peers.
  std::vector<std::string> allowed_peer_ips = {};
  std::vector<std::string> denied_peer_ips = {};
  bool mobility = false;  // RFC 8016
};

// A built request and the identity the dispatcher would have verified for it.
struct CoreRequest {
  std::vector<uint8_t> bytes;
  auth::AuthResult auth;
};

class TurnCore {
 public:
  explicit TurnCore(const TurnCoreOptions& o)
      : log_(open_log()),
        base_(event_base_new()),
        batch_(std::make_unique<UdpBatch>(
            UdpBatchCounters{.dropped_truncated = counters_.dropped_truncated,
                             .relay_send_failures = counters_.relay_send_failures,
                             .udp_send_failures = counters_.udp_send_failures,
                             .udp_datagrams_out = counters_.udp_datagrams_out})),
        shared_(make_shared(o, *log_, base_.get())),
        io_{base_.get(), *batch_, counters_, shared_->external, random_, shared_->realm},
        table_(shared_->quotas, counters_),
        ctx_{*shared_, table_, io_, counters_, policy_} {
    io_.fixed_ms = clock_ms_;
    key_ = *auth::derive_key(auth::PasswordAlgorithm::Md5, kCoreUser, kCoreRealm, kCorePassword);
  }
  ~TurnCore() {
    // Relay sockets and their events go before the base.
    table_.remove_if([](const Allocation&) { return true; });
  }
  TurnCore(const TurnCore&) = delete;
  TurnCore& operator=(const TurnCore&) = delete;

  TurnContext& ctx() { return ctx_; }
  TurnShared& shared() { return *shared_; }
  AllocationTable& table() { return table_; }
  WorkerCounters& counters() { return counters_; }
  event_base* base() { return base_.get(); }
  const ResponsePolicy& policy() const { return policy_; }
  const auth::Key& key() const { return key_; }

  // The fake clock: mono_ms of every context made from now on, and what relay sockets
  // read. Starts well above 0 so "expired at 0" never looks live.
  int64_t clock_ms() const { return clock_ms_; }
  void advance_ms(int64_t ms) {
    clock_ms_ += ms;
    io_.fixed_ms = clock_ms_;
  }

  // A UDP client talking to the server socket `server_fd` (its ClientLink), on the fake
  // clock.
  RequestContext context(const TransportAddress& client, const TransportAddress& local,
                         int server_fd = -1, Transport transport = Transport::Udp) const {
    RequestContext c;
    c.transport = transport;
    c.client = client;
    c.local = local;
    c.now = 1'800'000'000 + clock_ms_ / 1000;
    c.mono_ms = clock_ms_;
    c.link.udp_fd = server_fd;
    return c;
  }

  // An authenticated request of `method` from the known user (auth is the dispatcher's
  // job; the handlers get its verdict). `add` appends the method's attributes.
  template <typename AddAttributes>
  CoreRequest request(stun::Method method, AddAttributes add) {
    CoreRequest r;
    r.bytes.resize(1500);
    stun::MessageBuilder b(r.bytes, method, stun::Class::Request, next_transaction_id());
    add(b);
    r.bytes.resize(b.size());
    r.auth.outcome = auth::AuthOutcome::Ok;
    r.auth.failure = auth::AuthFailure::None;
    r.auth.username = std::string(kCoreUser);
    r.auth.key = key_;
    return r;
  }

  // Runs the request through its handler; the response bytes (empty: no response).
  std::vector<uint8_t> handle(const CoreRequest& r, const RequestContext& c) {
    auto m = stun::MessageView::parse(r.bytes);
    if (!m) return {};
    std::vector<uint8_t> out(1500);
    TurnRequest req{*m, c, r.auth, out};
    size_t n = 0;
    switch (m->method()) {
      case stun::Method::Allocate:
        n = handle_allocate(ctx_, req);
        break;
      case stun::Method::Refresh:
        n = handle_refresh(ctx_, req);
        break;
      case stun::Method::CreatePermission:
        n = handle_create_permission(ctx_, req);
        break;
      case stun::Method::ChannelBind:
        n = handle_channel_bind(ctx_, req);
        break;
      case stun::Method::Connect:
        n = handle_connect(ctx_, req);
        break;
      case stun::Method::ConnectionBind:
        n = handle_connection_bind(ctx_, req);
        break;
      default:
        break;
    }
    out.resize(n);
    return out;
  }

  // Runs the event loop's ready callbacks (relay sockets reading what peers sent), then
  // sends what they queued for clients, as one pass of a worker's loop does.
  void poll() {
    event_base_loop(base_.get(), EVLOOP_NONBLOCK);
    batch_->to_clients.flush();
  }

  stun::TransactionId next_transaction_id() {
    stun::TransactionId id{};
    ++transactions_;
    for (size_t i = 0; i < id.size(); ++i)
      id[i] = static_cast<uint8_t>(transactions_ >> (8 * (i % 8)));
    id[11] = 0x7e;
    return id;
  }

 private:
  static std::unique_ptr<Logger> open_log() {
    auto log = Logger::open("stderr", LogLevel::Error);
    return log ? std::move(*log) : nullptr;
  }
  static std::unique_ptr<TurnShared> make_shared(const TurnCoreOptions& o, Logger& log,
                                                 event_base* base) {
    Config config;
    config.realm = std::string(kCoreRealm);
    config.relay_ips = o.relay_ips;
    config.min_port = o.min_port;
    config.max_port = o.max_port;
    config.no_auth = !o.auth;
    config.allow_loopback_peers = true;  // the peers are test sockets on loopback
    config.user_quota = o.user_quota;
    config.allowed_peer_ips = o.allowed_peer_ips;
    config.denied_peer_ips = o.denied_peer_ips;
    config.mobility = o.mobility;
    config.users = {std::string(kCoreUser) + ":" + std::string(kCorePassword)};
    auto shared = TurnShared::create(config, ListenPlan{}, log, base);
    if (!shared) {  // the fixture's own Config is wrong: nothing to test
      std::fprintf(stderr, "TurnCore: %s\n", shared.error().c_str());
      std::abort();
    }
    return std::move(*shared);
  }

  WorkerCounters counters_;
  std::unique_ptr<Logger> log_;
  EventBasePtr base_;
  std::unique_ptr<UdpBatch> batch_;
  std::unique_ptr<TurnShared> shared_;
  FastRandom random_;
  RelayIo io_;
  AllocationTable table_;
  ResponsePolicy policy_;
  TurnContext ctx_;
  auth::Key key_;
  int64_t clock_ms_ = 1'000'000;
  uint64_t transactions_ = 0;
};

// A loopback UDP socket: the server's listening socket (a client's ClientLink) or a
// client or peer whose datagrams the test reads.
struct LoopbackSocket {
  FileDescriptor fd;
  TransportAddress address;

  static std::optional<LoopbackSocket> open(const TransportAddress& at) {
    auto fd = open_bound_socket(SocketKind::Udp, at, SocketOptions{.reuse_port = false});
    if (!fd) return std::nullopt;
    auto bound = local_address(fd->get());
    if (!bound) return std::nullopt;
    return LoopbackSocket{std::move(*fd), *bound};
  }
};

}  // namespace tern::test

#include "server/worker/worker.h"

#include <algorithm>

#include "base/fast_random.h"
#include "base/log.h"
#include "server/shared/turn_shared.h"
#include "server/turn/allocation_table.h"
#include "server/turn/relay_socket.h"
#include "server/turn/turn_context.h"

namespace tern {

namespace {
constexpr size_t kStreamScratchSize = 65536 + 64;
constexpr timeval kSweepInterval{1, 0};
}  // namespace

// A worker's TURN state, torn down before its listeners.
struct WorkerTurn {
  WorkerTurn(unsigned index, TurnShared& shared, event_base* base, UdpBatch& batch,
             WorkerCounters& counters, const ResponsePolicy& policy, Logger& log)
      : io{base, batch, counters, shared.external, random, shared.realm},
        table(shared.quotas, counters, index, shared.stats.get(), &log),
        ctx{shared, table, io, counters, policy} {}

  FastRandom random;
  RelayIo io;
  AllocationTable table;
  TurnContext ctx;
  EventPtr sweep;

  static void on_sweep(evutil_socket_t, short, void* self) {
    for (ClientStream* s : static_cast<WorkerTurn*>(self)->table.sweep(steady_ms())) {
      s->close();
    }
  }
};

Worker::Worker(unsigned index, const DispatchOptions& options, const ServerTls* tls, Logger& log)
    : index_(index),
      log_(log),
      tls_(tls),
      base_(event_base_new()),
      tasks_(std::make_unique<TaskQueue>(base_.get())),
      dispatcher_(options, counters_),
      udp_batch_(std::make_unique<UdpBatch>(
          UdpBatchCounters{.dropped_truncated = counters_.dropped_truncated,
                           .relay_send_failures = counters_.relay_send_failures,
                           .udp_send_failures = counters_.udp_send_failures,
                           .udp_datagrams_out = counters_.udp_datagrams_out})),
      stream_scratch_(kStreamScratchSize) {}

Worker::~Worker() {
  stop();
  join();
  // Sockets and their events go before the base that holds the events.
  dispatcher_.attach_turn(nullptr);
  turn_.reset();
  streams_.clear();
  udp_.clear();
  tasks_.reset();
  // A freed TLS bufferevent still held by a pending callback (a connection that closed
  // or arrived in the loop's last pass) is released only when the loop runs that
  // callback; event_base_free merely cancels it, and the bufferevent and its SSL leak.
  event_base_loop(base_.get(), EVLOOP_NONBLOCK);
}

std::optional<std::string> Worker::open(const ListenPlan& plan, StreamLimits& limits) {
  for (const auto& a : plan.udp) {
    auto l = UdpListener::open(base_.get(), a, dispatcher_, *udp_batch_, counters_,
                               ProxyTrust{plan.udp_proxy_trusted});
    if (!l) return "UDP listener: " + l.error();
    udp_.push_back(std::move(*l));
  }
  auto open_stream = [&](const TransportAddress& a, const ServerTls* tls,
                         std::optional<ProxyTrust> proxy = {}) -> std::optional<std::string> {
    auto l = StreamListener::open(base_.get(), a, tls, dispatcher_, stream_scratch_, counters_,
                                  limits, log_, std::move(proxy));
    if (!l) return std::string(tls ? "TLS" : "TCP") + " listener: " + l.error();
    streams_.push_back(std::move(*l));
    return std::nullopt;
  };
  for (const auto& a : plan.tcp) {
    if (auto e = open_stream(a, nullptr)) return e;
  }
  for (const auto& a : plan.tls) {
    if (auto e = open_stream(a, tls_)) return e;
  }
  for (const auto& a : plan.tcp_proxy) {
    if (auto e = open_stream(a, nullptr, ProxyTrust{plan.proxy_trusted})) return e;
  }
  for (const auto& a : plan.tls_proxy) {
    if (auto e = open_stream(a, tls_, ProxyTrust{plan.proxy_trusted})) return e;
  }
  return std::nullopt;
}

void Worker::enable_turn(TurnShared& shared) {
  turn_ = std::make_unique<WorkerTurn>(index_, shared, base_.get(), *udp_batch_, counters_,
                                       dispatcher_.policy(), log_);
  turn_->sweep.reset(event_new(base_.get(), -1, EV_PERSIST, WorkerTurn::on_sweep, turn_.get()));
  event_add(turn_->sweep.get(), &kSweepInterval);
  dispatcher_.attach_turn(&turn_->ctx);
}

size_t Worker::allocation_count() const {
  return turn_ ? turn_->table.size() : 0;
}

AllocationMix Worker::allocation_mix() const {
  AllocationMix mix;
  if (turn_) {
    turn_->table.for_each(
        [&mix](const Allocation& a) { mix.add(a.tuple().transport, a.tuple().client.family); });
  }
  return mix;
}

std::vector<SessionInfo> Worker::sessions(const SessionFilter& filter) const {
  std::vector<SessionInfo> out;
  if (!turn_) return out;
  const int64_t now = steady_ms();
  const std::string& realm = turn_->ctx.shared.settings.realm;
  std::vector<const Allocation*> picked;
  turn_->table.for_each([&](const Allocation& a) {
    if (filter.matches(a) && !a.expired(now)) picked.push_back(&a);
  });
  std::ranges::sort(picked, {}, [](const Allocation* a) { return a->id().sequence; });
  for (const auto* a : picked) out.push_back(describe_session(*a, realm, now));
  return out;
}

size_t Worker::kill_sessions(const SessionFilter& filter) {
  if (!turn_) return 0;
  // Like a Refresh with LIFETIME 0 (RFC 8656 §8): the relay sockets close and the client's
  // next request on the 5-tuple gets 437. A TCP or TLS client's connection is closed too:
  // an allocation made over a stream lives and dies with that stream.
  std::vector<ClientStream*> streams;
  turn_->table.for_each([&](const Allocation& a) {
    if (a.client_link.stream && filter.matches(a)) streams.push_back(a.client_link.stream);
  });
  const size_t killed =
      turn_->table.remove_if([&](const Allocation& a) { return filter.matches(a); });
  for (ClientStream* s : streams) s->close();
  return killed;
}

void Worker::start() {
  thread_ = std::thread([this] {
    // One pass of the loop at a time: what a pass relayed to UDP clients, from however
    // many allocations, leaves after it in one sendmmsg per listening socket.
    while (event_base_loop(base_.get(), EVLOOP_ONCE | EVLOOP_NO_EXIT_ON_EMPTY) >= 0) {
      udp_batch_->to_clients.flush();
      if (event_base_got_break(base_.get())) break;
    }
    log_.debug("worker {} stopped", index_);
  });
}

void Worker::stop() {
  if (!base_) return;
  post([this] { event_base_loopbreak(base_.get()); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

std::vector<std::pair<Transport, TransportAddress>> Worker::bound() const {
  std::vector<std::pair<Transport, TransportAddress>> out;
  for (const auto& u : udp_) out.emplace_back(Transport::Udp, u->address());
  for (const auto& s : streams_) {
    out.emplace_back(s->is_tls() ? Transport::Tls : Transport::Tcp, s->address());
  }
  return out;
}

}  // namespace tern

#include "server/worker/worker.h"

#include <algorithm>

#include "base/fast_random.h"
#include "base/log.h"
#include "server/shared/turn_shared.h"
#include "server/turn/allocation_table.h"
#include "server/turn/offload_sync.h"
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
        table(shared.quotas, counters, index, shared.stats.get(), &log,
              AllocationId::first_sequence(random.next())),
        ctx{shared, table, io, counters, policy} {
    table.set_offload(shared.offload);
  }

  FastRandom random;
  RelayIo io;
  AllocationTable table;
  TurnContext ctx;
  EventPtr sweep;

  static void on_sweep(evutil_socket_t, short, void* self) {
    auto* turn = static_cast<WorkerTurn*>(self);
    const int64_t now = steady_ms();
    // One walk: the allocations that stay bring the kernel's maps to what they allow now.
    std::function<void(Allocation&)> offload;
    if (turn->ctx.shared.offload) offload = [&](Allocation& a) { sync_offload(turn->ctx, a, now); };
    for (ClientStream* s : turn->table.sweep(now, offload)) s->close();
    // RFC 6062 §5.2, §5.3: peer connections not bound in time are closed.
    turn->ctx.shared.tcp_connections.expire(now);
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
  // A worker that never started runs here what it accepted (its loop break among them).
  tasks_->finish();
  // Sockets and their events go before the base that holds the events.
  dispatcher_.attach_turn(nullptr);
  retired_sweep_.reset();
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
  limits_ = &limits;
  auto sockets = bind_plan(plan);
  if (!sockets) return sockets.error();
  for (auto& socket : *sockets) {
    if (auto e = adopt_one(std::move(socket), plan)) return e;
  }
  for (const auto& grid : plan.rfc5780) join_rfc5780(grid);
  return std::nullopt;
}

void Worker::join_rfc5780(const Rfc5780Grid& grid) {
  using Kind = Rfc5780Grid::Kind;
  auto sockets = std::make_unique<Rfc5780Sockets>(Rfc5780Sockets{.grid = grid});
  for (uint8_t slot = 0; slot < 4; ++slot) {
    const TransportAddress& address = grid.address[slot];
    bool found = false;
    if (grid.kind == Kind::Udp || grid.kind == Kind::Dtls) {
      for (const auto& l : udp_) {
        if (!l->retired() && l->address() == address &&
            l->serves_dtls() == (grid.kind == Kind::Dtls)) {
          sockets->fd[slot] = l->fd();
          found = true;
        }
      }
    } else {
      found = std::ranges::any_of(streams_, [&](const auto& l) {
        return l->accepting() && !l->is_proxy() && l->is_tls() == (grid.kind == Kind::Tls) &&
               l->address() == address;
      });
    }
    if (!found) return;  // the plan adds all four; no grid without one
  }
  dispatcher_.add_rfc5780(sockets.get());
  rfc5780_.push_back(std::move(sockets));
}

std::optional<std::string> Worker::adopt_one(BoundSocket socket, const ListenPlan& trust) {
  if (socket.kind == ListenerKind::Udp || socket.kind == ListenerKind::Dtls) {
    auto l = UdpListener::adopt(base_.get(), std::move(socket.fd), dispatcher_, *udp_batch_,
                                counters_, ProxyTrust{trust.udp_proxy_trusted});
    if (!l) return "UDP listener: " + l.error();
    if (socket.kind == ListenerKind::Dtls) {
      if (!tls_) return "DTLS listener: TLS is off";
      (*l)->serve_dtls(std::make_unique<DtlsEndpoint>(DtlsEndpoint::Deps{
          base_.get(), (*l)->fd(), (*l)->address(), *tls_, dispatcher_, counters_, *limits_,
          limits_->settings().dtls_handshake_timeout_s, limits_->settings().dtls_max_half_open}));
    }
    udp_.push_back(std::move(*l));
    return std::nullopt;
  }
  const bool tls = socket.kind == ListenerKind::Tls || socket.kind == ListenerKind::TlsProxy;
  std::optional<ProxyTrust> proxy;
  if (socket.kind == ListenerKind::TcpProxy || socket.kind == ListenerKind::TlsProxy) {
    proxy = ProxyTrust{trust.proxy_trusted};
  }
  auto l =
      StreamListener::adopt(base_.get(), std::move(socket.fd), tls ? tls_ : nullptr, dispatcher_,
                            stream_scratch_, counters_, *limits_, log_, std::move(proxy));
  if (!l) return std::string(tls ? "TLS" : "TCP") + " listener: " + l.error();
  streams_.push_back(std::move(*l));
  return std::nullopt;
}

void Worker::adopt(std::vector<BoundSocket> sockets, const ListenPlan& trust,
                   const ServerTls* tls) {
  if (tls) tls_ = tls;
  for (auto& socket : sockets) {
    if (socket.kind == ListenerKind::Udp || socket.kind == ListenerKind::Dtls) {
      auto& bound = socket.address;
      const bool dtls = socket.kind == ListenerKind::Dtls;
      auto retired = std::ranges::find_if(udp_, [&](const auto& u) {
        return u->retired() && u->address() == bound && u->serves_dtls() == dtls;
      });
      // Two sockets of one worker in a SO_REUSEPORT group would split its clients'
      // datagrams between a serving and a retired one.
      if (retired != udp_.end()) {
        (*retired)->revive();
        continue;
      }
    }
    const TransportAddress address = socket.address;
    if (auto e = adopt_one(std::move(socket), trust)) {
      log_.error("worker {}: reload: {}; {} not served by this worker", index_, *e,
                 address.to_string());
    }
  }
}

void Worker::regrid(const std::vector<Rfc5780Grid>& grids) {
  dispatcher_.clear_rfc5780();
  rfc5780_.clear();
  for (const auto& grid : grids) join_rfc5780(grid);
}

void Worker::retire(const ListenPlan& removed) {
  const auto entries = plan_entries(removed);
  auto named = [&](ListenerKind kind, const TransportAddress& a) {
    return std::ranges::any_of(entries,
                               [&](const auto& e) { return e.first == kind && e.second == a; });
  };
  for (auto& u : udp_) {
    if (named(u->serves_dtls() ? ListenerKind::Dtls : ListenerKind::Udp, u->address())) u->retire();
  }
  for (auto& s : streams_) {
    const ListenerKind kind = s->is_tls()
                                  ? (s->is_proxy() ? ListenerKind::TlsProxy : ListenerKind::Tls)
                                  : (s->is_proxy() ? ListenerKind::TcpProxy : ListenerKind::Tcp);
    if (s->accepting() && named(kind, s->address())) s->stop_accepting();
  }
  if (!retired_sweep_ && close_unused_retired()) {
    constexpr timeval kEvery{1, 0};
    retired_sweep_.reset(event_new(base_.get(), -1, EV_PERSIST, on_retired_sweep, this));
    event_add(retired_sweep_.get(), &kEvery);
  }
}

void Worker::on_retired_sweep(evutil_socket_t, short, void* self) {
  auto* w = static_cast<Worker*>(self);
  if (!w->close_unused_retired()) w->retired_sweep_.reset();
}

bool Worker::close_unused_retired() {
  std::erase_if(streams_, [](const auto& s) { return !s->accepting() && s->idle(); });
  std::erase_if(udp_, [&](const auto& u) {
    if (!u->retired()) return false;
    // An RFC 5780 grid answers CHANGE-REQUESTs from this fd for the life of the worker.
    // A DTLS client's allocation points at its association, which lives in the listener.
    bool used = u->dtls_associations() > 0 || std::ranges::any_of(rfc5780_, [&](const auto& g) {
                  return std::ranges::find(g->fd, u->fd()) != std::ranges::end(g->fd);
                });
    if (turn_) {
      turn_->table.for_each(
          [&](const Allocation& a) { used = used || a.client_link.udp_fd == u->fd(); });
    }
    return !used;
  });
  return std::ranges::any_of(streams_, [](const auto& s) { return !s->accepting(); }) ||
         std::ranges::any_of(udp_, [](const auto& u) { return u->retired(); });
}

void Worker::enable_turn(TurnShared& shared) {
  turn_ = std::make_unique<WorkerTurn>(index_, shared, base_.get(), *udp_batch_, counters_,
                                       dispatcher_.policy(), log_);
  turn_->sweep.reset(event_new(base_.get(), -1, EV_PERSIST, WorkerTurn::on_sweep, turn_.get()));
  event_add(turn_->sweep.get(), &kSweepInterval);
  dispatcher_.attach_turn(&turn_->ctx);
}

void Worker::join_peers(TurnPeers& peers) {
  if (turn_) turn_->ctx.peers = &peers;
}

bool Worker::post_turn(std::function<void(TurnContext&)> task) {
  // turn_ is set before the loop starts and reset only after every accepted task ran.
  if (!turn_) return false;
  return post([this, task = std::move(task)] { task(turn_->ctx); });
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
  for (const auto* a : picked) out.push_back(describe_session(*a, index_, realm, now));
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

void Worker::resync_offload() {
  if (!turn_ || !turn_->ctx.shared.offload) return;
  const int64_t now = steady_ms();
  turn_->table.for_each_mutable([&](Allocation& a) { sync_offload(turn_->ctx, a, now); });
}

void Worker::start() {
  thread_ = std::thread([this] {
    // One pass of the loop at a time: what a pass relayed to UDP clients, from however
    // many allocations, leaves after it in one sendmmsg per listening socket.
    while (event_base_loop(base_.get(), EVLOOP_ONCE | EVLOOP_NO_EXIT_ON_EMPTY) >= 0) {
      udp_batch_->to_clients.flush();
      if (event_base_got_break(base_.get())) break;
    }
    // What was accepted and not run (the loop ended some other way than its break) runs
    // now: a task may carry an allocation (RFC 8016), which must end here, not vanish.
    tasks_->finish();
    udp_batch_->to_clients.flush();
    log_.debug("worker {} stopped", index_);
  });
}

void Worker::stop() {
  // The break goes through the queue, after the tasks already accepted: a loopbreak from
  // this thread between two passes would be cleared by the next pass's start.
  tasks_->close([this] { event_base_loopbreak(base_.get()); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

std::vector<std::pair<Transport, TransportAddress>> Worker::bound() const {
  std::vector<std::pair<Transport, TransportAddress>> out;
  for (const auto& u : udp_) {
    if (!u->retired())
      out.emplace_back(u->serves_dtls() ? Transport::Dtls : Transport::Udp, u->address());
  }
  for (const auto& s : streams_) {
    if (s->accepting())
      out.emplace_back(s->is_tls() ? Transport::Tls : Transport::Tcp, s->address());
  }
  return out;
}

}  // namespace tern

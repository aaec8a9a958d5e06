#include "server/admin/admin_connections.h"

#include <sys/socket.h>

#include <event2/keyvalq_struct.h>

#include "base/log.h"
#include "server/admin/admin_http.h"
#include "server/core/request_context.h"

namespace tern {
namespace {

// How often the deadlines are looked at: a late connection is shut at most this long
// after its deadline.
constexpr int64_t kSweepMs = 250;
// ternctl sends four header fields; evhttp caps their bytes, this their number.
constexpr size_t kMaxHeaderFields = 50;
constexpr int kHeaderFieldsTooLarge = 431;
constexpr int64_t kShut = INT64_MAX;  // the deadline of a connection already shut

size_t header_count(evhttp_request* req) {
  size_t n = 0;
  const evkeyvalq* headers = evhttp_request_get_input_headers(req);
  for (const evkeyval* h = headers->tqh_first; h != nullptr; h = h->next.tqe_next) ++n;
  return n;
}

// evhttp clears a bufferevent's callbacks when it frees the connection and never before
// (its error callback is set for as long as it reads or writes).
bool released_by_evhttp(bufferevent* bev) {
  bufferevent_event_cb error_cb = nullptr;
  bufferevent_getcb(bev, nullptr, nullptr, &error_cb, nullptr);
  return error_cb == nullptr;
}

// The admin_source_key of the socket's peer; "" while it has none.
std::string peer_key(evutil_socket_t fd) {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return "";
  return admin_source_key(reinterpret_cast<const sockaddr*>(&peer));
}

}  // namespace

AdminConnections::AdminConnections(event_base* base, AdminConnectionLimits limits, Logger& log)
    : base_(base),
      limits_(limits),
      log_(log),
      sweep_timer_(evtimer_new(base, &AdminConnections::on_sweep, this)) {}

void AdminConnections::attach(evhttp* http, void (*handler)(evhttp_request*, void*), void* arg,
                              std::string what) {
  handler_ = handler;
  handler_arg_ = arg;
  what_ = std::move(what);
  evhttp_set_bevcb(http, &AdminConnections::on_new_connection, this);
  evhttp_set_gencb(http, &AdminConnections::on_request, this);
}

bufferevent* AdminConnections::on_new_connection(event_base* base, void* self) {
  auto* me = static_cast<AdminConnections*>(self);
  bufferevent* bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (bev == nullptr) return nullptr;  // evhttp makes one itself; it goes unguarded
  me->forget_released();
  const bool over_cap = me->open_.size() >= me->limits_.max_connections;
  bufferevent_incref(bev);
  const int64_t now = steady_ms();
  me->open_.emplace(
      bev, Connection{HeldBufferEvent(bev), over_cap ? now : now + me->limits_.request_deadline_ms,
                      over_cap ? Cause::OverCap : Cause::Late, ""});
  // evhttp gives the bufferevent its socket after this returns: the next turn of the loop
  // learns its address and shuts it if it is over a cap.
  me->schedule_sweep(0);
  return bev;
}

void AdminConnections::on_request(evhttp_request* req, void* self) {
  auto* me = static_cast<AdminConnections*>(self);
  evhttp_connection* conn = evhttp_request_get_connection(req);
  if (conn != nullptr) {
    me->open_.erase(evhttp_connection_get_bufferevent(conn));
    // The deadline covered this request only; a second one on the connection would not
    // be on the clock.
    evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
  }
  if (header_count(req) > kMaxHeaderFields) {
    reply_error(req, kHeaderFieldsTooLarge, "too many header fields");
    return;
  }
  me->handler_(req, me->handler_arg_);
}

void AdminConnections::on_sweep(evutil_socket_t, short, void* self) {
  static_cast<AdminConnections*>(self)->sweep();
}

void AdminConnections::sweep() {
  forget_released();
  const int64_t now = steady_ms();
  apply_source_cap(now);
  for (auto& [bev, c] : open_) {
    if (c.deadline_ms <= now) shut(c);
  }
  if (!open_.empty()) schedule_sweep(kSweepMs);
}

void AdminConnections::apply_source_cap(int64_t now) {
  std::unordered_map<std::string, size_t> per_source;
  for (const auto& [bev, c] : open_) {
    if (!c.source.empty() && c.deadline_ms != kShut) ++per_source[c.source];
  }
  for (auto& [bev, c] : open_) {
    if (!c.source.empty() || c.deadline_ms == kShut) continue;
    c.source = peer_key(bufferevent_getfd(bev));
    if (c.source.empty() || c.source == "local") continue;
    if (++per_source[c.source] > limits_.max_per_source && c.cause == Cause::Late) {
      c.cause = Cause::SourceOverCap;
      c.deadline_ms = now;
    }
  }
}

void AdminConnections::forget_released() {
  std::erase_if(open_, [](const auto& entry) { return released_by_evhttp(entry.first); });
}

// Shutting the socket rather than freeing the connection: evhttp reads the end of the
// stream and frees it through its own path, so nothing it still points to goes away
// under it.
void AdminConnections::shut(Connection& c) {
  const evutil_socket_t fd = bufferevent_getfd(c.bev.get());
  if (fd < 0 || c.deadline_ms == kShut) return;
  ::shutdown(fd, SHUT_RDWR);
  c.deadline_ms = kShut;  // shut once; dropped when evhttp lets it go
  uint64_t& count = c.cause == Cause::Late ? closed_late_ : closed_over_cap_;
  ++count;
  uint64_t suppressed = 0;
  if (!log_throttle_.allow(steady_ms(), suppressed)) return;
  log_.warning(
      "{}: closed a connection {} ({} over the cap, {} late in all; {} more not logged since "
      "the last line)",
      what_, describe(c), closed_over_cap_, closed_late_, suppressed);
}

std::string AdminConnections::describe(const Connection& c) const {
  switch (c.cause) {
    case Cause::OverCap:
      return "over the cap of " + std::to_string(limits_.max_connections) + " at once";
    case Cause::SourceOverCap:
      return "from " + c.source + " over its cap of " + std::to_string(limits_.max_per_source) +
             " at once";
    case Cause::Late:
      break;
  }
  return "with no whole request " + std::to_string(limits_.request_deadline_ms) +
         " ms after accept";
}

void AdminConnections::schedule_sweep(int64_t in_ms) {
  if (in_ms > 0 && evtimer_pending(sweep_timer_.get(), nullptr)) return;
  const timeval tv{static_cast<time_t>(in_ms / 1000),
                   static_cast<suseconds_t>(in_ms % 1000 * 1000)};
  evtimer_add(sweep_timer_.get(), &tv);
}

}  // namespace tern

#include "server/admin_connections.h"

#include <sys/socket.h>

#include <event2/keyvalq_struct.h>

#include "server/admin_http.h"
#include "server/log.h"
#include "server/request_context.h"

namespace tern {
namespace {

// How often the deadlines are looked at: a late connection is shut at most this long
// after its deadline.
constexpr int64_t kSweepMs = 250;
// ternctl sends four header fields; evhttp caps their bytes, this their number.
constexpr size_t kMaxHeaderFields = 50;
constexpr int kHeaderFieldsTooLarge = 431;

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
                      over_cap});
  // evhttp gives the bufferevent its socket after this returns: an over-cap connection
  // is shut on the next turn of the loop.
  me->schedule_sweep(over_cap ? 0 : kSweepMs);
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
  for (auto& [bev, c] : open_) {
    if (c.deadline_ms <= now) shut(c);
  }
  if (!open_.empty()) schedule_sweep(kSweepMs);
}

void AdminConnections::forget_released() {
  std::erase_if(open_, [](const auto& entry) { return released_by_evhttp(entry.first); });
}

// Shutting the socket rather than freeing the connection: evhttp reads the end of the
// stream and frees it through its own path, so nothing it still points to goes away
// under it.
void AdminConnections::shut(Connection& c) {
  const evutil_socket_t fd = bufferevent_getfd(c.bev.get());
  if (fd < 0 || c.deadline_ms == INT64_MAX) return;
  ::shutdown(fd, SHUT_RDWR);
  c.deadline_ms = INT64_MAX;  // shut once; dropped when evhttp lets it go
  uint64_t& count = c.over_cap ? closed_over_cap_ : closed_late_;
  ++count;
  uint64_t suppressed = 0;
  if (!log_throttle_.allow(steady_ms(), suppressed)) return;
  log_.warning(
      "{}: closed a connection {} ({} over the cap, {} late in all; {} more not logged since "
      "the last line)",
      what_,
      c.over_cap ? "over the cap of " + std::to_string(limits_.max_connections) + " at once"
                 : "with no whole request " + std::to_string(limits_.request_deadline_ms) +
                       " ms after accept",
      closed_over_cap_, closed_late_, suppressed);
}

void AdminConnections::schedule_sweep(int64_t in_ms) {
  if (in_ms > 0 && evtimer_pending(sweep_timer_.get(), nullptr)) return;
  const timeval tv{static_cast<time_t>(in_ms / 1000),
                   static_cast<suseconds_t>(in_ms % 1000 * 1000)};
  evtimer_add(sweep_timer_.get(), &tv);
}

}  // namespace tern

// Closed-loop Binding load: K sockets (or connections), W requests in flight on each.
// Latency comes from the send time carried in each transaction id.

#include <unistd.h>

#include <vector>

#include "bench/clock.h"
#include "bench/conn.h"
#include "bench/histogram.h"
#include "bench/meter.h"
#include "bench/poller.h"
#include "bench/scenarios.h"
#include "bench/turn_requests.h"

namespace tern::bench {
namespace {

struct Socket {
  Conn conn;
  int in_flight = 0;
  int64_t last_progress_ns = 0;
};

class BindingLoad {
 public:
  explicit BindingLoad(const Options& o)
      : o_(o),
        window_(o.effective_window()),
        limit_(o.effective_count()),
        tag_(static_cast<uint32_t>(getpid()) * 2654435761u) {}

  Report run();

 private:
  bool open_sockets(Report& r);
  void refill(Socket& s, int64_t now);
  void on_message(Socket& s, std::span<const uint8_t> bytes, int64_t now, bool measuring);
  void sweep(int64_t now, bool sending);
  void loop_until(int64_t end_ns, bool sending);

  const Options& o_;
  const int window_;
  const int64_t limit_;
  const uint32_t tag_;
  UdpIo io_;
  Poller poller_;
  SslCtxPtr tls_;
  std::vector<Socket> sockets_;
  Histogram latency_;
  int64_t sent_ = 0, received_ = 0, received_in_window_ = 0, written_off_ = 0, errors_ = 0;
  int64_t last_sweep_ns_ = 0;
};

bool BindingLoad::open_sockets(Report& r) {
  if (o_.transport == Transport::Tls) tls_ = make_client_tls_context();
  raise_fd_limit(o_.sockets + 64);
  sockets_.resize(static_cast<size_t>(o_.sockets));
  for (size_t i = 0; i < sockets_.size(); ++i) {
    std::string error;
    sockets_[i].conn =
        Conn::open(o_.transport, o_.server, tls_.get(), error, o_.source ? &*o_.source : nullptr);
    if (!sockets_[i].conn.valid()) {
      r.text("error", error);
      return false;
    }
    poller_.add(sockets_[i].conn.fd(), i);
  }
  return true;
}

void BindingLoad::refill(Socket& s, int64_t now) {
  std::array<uint8_t, 64> buf{};
  while (s.in_flight < window_ && sent_ < limit_) {
    const size_t n = build_binding(buf, make_transaction_id(now, tag_));
    s.conn.send(io_, std::span(buf).first(n));
    s.in_flight++;
    sent_++;
  }
  s.conn.flush(io_);
}

void BindingLoad::on_message(Socket& s, std::span<const uint8_t> bytes, int64_t now,
                             bool measuring) {
  const auto m = stun::MessageView::parse(bytes);
  if (!m || m->method() != stun::Method::Binding || tag_of(m->transaction_id()) != tag_) return;
  if (m->message_class() == stun::Class::ErrorResponse) {
    errors_++;
  } else if (m->message_class() != stun::Class::SuccessResponse) {
    return;
  }
  latency_.record(now - sent_time_of(m->transaction_id()));
  received_++;
  if (measuring) received_in_window_++;
  if (s.in_flight > 0) s.in_flight--;
  s.last_progress_ns = now;
}

// Datagrams the network or the server dropped never come back: after the timeout the
// ones in flight are written off so the loop keeps its window (streams lose nothing).
void BindingLoad::sweep(int64_t now, bool sending) {
  if (now - last_sweep_ns_ < 20 * kNsPerMs) return;
  last_sweep_ns_ = now;
  const int64_t timeout = int64_t{o_.timeout_ms} * kNsPerMs;
  for (auto& s : sockets_) {
    if (s.conn.wants_write()) s.conn.flush(io_);
    if (s.in_flight > 0 && now - s.last_progress_ns > timeout && o_.transport == Transport::Udp) {
      written_off_ += s.in_flight;
      s.in_flight = 0;
      s.last_progress_ns = now;
    }
    if (sending && s.in_flight == 0) refill(s, now);
  }
}

void BindingLoad::loop_until(int64_t end_ns, bool sending) {
  std::array<epoll_event, 256> events{};
  for (;;) {
    int64_t now = now_ns();
    if (now >= end_ns) return;
    if (sending && sent_ >= limit_ && received_ + written_off_ >= sent_) return;
    if (!sending && received_ + written_off_ >= sent_) return;
    const int n = poller_.wait(events, 5);
    now = now_ns();
    for (int i = 0; i < n; ++i) {
      Socket& s = sockets_[events[static_cast<size_t>(i)].data.u64];
      s.conn.receive(io_, [&](std::span<const uint8_t> b) { on_message(s, b, now, sending); });
      if (sending) refill(s, now);
    }
    sweep(now, sending);
  }
}

Report BindingLoad::run() {
  Report r;
  r.text("mode", "binding");
  r.text("transport", to_string(o_.transport));
  r.text("server", o_.server.to_string());
  r.number("sockets", o_.sockets);
  r.number("window", window_);
  if (!open_sockets(r)) return r;

  Meter meter(o_.server_pid);
  meter.start();
  const int64_t start = now_ns();
  for (auto& s : sockets_) {
    s.last_progress_ns = start;
    refill(s, start);
  }
  const int64_t deadline =
      start + static_cast<int64_t>(std::min(o_.duration_s, o_.effective_max_seconds()) * kNsPerSec);
  loop_until(deadline, true);
  meter.stop();
  const int64_t sent_in_window = sent_;
  // Let what is in flight arrive, so loss counts only what really went missing.
  loop_until(now_ns() + int64_t{o_.timeout_ms} * kNsPerMs, false);

  const double secs = meter.seconds();
  r.number("requests", static_cast<double>(sent_in_window));
  r.number("responses", static_cast<double>(received_));
  r.number("responses_per_s", secs > 0 ? received_in_window_ / secs : 0);
  const int64_t lost = std::max<int64_t>(0, sent_ - received_);
  r.number("lost", static_cast<double>(lost));
  r.number("loss_percent", sent_ ? 100.0 * lost / sent_ : 0, 3);
  r.latency("latency", latency_);
  meter.report(r, static_cast<uint64_t>(received_in_window_), "request");
  r.number("send_syscalls", static_cast<double>(io_.send_calls()));
  if (errors_) r.count_error("error_response", static_cast<uint64_t>(errors_));
  if (lost) r.count_error("timeout", static_cast<uint64_t>(lost));
  return r;
}

}  // namespace

Report run_binding(const Options& o) {
  return BindingLoad(o).run();
}

}  // namespace tern::bench

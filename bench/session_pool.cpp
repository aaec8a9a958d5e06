#include "bench/session_pool.h"

#include <ctime>

#include "bench/clock.h"

namespace tern::bench {

Credentials credentials_from(const Options& o) {
  if (!o.secret.empty()) {
    return Credentials::rest(o.secret, o.user, static_cast<int64_t>(std::time(nullptr)));
  }
  return Credentials::long_term(o.user, o.password);
}

SessionPool::SessionPool(const Options& o, SessionGoal goal, size_t count)
    : o_(o),
      credentials_(credentials_from(o)),
      tls_(o.transport == Transport::Tls ? make_client_tls_context() : nullptr),
      driver_(o.transport, o.server, o.source, tls_.get(), o.timeout_ms, credentials_, goal, io_,
              poller_),
      sessions_(count) {
  raise_fd_limit(static_cast<long>(count) + 256);
}

void SessionPool::handle(size_t index, SessionEvent e, int64_t now) {
  Session& s = sessions_[index];
  switch (e) {
    case SessionEvent::None:
      return;
    case SessionEvent::Ready:
      ready_++;
      if (busy_) busy_--;
      setup_latency_.record(now - s.started_ns);
      return;
    case SessionEvent::Failed:
      failures_[s.failure]++;
      if (busy_) busy_--;
      return;
    case SessionEvent::Closed:
      if (!s.failure.empty()) failures_["delete " + s.failure]++;
      if (busy_) busy_--;
      return;
  }
}

void SessionPool::dispatch(size_t index, std::span<const uint8_t> bytes, int64_t now) {
  Session& s = sessions_[index];
  // ChannelData (first bits 01) and indications are data; only a response can be the
  // answer to the outstanding request.
  if (!bytes.empty() && (bytes[0] & 0xC0) == 0x40) {
    if (on_data_) on_data_(index, bytes, now);
    return;
  }
  if (bytes.size() >= 2 && (bytes[1] & 0x10) == 0x10 && (bytes[0] & 0x01) == 0 && on_data_) {
    on_data_(index, bytes, now);  // class bits 01: an indication (Data)
    return;
  }
  handle(index, driver_.on_message(s, bytes, now), now);
}

void SessionPool::poll_once(int timeout_ms, bool refresh) {
  std::array<epoll_event, 256> events{};
  const int n = poller_.wait(events, timeout_ms);
  const int64_t now = now_ns();
  for (int i = 0; i < n; ++i) {
    const size_t index = events[static_cast<size_t>(i)].data.u64;
    Session& s = sessions_[index];
    if (!s.conn.valid()) continue;
    const bool alive =
        s.conn.receive(io_, [&](std::span<const uint8_t> b) { dispatch(index, b, now); });
    if (!alive && s.conn.transport() != Transport::Udp && s.phase != Phase::Closed) {
      poller_.remove(s.conn.fd());
      s.conn.close();
      if (s.phase != Phase::Failed) {
        const bool was_busy = s.phase != Phase::Ready;
        s.failure = "connection closed";
        s.phase = Phase::Failed;
        failures_[s.failure]++;
        if (was_busy && busy_) busy_--;
      }
    }
  }
  sweep(now, refresh);
}

void SessionPool::sweep(int64_t now, bool refresh) {
  if (now - last_sweep_ns_ < 10 * kNsPerMs) return;
  last_sweep_ns_ = now;
  for (size_t i = 0; i < sessions_.size(); ++i) {
    Session& s = sessions_[i];
    if (s.phase == Phase::Idle || s.phase == Phase::Closed || s.phase == Phase::Failed) continue;
    const bool was_refreshing = s.phase == Phase::Refreshing;
    const SessionEvent e = driver_.tick(s, now, refresh);
    if (was_refreshing && e == SessionEvent::Failed) {
      failures_["refresh " + s.failure]++;
      continue;
    }
    handle(i, e, now);
  }
}

void SessionPool::set_up(int window, int64_t deadline) {
  size_t next = 0;
  while (now_ns() < deadline) {
    const int64_t now = now_ns();
    while (busy_ < static_cast<size_t>(window) && next < sessions_.size()) {
      busy_++;
      handle(next, driver_.start(sessions_[next], next, now), now);
      next++;
    }
    if (next == sessions_.size() && busy_ == 0) return;
    poll_once(2, false);
  }
}

void SessionPool::hold(int64_t until) {
  while (now_ns() < until) poll_once(5, true);
}

size_t SessionPool::tear_down(int window, int64_t deadline) {
  busy_ = 0;
  size_t next = 0;
  size_t deleted = 0;
  while (now_ns() < deadline) {
    const int64_t now = now_ns();
    while (busy_ < static_cast<size_t>(window) && next < sessions_.size()) {
      Session& s = sessions_[next++];
      const bool had_allocation = s.relayed.port != 0 && s.conn.valid();
      const SessionEvent e = driver_.start_delete(s, now);
      if (e == SessionEvent::None) {
        busy_++;
        deleted += had_allocation;
      }
    }
    if (next == sessions_.size() && busy_ == 0) break;
    poll_once(2, false);
  }
  for (auto& s : sessions_) {
    if (s.conn.valid()) s.conn.close();
  }
  return deleted;
}

}  // namespace tern::bench

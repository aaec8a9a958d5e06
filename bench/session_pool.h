#pragma once
// Many sessions driven by one loop: set up W at a time, held (refreshing), deleted W at
// a time. Shared by the allocate and relay scenarios.

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "bench/conn.h"
#include "bench/histogram.h"
#include "bench/options.h"
#include "bench/poller.h"
#include "bench/turn_session.h"

namespace tern::bench {

class SessionPool {
 public:
  // Called for every message on a Ready session's socket that is not a control answer
  // (relay data). Set before hold().
  using DataHandler = std::function<void(size_t index, std::span<const uint8_t>, int64_t now)>;

  SessionPool(const Options& o, SessionGoal goal, size_t count);

  // Sets all sessions up, `window` at a time, until each is Ready or Failed or `deadline`.
  void set_up(int window, int64_t deadline);
  // Serves the sessions (refreshes, data through `on_data`) until `until`.
  void hold(int64_t until);
  // Deletes every allocation (Refresh 0), `window` at a time; returns how many went.
  size_t tear_down(int window, int64_t deadline);

  std::vector<Session>& sessions() { return sessions_; }
  Poller& poller() { return poller_; }
  UdpIo& io() { return io_; }
  SessionDriver& driver() { return driver_; }
  void set_data_handler(DataHandler h) { on_data_ = std::move(h); }

  size_t ready() const { return ready_; }
  const Histogram& setup_latency() const { return setup_latency_; }
  // Failures by error code or "timeout"/"connect", setup and teardown together.
  const std::map<std::string, uint64_t>& failures() const { return failures_; }
  // Serves one batch of ready events; used by loops that interleave their own sending.
  void poll_once(int timeout_ms, bool refresh);

 private:
  void dispatch(size_t index, std::span<const uint8_t> bytes, int64_t now);
  void handle(size_t index, SessionEvent e, int64_t now);
  void sweep(int64_t now, bool refresh);

  const Options& o_;
  Credentials credentials_;
  SslCtxPtr tls_;
  UdpIo io_;
  Poller poller_;
  SessionDriver driver_;
  std::vector<Session> sessions_;
  DataHandler on_data_;
  Histogram setup_latency_;
  std::map<std::string, uint64_t> failures_;
  size_t ready_ = 0;
  size_t busy_ = 0;  // sessions with a request out during set_up / tear_down
  int64_t last_sweep_ns_ = 0;
};

Credentials credentials_from(const Options& o);

}  // namespace tern::bench

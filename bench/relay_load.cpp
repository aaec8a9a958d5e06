// Relayed traffic: M allocations, each with a permission and a channel (or Send/Data
// indications) to tern-bench's own echo peer. Every packet makes the round trip
// client -> server -> peer -> server -> client and carries its send time.

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "bench/clock.h"
#include "bench/echo_peer.h"
#include "bench/meter.h"
#include "bench/scenarios.h"
#include "bench/session_pool.h"
#include "protocol/channel_data.h"
#include "protocol/turn_attributes.h"

namespace tern::bench {
namespace {

constexpr uint32_t kPayloadMagic = 0x54425231;  // "TBR1"
constexpr size_t kPayloadHeader = 16;           // magic, flow, send time

struct Flow {
  int in_flight = 0;
  int64_t last_progress_ns = 0;
};

class RelayLoad {
 public:
  explicit RelayLoad(const Options& o) : o_(o), window_(o.effective_window()) {}
  Report run();

 private:
  void send_packets(size_t flow, int n, int64_t now);
  void on_data(size_t flow, std::span<const uint8_t> bytes, int64_t now);
  void pace(int64_t now, int64_t start);
  void sweep(int64_t now);
  void drive(int64_t until, int64_t start, bool sending);
  void report(Report& r, const Meter& meter) const;
  void open_direct_flows();
  void mark(const char* what) const;

  const Options& o_;
  const int window_;
  EchoPeer peer_;
  std::unique_ptr<SessionPool> pool_;
  std::vector<Flow> flows_;
  std::vector<size_t> ready_;  // indexes of the sessions that got set up
  uint16_t channel_ = 0x4000;
  Histogram latency_;
  int64_t sent_ = 0, received_ = 0, received_bytes_ = 0, written_off_ = 0;
  int64_t window_received_ = 0, window_received_bytes_ = 0;
  uint64_t peer_packets_at_start_ = 0, peer_packets_at_stop_ = 0;
  uint64_t peer_bytes_at_start_ = 0, peer_bytes_at_stop_ = 0;
  bool measuring_ = false;
  size_t round_robin_ = 0;
  int64_t last_sweep_ns_ = 0;
  std::vector<uint8_t> payload_;
  std::vector<uint8_t> message_;
};

void RelayLoad::send_packets(size_t flow, int n, int64_t now) {
  Session& s = pool_->sessions()[flow];
  if (!s.conn.valid()) return;
  store_u32(payload_.data(), kPayloadMagic);
  store_u32(payload_.data() + 4, static_cast<uint32_t>(flow));
  for (int i = 0; i < n; ++i) {
    const auto t = static_cast<uint64_t>(now);
    store_u32(payload_.data() + 8, static_cast<uint32_t>(t >> 32));
    store_u32(payload_.data() + 12, static_cast<uint32_t>(t));
    size_t size = 0;
    if (o_.direct) {
      size = payload_.size();
      std::copy(payload_.begin(), payload_.end(), message_.begin());
    } else if (o_.use_channel) {
      size = stun::write_channel_data(message_, channel_, payload_, false);
    } else {
      size = build_send_indication(message_, make_transaction_id(now, static_cast<uint32_t>(flow)),
                                   peer_.address(), payload_);
    }
    s.conn.send(pool_->io(), std::span(message_).first(size));
    flows_[flow].in_flight++;
    sent_++;
  }
  if (s.conn.transport() != Transport::Udp) s.conn.flush(pool_->io());
}

void RelayLoad::on_data(size_t flow, std::span<const uint8_t> bytes, int64_t now) {
  std::span<const uint8_t> data;
  if (o_.direct) {
    data = bytes;
  } else if (!bytes.empty() && (bytes[0] & 0xC0) == 0x40) {
    const auto cd = stun::parse_channel_data(bytes, stun::ChannelRange::Rfc5766);
    if (!cd) return;
    data = cd->data;
  } else {
    const auto m = stun::MessageView::parse(bytes);
    if (!m) return;
    const auto d = stun::DataAttribute::get_from(*m);
    if (!d) return;
    data = d->bytes;
  }
  if (data.size() < kPayloadHeader || load_u32(data.data()) != kPayloadMagic) return;
  const int64_t sent_at = static_cast<int64_t>((uint64_t{load_u32(data.data() + 8)} << 32) |
                                               load_u32(data.data() + 12));
  latency_.record(now - sent_at);
  received_++;
  received_bytes_ += static_cast<int64_t>(data.size());
  if (measuring_) {
    window_received_++;
    window_received_bytes_ += static_cast<int64_t>(data.size());
  }
  Flow& f = flows_[flow];
  if (f.in_flight > 0) f.in_flight--;
  f.last_progress_ns = now;
  // Closed loop: each packet back lets the next one go.
  if (measuring_ && o_.rate_pps <= 0 && sent_ < o_.effective_count()) {
    send_packets(flow, window_ - f.in_flight, now);
  }
}

// Open loop: whatever the offered rate says is due by now goes out, spread over the flows.
void RelayLoad::pace(int64_t now, int64_t start) {
  const auto due_total = static_cast<int64_t>(o_.rate_pps * (now - start) / kNsPerSec);
  int64_t due = std::min<int64_t>({due_total - sent_, 4096, o_.effective_count() - sent_});
  if (due <= 0) return;
  const int64_t per_flow = std::max<int64_t>(1, due / static_cast<int64_t>(ready_.size()));
  while (due > 0) {
    const size_t flow = ready_[round_robin_++ % ready_.size()];
    const int n = static_cast<int>(std::min(per_flow, due));
    send_packets(flow, n, now);
    due -= n;
  }
}

void RelayLoad::sweep(int64_t now) {
  if (now - last_sweep_ns_ < 20 * kNsPerMs) return;
  last_sweep_ns_ = now;
  const int64_t timeout = int64_t{o_.timeout_ms} * kNsPerMs;
  for (size_t flow : ready_) {
    Flow& f = flows_[flow];
    Session& s = pool_->sessions()[flow];
    if (s.conn.wants_write()) s.conn.flush(pool_->io());
    if (f.in_flight > 0 && now - f.last_progress_ns > timeout) {
      if (o_.transport == Transport::Udp) {
        written_off_ += f.in_flight;
        f.in_flight = 0;
      }
      f.last_progress_ns = now;
    }
    if (measuring_ && o_.rate_pps <= 0 && f.in_flight == 0 && sent_ < o_.effective_count()) {
      send_packets(flow, window_, now);
    }
  }
}

void RelayLoad::drive(int64_t until, int64_t start, bool sending) {
  while (now_ns() < until) {
    if (sending && o_.rate_pps > 0) pace(now_ns(), start);
    pool_->io().flush();
    if (sending && sent_ >= o_.effective_count() && received_ + written_off_ >= sent_) return;
    if (!sending && received_ + written_off_ >= sent_) return;
    // Past ~20k packets/s a 1 ms sleep would bunch the packets; spin instead.
    pool_->poll_once(o_.rate_pps >= 20000 ? 0 : (o_.rate_pps > 0 ? 1 : 2), false);
    pool_->io().flush();
    sweep(now_ns());
  }
}

// The testbed samples the CPU of whole namespaces at these lines, so the window it counts
// is the one the packets are counted in. It answers with a line on stdin once it has
// sampled: a reader that the machine's load delays would otherwise sample both ends at
// once.
void RelayLoad::mark(const char* what) const {
  if (!o_.marks) return;
  std::fprintf(stderr, "tern-bench: %s\n", what);
  std::fflush(stderr);
  std::array<char, 16> ack{};
  (void)std::fgets(ack.data(), static_cast<int>(ack.size()), stdin);
}

// The baseline: each flow is a UDP socket connected to the echo peer. The payload's
// magic ("TB..") starts with the bits of ChannelData, so the pool hands it to on_data.
void RelayLoad::open_direct_flows() {
  for (size_t i = 0; i < pool_->sessions().size(); ++i) {
    Session& s = pool_->sessions()[i];
    std::string error;
    s.conn = Conn::open(Transport::Udp, o_.via.value_or(peer_.address()), nullptr, error,
                        o_.source ? &*o_.source : nullptr);
    if (!s.conn.valid() || !pool_->poller().add(s.conn.fd(), i)) {
      s.phase = Phase::Failed;
      continue;
    }
    s.phase = Phase::Ready;
  }
}

void RelayLoad::report(Report& r, const Meter& meter) const {
  const double secs = meter.seconds();
  const auto peer_packets = static_cast<double>(peer_packets_at_stop_ - peer_packets_at_start_);
  const auto peer_bytes = static_cast<double>(peer_bytes_at_stop_ - peer_bytes_at_start_);
  r.number("packets_sent", static_cast<double>(sent_));
  r.number("packets_at_peer", static_cast<double>(peer_.packets()));
  r.number("packets_back", static_cast<double>(received_));
  r.number("to_peer_pps", secs > 0 ? peer_packets / secs : 0);
  r.number("from_peer_pps", secs > 0 ? window_received_ / secs : 0);
  r.number("to_peer_mbps", secs > 0 ? peer_bytes * 8 / secs / 1e6 : 0, 2);
  r.number("from_peer_mbps", secs > 0 ? window_received_bytes_ * 8.0 / secs / 1e6 : 0, 2);
  const auto at_peer = static_cast<double>(peer_.packets());
  const double to_peer_loss = sent_ ? 100.0 * (1.0 - std::min(1.0, at_peer / sent_)) : 0;
  const double back_loss =
      at_peer > 0 ? 100.0 * (1.0 - std::min(1.0, static_cast<double>(received_) / at_peer)) : 0;
  r.number("to_peer_loss_percent", to_peer_loss, 3);
  r.number("from_peer_loss_percent", back_loss, 3);
  r.number("loss_percent", sent_ ? 100.0 * (1.0 - std::min(1.0, double(received_) / sent_)) : 0, 3);
  r.latency("rtt", latency_);
  // One operation = one packet relayed in one direction.
  const double relayed = peer_packets + static_cast<double>(window_received_);
  r.number("packets_measured", relayed);
  meter.report(r, static_cast<uint64_t>(relayed), "packet");
}

Report RelayLoad::run() {
  Report r;
  r.text("mode", "relay");
  r.text("transport", to_string(o_.transport));
  r.text("server", o_.server.to_string());
  r.text("framing", o_.use_channel ? "channel" : "send-indication");
  r.number("flows", o_.flows);
  r.number("size", o_.size);
  r.number("window", window_);
  r.number("offered_pps", o_.rate_pps);
  r.text("path", o_.direct ? "direct" : "relayed");
  if (!peer_.start(o_.peer_ip, o_.peer_netns, static_cast<uint16_t>(o_.peer_port))) {
    r.text("error", "cannot bind the peer address " + o_.peer_ip +
                        (o_.peer_netns.empty() ? "" : " in netns " + o_.peer_netns));
    return r;
  }
  const int64_t begin = now_ns();
  const int64_t hard_end = begin + static_cast<int64_t>(o_.effective_max_seconds() * kNsPerSec);
  SessionGoal goal{.permission = true,
                   .channel = o_.use_channel,
                   .peer = peer_.address(),
                   .channel_number = channel_};
  pool_ = std::make_unique<SessionPool>(o_, goal, static_cast<size_t>(o_.flows));
  if (o_.direct) {
    open_direct_flows();
  } else {
    pool_->set_up(64, hard_end);
  }
  for (size_t i = 0; i < pool_->sessions().size(); ++i) {
    if (pool_->sessions()[i].phase == Phase::Ready) ready_.push_back(i);
  }
  r.number("flows_ready", static_cast<double>(ready_.size()));
  r.number("setup_s", static_cast<double>(now_ns() - begin) / kNsPerSec, 3);
  for (const auto& [what, n] : pool_->failures()) r.count_error("setup " + what, n);
  if (ready_.empty()) {
    r.text("error", "no allocation could be set up");
    return r;
  }
  if (ready_.size() < static_cast<size_t>(o_.flows)) r.warn("some flows could not be set up");

  flows_.resize(pool_->sessions().size());
  payload_.assign(static_cast<size_t>(std::max<int>(o_.size, kPayloadHeader)), 0xAB);
  message_.resize(payload_.size() + 64);
  pool_->set_data_handler(
      [this](size_t flow, std::span<const uint8_t> b, int64_t now) { on_data(flow, b, now); });

  Meter meter(o_.server_pid);
  mark("measuring");
  meter.start();
  const int64_t start = now_ns();
  peer_packets_at_start_ = peer_.packets();
  peer_bytes_at_start_ = peer_.bytes();
  measuring_ = true;
  for (size_t flow : ready_) flows_[flow].last_progress_ns = start;
  if (o_.rate_pps <= 0) {
    for (size_t flow : ready_) send_packets(flow, window_, start);
  }
  const int64_t deadline =
      std::min(hard_end, start + static_cast<int64_t>(o_.duration_s * kNsPerSec));
  drive(deadline, start, true);
  measuring_ = false;
  peer_packets_at_stop_ = peer_.packets();
  peer_bytes_at_stop_ = peer_.bytes();
  meter.stop();
  mark("measured");
  drive(now_ns() + int64_t{o_.timeout_ms} * kNsPerMs, start, false);
  report(r, meter);

  pool_->set_data_handler(nullptr);
  if (o_.direct) return r;  // nothing allocated; the sockets close with the pool
  pool_->tear_down(64, std::max(hard_end, now_ns() + 30 * kNsPerSec));
  for (const auto& [what, n] : pool_->failures()) {
    if (what.starts_with("delete")) r.count_error(what, n);
  }
  return r;
}

}  // namespace

Report run_relay(const Options& o) {
  return RelayLoad(o).run();
}

}  // namespace tern::bench

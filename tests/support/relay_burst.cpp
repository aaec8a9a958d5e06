#include "tests/support/relay_burst.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace tern::test {
namespace {

using Clock = std::chrono::steady_clock;

Bytes filled(size_t size, size_t i) {
  return Bytes(size, static_cast<uint8_t>('a' + i % 26));
}

// Sends with `send(i)` while another thread counts with `receive` (a burst would overflow a
// socket buffer nobody reads), until the sending is done and `quiet` passes without data.
BurstResult run(const Burst& b, const std::function<bool(size_t)>& send,
                const std::function<std::optional<size_t>(Millis)>& receive) {
  BurstResult r;
  std::atomic<bool> sent{false};
  std::thread counter([&] {
    auto last = Clock::now();
    for (;;) {
      if (auto n = receive(Millis(50))) {
        r.received_bytes += *n;
        ++r.received_packets;
        last = Clock::now();
      } else if (sent && Clock::now() - last >= b.quiet) {
        return;
      }
    }
  });
  const auto start = Clock::now();
  for (size_t i = 0; i < b.count; ++i) {
    if (send(i)) r.sent_bytes += b.size;
    if (b.gap.count() > 0) std::this_thread::sleep_for(b.gap);
  }
  r.send_time = std::chrono::duration_cast<Millis>(Clock::now() - start);
  sent = true;
  counter.join();
  return r;
}

}  // namespace

BurstResult burst_to_peer(TurnClient& client, uint16_t channel, UdpPeer& peer, const Burst& b) {
  return run(
      b, [&](size_t i) { return client.send_channel_data(channel, filled(b.size, i)); },
      [&](Millis wait) -> std::optional<size_t> {
        auto d = peer.receive(wait);
        if (!d) return std::nullopt;
        return d->data.size();
      });
}

BurstResult burst_to_client(UdpPeer& peer, const TransportAddress& relayed, TurnClient& client,
                            const Burst& b) {
  return run(
      b, [&](size_t i) { return peer.send_to(relayed, filled(b.size, i)); },
      [&](Millis wait) -> std::optional<size_t> {
        auto d = client.receive_data(wait);
        if (!d) return std::nullopt;
        return d->data.size();
      });
}

}  // namespace tern::test

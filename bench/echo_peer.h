#pragma once
// The relay scenario's far end: a UDP socket on its own thread that sends every datagram
// back to where it came from (the allocation's relayed address), with recvmmsg/sendmmsg.
// It counts what it received, which is the client->peer half of the delivery figures.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "bench/net.h"
#include "protocol/transport_address.h"

namespace tern::bench {

class EchoPeer {
 public:
  EchoPeer() = default;
  EchoPeer(const EchoPeer&) = delete;
  EchoPeer& operator=(const EchoPeer&) = delete;
  ~EchoPeer() { stop(); }

  // Binds `ip` on `port` (0: an ephemeral one) and starts echoing; the socket is made in
  // network namespace `netns` (/var/run/netns/NAME) when one is named. False on failure.
  bool start(const std::string& ip, const std::string& netns = {}, uint16_t port = 0);
  void stop();
  TransportAddress address() const { return address_; }
  uint64_t packets() const { return packets_.load(std::memory_order_relaxed); }
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  void run(std::stop_token stop);

  FileDescriptor fd_;
  TransportAddress address_;
  std::atomic<uint64_t> packets_{0};
  std::atomic<uint64_t> bytes_{0};
  std::jthread thread_;  // last: stopped and joined before the socket closes
};

}  // namespace tern::bench

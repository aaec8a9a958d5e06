#pragma once
// The relay ports of one relay IP (RFC 8656 §7.2): each allocation gets a UDP socket on a
// port picked at random from min-port..max-port, never one in use. All workers allocate
// from the same pool, so it takes a mutex, held only to move ports between lists and hand
// out a word of a batch of random bytes: the sockets are bound outside it.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/file_descriptor.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"

namespace tern {

class RelayPorts;

// A bound relay socket and the pool port it holds. Destroying it closes the socket and then
// gives the port back, so the next owner's bind cannot meet our socket. It points to its
// pool: a lease must not outlive the RelayPorts it came from (the owner declares the pool
// before anything that holds leases, e.g. Reservations and the allocations).
class PortLease {
 public:
  PortLease() = default;  // holds nothing
  PortLease(PortLease&& o) noexcept;
  PortLease& operator=(PortLease&& o) noexcept;
  PortLease(const PortLease&) = delete;
  PortLease& operator=(const PortLease&) = delete;
  ~PortLease() { reset(); }

  bool valid() const { return pool_ != nullptr; }
  int fd() const { return fd_.get(); }
  // The relayed transport address: the relay IP and this port.
  const TransportAddress& address() const { return address_; }
  uint16_t port() const { return address_.port; }
  // Closes the socket and returns the port now.
  void reset();

 private:
  friend class RelayPorts;
  PortLease(RelayPorts* pool, FileDescriptor fd, TransportAddress address)
      : pool_(pool), fd_(std::move(fd)), address_(address) {}

  RelayPorts* pool_ = nullptr;
  FileDescriptor fd_;
  TransportAddress address_;
};

struct AcquireError {
  enum class Kind : uint8_t {
    Exhausted,     // no free port (of the asked parity) or the kernel refused every try: 508
    SocketFailed,  // socket() or bind() failed for a reason other than the port (fds, relay IP)
  };
  Kind kind;
  std::string reason;  // for the log
};

class RelayPorts {
 public:
  // How many ports taken by other sockets one acquire() call may meet before it gives up.
  static constexpr int kMaxBindAttempts = 16;

  // `relay_ip`'s port is ignored. Ports below 1024 are never used (RFC 8656 §7.2: "MUST NOT
  // allocate ports in the range 0 - 1023"); min_port > max_port makes an empty pool. A port
  // the kernel refuses (bound outside the pool) is set aside for `refused_cooldown` so
  // later calls do not keep tripping on it.
  RelayPorts(TransportAddress relay_ip, uint16_t min_port, uint16_t max_port,
             std::chrono::steady_clock::duration refused_cooldown = std::chrono::seconds(60));
  ~RelayPorts();
  RelayPorts(const RelayPorts&) = delete;
  RelayPorts& operator=(const RelayPorts&) = delete;

  // A non-blocking, close-on-exec UDP socket bound (without SO_REUSEADDR/SO_REUSEPORT, so
  // no other socket can share the port) on a random free port, even when `even`.
  Result<PortLease, AcquireError> acquire(bool even = false);
  // EVEN-PORT with R=1: an even port and the odd one above it, both bound.
  Result<std::pair<PortLease, PortLease>, AcquireError> acquire_pair();

  const TransportAddress& relay_ip() const { return relay_ip_; }
  size_t capacity() const { return slots_.size(); }
  size_t in_use() const;  // leased
  // Whether `port` is bound by a lease of this pool (an allocation or a reservation).
  // Lock-free: the peer policy asks on the packet path.
  bool is_leased(uint16_t port) const;
  size_t available() const;  // free: capacity minus leased minus set aside as refused

 private:
  friend class PortLease;
  using Clock = std::chrono::steady_clock;

  // Which list a port is on (the first three index lists_). A free even port is Paired while
  // the odd port above it is free too, so acquire_pair() picks from a list where every entry
  // fits.
  enum class Slot : uint8_t { Odd, EvenPaired, EvenSingle, Leased, Refused };
  static constexpr size_t kLists = 3;  // the free ones: Odd, EvenPaired, EvenSingle
  enum class Want : uint8_t { Any, Even, Pair };

  struct Taken {
    uint16_t port;
    uint16_t pair_port;  // 0 unless Want::Pair
  };

  std::optional<uint64_t> next_random();
  void set_bound(uint16_t port, bool bound);
  std::optional<Taken> take(Want want, uint64_t random, Clock::time_point now);
  void give_back(uint16_t port);
  void set_aside(uint16_t port, Clock::time_point now);
  Result<std::optional<PortLease>, AcquireError> try_bind(uint16_t port, Clock::time_point now);

  // All below: with mutex_ held.
  void readmit_refused(Clock::time_point now);
  void make_free(uint16_t port);
  void make_leased(uint16_t port);
  void move_to(uint16_t port, Slot list);
  void push(uint16_t port, Slot list);
  void unlink(uint16_t port);
  bool is_free(uint32_t port) const;
  size_t index(uint32_t port) const { return port - min_port_; }

  const TransportAddress relay_ip_;
  const uint16_t min_port_;
  const Clock::duration refused_cooldown_;

  // By port - min_port_: bound by a lease. Set once the socket is bound, cleared before it
  // closes, so no other socket can hold a port while it reads true. Not under mutex_.
  const std::unique_ptr<std::atomic<bool>[]> bound_;

  mutable std::mutex mutex_;
  std::vector<Slot> slots_;                          // by port - min_port_
  std::vector<uint32_t> positions_;                  // where a free port sits in its list
  std::array<std::vector<uint16_t>, kLists> lists_;  // free ports, unordered: picked by index
  std::deque<std::pair<Clock::time_point, uint16_t>> refused_;  // oldest first
  size_t leased_ = 0;
  std::array<uint64_t, 32> random_{};
  size_t random_used_ = random_.size();  // all used: the first pick draws a batch
};

}  // namespace tern

#pragma once
// The relay port pools of every relay IP. One IP gives one port range (16,384 ports by
// default), so an operator who needs more concurrent allocations per family lists several
// --relay-ip of that family; allocations are spread over them in turn, and one whose
// range is full is skipped until every range of the family is (then 508).
//
// A reload may change the relay IPs and the range. New allocations take from the pools
// in force; a pool no longer named is kept, with its leases, since allocations hold
// pointers to it: it takes no new allocation and its ports stay leased until they end.
// Pools are never freed before this object, so a reload that names an IP and range
// again takes its old pool back (its leased ports known) instead of a second one.

#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "server/shared/relay_ports.h"

namespace tern {

class RelayPools {
 public:
  // One pool per IP (ports ignored), each with min_port..max_port.
  RelayPools(const std::vector<TransportAddress>& relay_ips, uint16_t min_port, uint16_t max_port);
  RelayPools(const RelayPools&) = delete;
  RelayPools& operator=(const RelayPools&) = delete;

  // At most this many pools over the process's life (each distinct IP and range a
  // reload names makes one), so the lease check reads them without a lock.
  static constexpr size_t kMaxPools = 256;

  // The pools new allocations take from from now on (a reload; main thread). False, with
  // nothing changed, when that would make more than kMaxPools.
  bool reconfigure(const std::vector<TransportAddress>& relay_ips, uint16_t min_port,
                   uint16_t max_port);

  bool serves(Family family) const;
  // A port on the next relay IP of `family` that has one (EVEN-PORT: an even one).
  Result<PortLease, AcquireError> acquire(Family family, bool even = false);
  // EVEN-PORT with R=1: an even port and the odd one above it, on one relay IP.
  Result<std::pair<PortLease, PortLease>, AcquireError> acquire_pair(Family family);

  // Whether `address` (a relay IP and port) is held by a lease: an allocation or a
  // reservation of this server, in a pool in force or a retired one.
  bool is_leased(const TransportAddress& address) const;
  // Every pool, retired ones too, in the order they were made.
  std::vector<RelayPorts*> pools() const;
  // The pools in force, in the order the relay IPs were given.
  std::vector<RelayPorts*> active() const;

 private:
  struct Made {
    uint16_t min_port, max_port;
    std::unique_ptr<RelayPorts> pool;
  };
  using Active = std::vector<RelayPorts*>;

  std::shared_ptr<const Active> snapshot() const;
  // The pools of `family`, starting with the one whose turn it is.
  std::vector<RelayPorts*> in_turn(Family family);
  template <typename Take>
  auto first_that_has(Family family, Take take) -> decltype(take(std::declval<RelayPorts&>()));

  mutable std::mutex mutex_;  // held only to read or swap what is below, never to bind
  std::deque<Made> made_;     // only grows: leases point into it
  std::shared_ptr<const Active> active_;
  // made_'s pools again, for is_leased on the packet path: published before the count.
  std::array<std::atomic<RelayPorts*>, kMaxPools> all_{};
  std::atomic<size_t> all_count_{0};
  std::atomic<uint64_t> turn_[2] = {0, 0};  // per family; workers take turns lock-free
};

}  // namespace tern

#pragma once
// The relay port pools of every relay IP. One IP gives one port range (16,384 ports by
// default), so an operator who needs more concurrent allocations per family lists several
// --relay-ip of that family; allocations are spread over them in turn, and one whose
// range is full is skipped until every range of the family is (then 508).

#include <atomic>
#include <memory>
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

  bool serves(Family family) const;
  // A port on the next relay IP of `family` that has one (EVEN-PORT: an even one).
  Result<PortLease, AcquireError> acquire(Family family, bool even = false);
  // EVEN-PORT with R=1: an even port and the odd one above it, on one relay IP.
  Result<std::pair<PortLease, PortLease>, AcquireError> acquire_pair(Family family);

  // Whether `address` (a relay IP and port) is held by a lease: an allocation or a
  // reservation of this server.
  bool is_leased(const TransportAddress& address) const;
  // The pools in the order the relay IPs were given.
  const std::vector<std::unique_ptr<RelayPorts>>& pools() const { return pools_; }

 private:
  // The pools of `family`, starting with the one whose turn it is.
  std::vector<RelayPorts*> in_turn(Family family);
  template <typename Take>
  auto first_that_has(Family family, Take take) -> decltype(take(std::declval<RelayPorts&>()));

  std::vector<std::unique_ptr<RelayPorts>> pools_;
  std::atomic<uint64_t> turn_[2] = {0, 0};  // per family; workers take turns lock-free
};

}  // namespace tern

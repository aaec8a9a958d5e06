#pragma once
// --external-ip: the public address a NAT maps a private relay address to. Clients and
// their peers only ever see the public one; tern translates at its edges so that traffic
// between two of its own allocations flows without the network having to hairpin.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "protocol/result.h"
#include "protocol/transport_address.h"

namespace tern {

class ExternalAddresses {
 public:
  // Each entry is "public" or "public/private" (coturn's syntax). A bare "public" maps
  // the relay IP of the same family; `relay_ips` lists them.
  static Result<ExternalAddresses, std::string> parse(
      const std::vector<std::string>& entries, const std::vector<TransportAddress>& relay_ips);

  // What a client is told: the public form of a relayed address (port kept).
  TransportAddress advertised(const TransportAddress& actual) const;
  // Where a packet for an advertised address really goes (port kept).
  TransportAddress actual(const TransportAddress& advertised) const;
  std::vector<TransportAddress> public_ips() const;
  bool empty() const { return pairs_.empty(); }

 private:
  struct Pair {
    TransportAddress public_ip;   // port 0
    TransportAddress private_ip;  // port 0
  };
  std::vector<Pair> pairs_;
};

// The mapping in force, which a reload replaces. Each relay socket keeps the one it was
// made under, so an allocation's advertised address never changes under its client and
// the packet path reads no shared state; new allocations take the new mapping.
class ExternalMapping {
 public:
  explicit ExternalMapping(ExternalAddresses initial)
      : current_(std::make_shared<const ExternalAddresses>(std::move(initial))) {}
  std::shared_ptr<const ExternalAddresses> current() const {
    const std::scoped_lock lock(mutex_);
    return current_;
  }
  void replace(ExternalAddresses next) {
    auto made = std::make_shared<const ExternalAddresses>(std::move(next));
    const std::scoped_lock lock(mutex_);
    current_ = std::move(made);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const ExternalAddresses> current_;
};

}  // namespace tern

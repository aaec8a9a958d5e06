#pragma once
// --external-ip: the public address a NAT maps a private relay address to. Clients and
// their peers only ever see the public one; tern translates at its edges so that traffic
// between two of its own allocations flows without the network having to hairpin.

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

}  // namespace tern

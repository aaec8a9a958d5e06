#pragma once
// Where a server listens, resolved from the config (see make_listen_plan in server.h).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ip_range.h"
#include "protocol/transport_address.h"

namespace tern {

struct Config;

// RFC 5780 NAT behaviour discovery: one family's primary and alternate IP, each on a
// listening port and its alternate, indexed by slot (bit 2: the alternate IP, bit 1: the
// alternate port), for the listeners of one kind. Over UDP a Binding answer may leave from
// any of the four; over TCP, TLS and DTLS it leaves on its connection or association, and
// the grid gives OTHER-ADDRESS and RESPONSE-ORIGIN (RFC 5780 §3.1: the mapping tests).
struct Rfc5780Grid {
  static constexpr uint8_t kOtherIp = 2;
  static constexpr uint8_t kOtherPort = 1;
  // UDP and TCP on listening-port and alt-listening-port; TLS and DTLS (the UDP sockets
  // of the TLS ports) on tls-listening-port and alt-tls-listening-port.
  enum class Kind : uint8_t { Udp, Tcp, Tls, Dtls };
  Kind kind = Kind::Udp;
  std::array<TransportAddress, 4> address;
  bool operator==(const Rfc5780Grid&) const = default;
};

// The grids of `ips` (listening-ip, in the order given): the first two addresses of each
// family, neither a wildcard, on `port` and `alt_port`. None for a family named once.
std::vector<Rfc5780Grid> rfc5780_grids(Rfc5780Grid::Kind kind,
                                       const std::vector<TransportAddress>& ips, uint16_t port,
                                       uint16_t alt_port);

struct ListenPlan {
  std::vector<TransportAddress> udp;
  std::vector<TransportAddress> tcp;
  std::vector<TransportAddress> tls;
  std::vector<TransportAddress> dtls;  // UDP on the TLS ports (coturn's), unless no-dtls
  // Behind a load balancer: every connection starts with a PROXY protocol header.
  std::vector<TransportAddress> tcp_proxy, tls_proxy;
  std::vector<IpRange> proxy_trusted;      // empty: any source
  std::vector<IpRange> udp_proxy_trusted;  // empty: UDP takes no PROXY headers
  std::vector<Rfc5780Grid> rfc5780;        // their addresses are in their kind's list too
};

}  // namespace tern

namespace tern {

// Adds RFC 5780's grids to `plan` for each kind of listener it has (and their
// alternate-port addresses to those listeners) unless the config turns it off; the error
// when alt-listening-port or alt-tls-listening-port cannot be.
std::optional<std::string> plan_rfc5780(ListenPlan& plan, const std::vector<TransportAddress>& ips,
                                        const Config& config);

}  // namespace tern

#pragma once
// Which peers a client may relay to. TURN servers have been used to reach the operator's
// own network (loopback services, cloud metadata at 169.254.169.254, private ranges,
// often disguised as IPv4-mapped, NAT64 or 6to4 IPv6 addresses), so tern refuses those by
// default and the handler answers 403 (RFC 8656 §21.1.7 also forbids relaying to the
// server's own ports: TURN loops).

#include <bitset>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "base/ip_range.h"
#include "protocol/transport_address.h"

namespace tern {

struct PeerPolicyConfig {
  // --allowed-peer-ip: wins over every denial, default or configured. Allowing an IPv6
  // range opens those IPv6 addresses only, never the IPv4 host embedded in a NAT64, 6to4
  // or IPv4-compatible one: to reach 10.0.0.5 through 64:ff9b::a00:5, allow 10.0.0.5. An
  // IPv4-mapped range (::ffff:a.b.c.d) is read as the IPv4 range it is.
  std::vector<IpRange> allowed;
  // --denied-peer-ip: added to the built-in denials (mapped ranges read as IPv4 too).
  std::vector<IpRange> denied;
  // --allow-loopback-peers: opens 127/8, ::1 and ::ffff:127/104 (unless --denied-peer-ip
  // names them), not the NAT64, 6to4 or IPv4-compatible forms of 127/8 (those are
  // tunnels, not this host's loopback) and not 0.0.0.0 or ::.
  bool allow_loopback = false;
  // The server's listening sockets (IP:port; 0.0.0.0 or :: means every IP at that port).
  // Always refused, even when allowed.
  std::vector<TransportAddress> server_ports;
  // This server's relay IPs; ports ignored, unspecified addresses skipped (a wildcard
  // must never match a peer).
  std::vector<TransportAddress> own_relay_ips;
  // The --external-ip public IPs. tern rewrites a peer there to the relay IP behind it,
  // so nothing but tern's own relays is a peer at them, whatever the ranges say.
  std::vector<TransportAddress> external_ips;
  uint16_t relay_min_port = 49152, relay_max_port = 65535;
};

enum class PeerVerdict : uint8_t { Allowed, Denied };
const char* to_string(PeerVerdict v);

// The IPv4 address inside an IPv6 one, port kept: IPv4-mapped (::ffff:a.b.c.d),
// IPv4-compatible (::a.b.c.d, except :: and ::1), NAT64 well-known prefix (64:ff9b::/96)
// and 6to4 (2002:AABB:CCDD::/48 → A.B.C.D). nullopt for IPv4 and other IPv6 addresses.
std::optional<TransportAddress> embedded_ipv4(const TransportAddress& a);

class PeerPolicy {
 public:
  explicit PeerPolicy(PeerPolicyConfig config);

  // For every datagram or channel bound towards `peer`. In order: one of the server's
  // own listening ports → Denied; one of our relay or external IPs at a port tern leases
  // as a relayed address → Allowed (two clients of one call relaying through the same
  // tern is the most common path, and the relay IP is often private); an external IP at
  // any other port → Denied (the packet would go to that port of the private relay IP);
  // a relay IP at any other port → Allowed only when it is loopback and allow_loopback
  // opens it, else Denied (it is this host, not a peer, even when an allowed range holds
  // it); an allowed range → Allowed; loopback with allow_loopback → Allowed unless denied
  // by configuration; a built-in or configured denial → Denied; else Allowed. A peer with
  // an embedded IPv4 address is Denied when either form is. No allocation, no locks:
  // workers share one const PeerPolicy (the lease check must be lock-free too).
  PeerVerdict check(const TransportAddress& peer) const;

  // For CreatePermission, whose permissions match the IP only (RFC 8656 §9): the verdict
  // for the IP with the port ignored, so our own relay IP passes whatever port the client
  // wrote. The port-dependent refusals are left to check_port() on each datagram.
  PeerVerdict check_ip(const TransportAddress& peer) const;

  // Which rule refused `peer` (for the log, after check() or, with `ip_only`, check_ip()
  // said Denied): "server-port", "own-relay-ip", "external-ip", "denied-peer-ip" (the
  // configured ranges) or "default-denied" (the built-in ones). Off the packet path.
  const char* refusal_rule(const TransportAddress& peer, bool ip_only) const;

  // Whether check() may refuse some ports of an IP that check_ip() allows: one of our own
  // IPs (relay, external, listening), the unspecified address, or an address embedding
  // one of ours. Decided once, when a permission is installed.
  bool port_sensitive(const TransportAddress& ip) const;
  // Each datagram to `peer` whose IP check_ip() allowed under this policy: the same
  // verdict as check(peer), at the cost of one bit lookup unless the IP is port-sensitive
  // (then it is check() itself).
  PeerVerdict check_port(const TransportAddress& peer, bool port_sensitive) const {
    if (port_sensitive) return check(peer);
    return wildcard_ports_.test(peer.port) ? PeerVerdict::Denied : PeerVerdict::Allowed;
  }

  // Tells check() which relay-range ports on our relay and external IPs are really ours
  // (bound for an allocation or a reservation): it gets the address as the client named
  // it and translates. Set once, before the workers start; called on the packet path.
  void set_lease_check(std::function<bool(const TransportAddress&)> leased) {
    leased_ = std::move(leased);
  }

 private:
  bool hits_server_port(const TransportAddress& a, const std::optional<TransportAddress>& e) const;
  bool is_us(const TransportAddress& a) const;
  bool is_own_relay_ip(const TransportAddress& a) const;
  bool is_external_ip(const TransportAddress& a) const;
  bool is_leased_relay_port(const TransportAddress& a) const;
  PeerVerdict own_relay_ip_verdict(const TransportAddress& a) const;
  PeerVerdict ip_verdict(const TransportAddress& a, const std::optional<TransportAddress>& e) const;
  bool loopback_opened(const TransportAddress& a) const;
  bool denied(const TransportAddress& a) const;

  std::vector<IpRange> allowed_, denied_, default_denied_;
  bool allow_loopback_;
  std::vector<uint16_t> server_ports_;
  std::bitset<65536> wildcard_ports_;           // any IP at these ports is us
  std::vector<TransportAddress> own_ips_;       // relay, external and specific listening IPs
  std::vector<TransportAddress> relay_ips_;     // relay and external IPs
  std::vector<TransportAddress> external_ips_;  // external IPs only
  uint16_t relay_min_port_, relay_max_port_;
  std::function<bool(const TransportAddress&)> leased_;
};

}  // namespace tern

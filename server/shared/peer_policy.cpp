#include "server/shared/peer_policy.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <span>
#include <string_view>
#include <utility>

#include "protocol/byte_order.h"

namespace tern {
namespace {

// Refused unless allowed. Besides the private, loopback, link-local, CGNAT, multicast and
// reserved ranges, the documentation (TEST-NET-1..3, 2001:db8::/32, 3fff::/20) and
// benchmarking (198.18/15, 2001:2::/48) ranges are denied: no real peer is ever numbered
// from them (RFC 5737, 2544, 3849, 5180, 9637), so denying costs nothing, while networks
// that borrow them internally (198.18/15 is a favourite) are exactly what must not be
// reachable. IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are not
// listed: they are judged by the IPv4 address they embed, so public ones stay reachable.
constexpr std::array<std::string_view, 25> kDefaultDenied = {
    "0.0.0.0/8",        // "this network"; 0.0.0.0 reaches the local host on Linux
    "10.0.0.0/8",       // RFC 1918
    "100.64.0.0/10",    // CGNAT, RFC 6598
    "127.0.0.0/8",      // loopback
    "169.254.0.0/16",   // link-local, incl. 169.254.169.254 cloud metadata
    "172.16.0.0/12",    // RFC 1918
    "192.0.0.0/24",     // IETF protocol assignments (DS-Lite, NAT64 discovery)
    "192.0.2.0/24",     // TEST-NET-1
    "192.168.0.0/16",   // RFC 1918
    "198.18.0.0/15",    // benchmarking
    "198.51.100.0/24",  // TEST-NET-2
    "203.0.113.0/24",   // TEST-NET-3
    "224.0.0.0/4",      // multicast
    "240.0.0.0/4",      // reserved, incl. 255.255.255.255 broadcast
    "::/128",           // unspecified: reaches the local host
    "::1/128",          // loopback
    "100::/64",         // discard-only, RFC 6666
    "64:ff9b:1::/48",   // local-use NAT64, RFC 8215: translates into the operator's network
    "2001:2::/48",      // benchmarking
    "2001:db8::/32",    // documentation
    "3fff::/20",        // documentation, RFC 9637
    "fc00::/7",         // unique local
    "fe80::/10",        // link-local
    "fec0::/10",        // site-local: deprecated (RFC 3879), still routed inside some networks
    "ff00::/8",         // multicast
};

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr std::array<uint8_t, 12> kCompatPrefix = {};
constexpr std::array<uint8_t, 12> kNat64Prefix = {0x00, 0x64, 0xff, 0x9b};

bool starts_with(const TransportAddress& a, std::span<const uint8_t> prefix) {
  return std::equal(prefix.begin(), prefix.end(), a.ip.begin());
}

bool is_mapped(const TransportAddress& a) {
  return a.family == Family::V6 && starts_with(a, kMappedPrefix);
}

TransportAddress ipv4_at(const TransportAddress& a, size_t offset) {
  return TransportAddress::v4({a.ip[offset], a.ip[offset + 1], a.ip[offset + 2], a.ip[offset + 3]},
                              a.port);
}

// The form every check starts from: an IPv4-mapped address is the IPv4 address itself
// (a dual-stack socket sends to it as such), and an IPv4 address loses whatever its
// unused bytes hold.
TransportAddress canonical(const TransportAddress& a) {
  if (a.family == Family::V4 || is_mapped(a)) return ipv4_at(a, a.family == Family::V4 ? 0 : 12);
  return a;
}

bool in_any(const std::vector<IpRange>& ranges, const TransportAddress& a) {
  return std::ranges::any_of(ranges, [&](const IpRange& r) { return r.contains(a); });
}

bool contains_port(const std::vector<uint16_t>& ports, uint16_t port) {
  return std::ranges::find(ports, port) != ports.end();
}

// A configured range written in IPv4-mapped form applies to the IPv4 addresses it maps.
std::vector<IpRange> with_mapped_as_ipv4(std::vector<IpRange> ranges) {
  const size_t n = ranges.size();
  for (size_t i = 0; i < n; ++i) {
    const IpRange r = ranges[i];
    const TransportAddress first{r.family, r.first, 0}, last{r.family, r.last, 0};
    if (is_mapped(first) && is_mapped(last)) {
      ranges.push_back(IpRange{Family::V4, ipv4_at(first, 12).ip, ipv4_at(last, 12).ip});
    }
  }
  return ranges;
}

std::vector<IpRange> default_denied() {
  std::vector<IpRange> out;
  out.reserve(kDefaultDenied.size());
  for (std::string_view text : kDefaultDenied) {
    auto r = IpRange::parse(text);
    assert(r.ok() && "a built-in peer denial does not parse");
    if (r) out.push_back(*r);
  }
  return out;
}

}  // namespace

const char* to_string(PeerVerdict v) {
  return v == PeerVerdict::Allowed ? "allowed" : "denied";
}

std::optional<TransportAddress> embedded_ipv4(const TransportAddress& a) {
  if (a.family != Family::V6) return std::nullopt;
  if (starts_with(a, kMappedPrefix) || starts_with(a, kNat64Prefix)) return ipv4_at(a, 12);
  if (starts_with(a, kCompatPrefix)) {
    // :: and ::1 are IPv6's own unspecified and loopback addresses, not 0.0.0.0/0.0.0.1.
    const uint32_t low = load_u32(a.ip.data() + 12);
    if (low <= 1) return std::nullopt;
    return ipv4_at(a, 12);
  }
  if (a.ip[0] == 0x20 && a.ip[1] == 0x02) return ipv4_at(a, 2);
  return std::nullopt;
}

PeerPolicy::PeerPolicy(PeerPolicyConfig config)
    : allowed_(with_mapped_as_ipv4(std::move(config.allowed))),
      denied_(with_mapped_as_ipv4(std::move(config.denied))),
      default_denied_(default_denied()),
      allow_loopback_(config.allow_loopback),
      relay_min_port_(config.relay_min_port),
      relay_max_port_(config.relay_max_port) {
  for (const TransportAddress& listen : config.server_ports) {
    const TransportAddress a = canonical(listen);
    server_ports_.push_back(a.port);
    if (is_unspecified(a)) {
      wildcard_ports_.set(a.port);
    } else {
      own_ips_.push_back(a);
    }
  }
  for (const auto* list : {&config.own_relay_ips, &config.external_ips}) {
    for (const TransportAddress& ip : *list) {
      const TransportAddress a = canonical(ip);
      if (is_unspecified(a)) continue;
      relay_ips_.push_back(a);
      own_ips_.push_back(a);
      if (list == &config.external_ips) external_ips_.push_back(a);
    }
  }
}

PeerVerdict PeerPolicy::check(const TransportAddress& peer) const {
  const TransportAddress a = canonical(peer);
  const std::optional<TransportAddress> e = embedded_ipv4(a);
  if (hits_server_port(a, e)) return PeerVerdict::Denied;
  if (is_own_relay_ip(a)) return own_relay_ip_verdict(a);
  // Through a NAT64 or 6to4 translator, our relay IP is still us.
  if (e && is_own_relay_ip(*e) && !is_leased_relay_port(*e)) return PeerVerdict::Denied;
  return ip_verdict(a, e);
}

// Our relay IPs are this host: the peers there are tern's relays and nothing else (any
// other socket, even one in the relay range, is a local service or an ephemeral port).
// An external IP is judged as the relay IP it is rewritten to, the address the packet
// really goes to; and since no range opens one of our relay IPs, neither does an allowed
// public address. Only --allow-loopback-peers, which opens this host's loopback services
// by design (tests relay on 127.0.0.1 to peers on 127.0.0.1), opens a loopback relay IP.
PeerVerdict PeerPolicy::own_relay_ip_verdict(const TransportAddress& a) const {
  if (is_leased_relay_port(a)) return PeerVerdict::Allowed;
  if (!is_external_ip(a) && loopback_opened(a)) return PeerVerdict::Allowed;
  return PeerVerdict::Denied;
}

// Checked on every datagram to a relay IP, not only when the permission or channel was
// made: a relay port given back (and maybe bound by something else since) is no relay.
bool PeerPolicy::is_leased_relay_port(const TransportAddress& a) const {
  return is_own_relay_ip(a) && a.port >= relay_min_port_ && a.port <= relay_max_port_ &&
         (!leased_ || leased_(a));
}

PeerVerdict PeerPolicy::check_ip(const TransportAddress& peer) const {
  const TransportAddress a = canonical(peer);
  if (is_own_relay_ip(a)) return PeerVerdict::Allowed;
  return ip_verdict(a, embedded_ipv4(a));
}

const char* PeerPolicy::refusal_rule(const TransportAddress& peer, bool ip_only) const {
  const TransportAddress a = canonical(peer);
  const std::optional<TransportAddress> e = embedded_ipv4(a);
  if (!ip_only && hits_server_port(a, e)) return "server-port";
  if (is_external_ip(a) || (e && is_external_ip(*e))) return "external-ip";
  if (is_own_relay_ip(a) || (e && is_own_relay_ip(*e))) return "own-relay-ip";
  if (in_any(denied_, a) || (e && in_any(denied_, *e))) return "denied-peer-ip";
  return "default-denied";
}

// check() and check_ip() differ only where hits_server_port() or the own-relay-IP rule can
// see the port: every IP at a wildcard listener's port (check_port's bit), and our own IPs
// in any form. own_ips_ holds the relay and external IPs as well as the listening ones.
bool PeerPolicy::port_sensitive(const TransportAddress& ip) const {
  const TransportAddress a = canonical(ip);
  const std::optional<TransportAddress> e = embedded_ipv4(a);
  return is_us(a) || (e && is_us(*e));
}

// Any IP at a wildcard listener's port is us; so is any of our own IPs (or the
// unspecified address, which the kernel delivers locally) at any listening port, which
// also covers an external IP NATed back onto a listener bound to another address.
bool PeerPolicy::hits_server_port(const TransportAddress& a,
                                  const std::optional<TransportAddress>& e) const {
  if (!contains_port(server_ports_, a.port)) return false;
  if (wildcard_ports_.test(a.port)) return true;
  return is_us(a) || (e && is_us(*e));
}

// The unspecified address is us too: the kernel delivers it locally.
bool PeerPolicy::is_us(const TransportAddress& x) const {
  return is_unspecified(x) ||
         std::ranges::any_of(own_ips_, [&](const TransportAddress& o) { return same_ip(o, x); });
}

bool PeerPolicy::is_own_relay_ip(const TransportAddress& a) const {
  return std::ranges::any_of(relay_ips_, [&](const TransportAddress& r) { return same_ip(r, a); });
}

bool PeerPolicy::is_external_ip(const TransportAddress& a) const {
  return std::ranges::any_of(external_ips_,
                             [&](const TransportAddress& r) { return same_ip(r, a); });
}

// Each form is judged on its own and either one can deny: allowing the IPv6 form of a
// NAT64 or 6to4 address does not open the IPv4 host behind it.
PeerVerdict PeerPolicy::ip_verdict(const TransportAddress& a,
                                   const std::optional<TransportAddress>& e) const {
  const bool a_cleared = in_any(allowed_, a) || loopback_opened(a);
  if (!a_cleared && denied(a)) return PeerVerdict::Denied;
  if (e && !in_any(allowed_, *e) && denied(*e)) return PeerVerdict::Denied;
  return PeerVerdict::Allowed;
}

// Only `a` itself: an embedded 127.x.x.x is reached through a tunnel or translator, not
// on this host's loopback interface.
bool PeerPolicy::loopback_opened(const TransportAddress& a) const {
  return allow_loopback_ && is_loopback(a) && !in_any(denied_, a);
}

bool PeerPolicy::denied(const TransportAddress& a) const {
  return in_any(default_denied_, a) || in_any(denied_, a);
}

}  // namespace tern

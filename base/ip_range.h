#pragma once
// An inclusive range of IP addresses, the unit of the peer-address policy
// (--allowed-peer-ip, --denied-peer-ip and the built-in denials).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.h"
#include "protocol/transport_address.h"

namespace tern {

struct IpRange {
  Family family = Family::V4;
  // Laid out like TransportAddress::ip: IPv4 uses the first 4 bytes, the rest stay zero.
  std::array<uint8_t, 16> first{}, last{};

  // "IP" (one address), "IP-IP" (coturn's form, inclusive) or "IP/len" (CIDR). Spaces
  // around the parts are ignored. A CIDR address with bits set past the prefix is refused
  // rather than widened: an allow-list entry should never mean more than it says. The
  // error names the input and the reason.
  static Result<IpRange, std::string> parse(std::string_view text);
  static IpRange single(const TransportAddress& a);

  // Compares the address as one 128-bit (or 32-bit) integer against both ends: a
  // per-byte or per-field comparison lets 10.1.0.0 slip under 10.0.255.255-10.2.0.0.
  // An address of the other family is never contained; its port is ignored.
  bool contains(const TransportAddress& a) const;

  // "a", or "a-b" when the range holds more than one address.
  std::string to_string() const;

  friend bool operator==(const IpRange&, const IpRange&) = default;
};

// Parses every entry of a config list; the first bad entry is the error.
Result<std::vector<IpRange>, std::string> parse_ip_ranges(const std::vector<std::string>& texts);

}  // namespace tern

#pragma once
// ICMP errors the kernel reports for a UDP socket (IP_RECVERR / IPV6_RECVERR): read from
// the socket's error queue, with the destination of the datagram that caused each.

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/transport_address.h"

namespace tern {

struct IcmpReport {
  TransportAddress destination;  // where the datagram that met the error was going
  bool icmpv6 = false;
  uint8_t type = 0;
  uint8_t code = 0;
  uint32_t info = 0;  // the next-hop MTU for "fragmentation needed" / "packet too big"
};

// Asks the kernel to queue ICMP errors on `fd` (a UDP socket of `family`); false if it
// will not.
bool enable_icmp_reports(int fd, Family family);

// Reads up to out.size() ICMP reports from `fd`'s error queue without blocking; returns
// how many. Errors that did not come from ICMP are read and dropped.
size_t read_icmp_reports(int fd, std::span<IcmpReport> out);

// Whether `err` from a send is an ICMP error reported late, for an earlier datagram (with
// IP_RECVERR on, the next send on the socket returns it once): the send itself may be
// retried.
bool is_reported_icmp_error(int err);

}  // namespace tern

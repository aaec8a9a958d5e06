#pragma once
// The far side of a relay in tests: an unconnected UDP socket on a loopback address that
// records what reaches it and sends or echoes datagrams. Every receive has a deadline.

#include <optional>
#include <span>
#include <string>

#include "base/file_descriptor.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "tests/support/stun_client.h"

namespace tern::test {

struct Datagram {
  TransportAddress from;
  Bytes data;
};

class UdpPeer {
 public:
  // Bound to `address` (port 0: any free port), e.g. 127.0.0.1, 127.0.0.2 or ::1.
  static Result<UdpPeer, std::string> open(const TransportAddress& address);

  TransportAddress address() const { return address_; }
  bool send_to(const TransportAddress& to, std::span<const uint8_t> data);
  Result<Datagram, RecvError> receive(Millis timeout = Millis(2000));
  // Receives one datagram and sends its bytes back to where it came from.
  Result<Datagram, RecvError> echo(Millis timeout = Millis(2000));
  // True when nothing arrives within `timeout` (what did arrive is discarded).
  bool silent_for(Millis timeout);

 private:
  UdpPeer(FileDescriptor fd, TransportAddress address) : fd_(std::move(fd)), address_(address) {}

  FileDescriptor fd_;
  TransportAddress address_;
};

// Whether a datagram to `to` is refused right away (ICMP port unreachable on loopback):
// nothing listens on that port. A connected socket sees the ICMP error as ECONNREFUSED.
bool udp_port_closed(const TransportAddress& to, Millis timeout = Millis(500));

}  // namespace tern::test

#pragma once
// The far side of a TCP relay (RFC 6062) in tests: a listening socket a Connect reaches,
// and the connections it accepts or makes itself (to a relayed address, for a
// ConnectionAttempt). Blocking I/O with a deadline on every call.

#include <span>
#include <string>

#include "base/file_descriptor.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "tests/support/stun_client.h"

namespace tern::test {

class TcpStream {
 public:
  // Connects to `to` from `from`'s IP (port 0: any).
  static Result<TcpStream, std::string> connect(const TransportAddress& from,
                                                const TransportAddress& to,
                                                Millis timeout = Millis(3000));
  explicit TcpStream(FileDescriptor fd) : fd_(std::move(fd)) {}

  bool send_all(std::span<const uint8_t> data, Millis timeout = Millis(5000));
  // Exactly `size` bytes, or the error that came first.
  Result<Bytes, RecvError> receive_exact(size_t size, Millis timeout = Millis(5000));
  // True when the other side closes (EOF or reset) within `timeout`; data is discarded.
  bool closed_within(Millis timeout);
  TransportAddress local_address() const;
  TransportAddress remote_address() const;

 private:
  FileDescriptor fd_;
};

class TcpListener {
 public:
  // Listening on `address` (port 0: any free port).
  static Result<TcpListener, std::string> open(const TransportAddress& address);
  TransportAddress address() const { return address_; }
  Result<TcpStream, std::string> accept(Millis timeout = Millis(3000));

 private:
  TcpListener(FileDescriptor fd, TransportAddress address)
      : fd_(std::move(fd)), address_(address) {}
  FileDescriptor fd_;
  TransportAddress address_;
};

}  // namespace tern::test

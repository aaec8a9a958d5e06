#pragma once
// A connection accepted on a PROXY listener (--tcp-proxy-port, --tls-proxy-port) while its
// PROXY protocol header is read: before any TLS handshake or STUN frame, within a deadline
// and kMaxProxyHeader bytes. Not one byte past the header is consumed, so what follows is
// the client's, untouched, for the TLS or plain stream that takes the descriptor over.

#include <cstdint>
#include <functional>
#include <vector>

#include "base/file_descriptor.h"
#include "base/ip_range.h"
#include "base/libevent.h"
#include "base/proxy_protocol.h"
#include "protocol/transport_address.h"
#include "server/shared/stream_limits.h"

namespace tern {

// Whose PROXY headers are believed (--proxy-trusted, --udp-proxy-trusted).
struct ProxyTrust {
  std::vector<IpRange> trusted;  // empty: any source, as coturn does
  bool trusts(const TransportAddress& source) const;
};

class ProxyHeaderReader {
 public:
  // `fd` invalid when the header was bad or late (already counted by the caller's
  // on_done); otherwise the descriptor, positioned just past the header.
  using OnDone =
      std::function<void(ProxyHeaderReader*, FileDescriptor fd, const ProxyHeader* header)>;

  // `slot` counts the pending connection against its balancer until the header is read.
  ProxyHeaderReader(event_base* base, FileDescriptor fd, StreamSlot slot, uint32_t timeout_s,
                    OnDone on_done);
  ProxyHeaderReader(const ProxyHeaderReader&) = delete;
  ProxyHeaderReader& operator=(const ProxyHeaderReader&) = delete;

 private:
  static void on_readable(evutil_socket_t, short, void* self);
  static void on_deadline(evutil_socket_t, short, void* self);
  void read();
  // Hands the descriptor on (or, with no header, closes it); destroys this object.
  void finish(const ProxyHeader* header);

  FileDescriptor fd_;  // before the events that watch it
  StreamSlot slot_;
  OnDone on_done_;
  std::vector<uint8_t> received_;  // a strict prefix of the header, consumed from the socket
  EventPtr read_event_;
  EventPtr deadline_;
};

}  // namespace tern

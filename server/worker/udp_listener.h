#pragma once
// A worker's UDP socket on one listening address. Reads are drained in batches with
// recvmmsg and the replies of a batch leave in one sendmmsg.

#include <sys/socket.h>

#include <array>
#include <memory>
#include <string>

#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "base/udp_batch.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "server/core/counters.h"
#include "server/worker/dispatcher.h"
#include "server/worker/dtls_endpoint.h"
#include "server/worker/proxy_header_reader.h"

namespace tern {

class UdpListener {
 public:
  // `proxy`: the balancers (--udp-proxy-trusted) whose every datagram starts with a PROXY
  // protocol v2 header naming the client; empty: none.
  static Result<std::unique_ptr<UdpListener>, std::string> open(
      event_base* base, const TransportAddress& address, Dispatcher& dispatcher, UdpBatch& batch,
      WorkerCounters& counters, ProxyTrust proxy = {});
  // open() in two steps, so a reload binds every worker's socket before any worker
  // changes: the socket alone, then the listener watching it on `base`.
  static Result<FileDescriptor, std::string> bind(const TransportAddress& address);
  static Result<std::unique_ptr<UdpListener>, std::string> adopt(
      event_base* base, FileDescriptor fd, Dispatcher& dispatcher, UdpBatch& batch,
      WorkerCounters& counters, ProxyTrust proxy = {});
  // Use open(); public for make_unique.
  UdpListener(FileDescriptor fd, TransportAddress address, Dispatcher& dispatcher, UdpBatch& batch,
              WorkerCounters& counters, ProxyTrust proxy);
  const TransportAddress& address() const { return address_; }
  int fd() const { return fd_.get(); }
  // A reload removed this address: the socket stays open for the clients that have an
  // allocation through it (their relayed data leaves through it), and drops every
  // datagram from any other source, so no new allocation is made here.
  void retire() { retired_ = true; }
  // The address was named again before the socket closed.
  void revive() { retired_ = false; }
  bool retired() const { return retired_; }
  // The TLS port's socket: DTLS records (told apart by their first byte) go to `dtls`;
  // STUN and ChannelData are served as on any UDP socket.
  void serve_dtls(std::unique_ptr<DtlsEndpoint> dtls) { dtls_ = std::move(dtls); }
  bool serves_dtls() const { return dtls_ != nullptr; }
  size_t dtls_associations() const { return dtls_ ? dtls_->associations() : 0; }

 private:
  static void on_readable(evutil_socket_t fd, short what, void* self);
  // Reads one batch; returns how many datagrams it read.
  size_t read_batch();
  void flush(size_t count);
  // Takes a trusted balancer's PROXY header off `payload` and names its client in `ctx`;
  // false when the datagram is to be dropped (counted).
  bool unwrap_proxy(std::span<const uint8_t>& payload, RequestContext& ctx);

  FileDescriptor fd_;  // before event_: the event must go first
  EventPtr event_;
  TransportAddress address_;
  Dispatcher& dispatcher_;
  UdpBatch& batch_;
  WorkerCounters& counters_;
  ProxyTrust proxy_;
  bool retired_ = false;
  std::unique_ptr<DtlsEndpoint> dtls_;  // last: gone before the socket it sends through
};

}  // namespace tern

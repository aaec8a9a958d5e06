#pragma once
// A worker's TCP or TLS listening socket on one address, and the connections accepted
// through it (which it owns).

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "base/tls_context.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "server/core/counters.h"
#include "server/shared/stream_limits.h"
#include "server/worker/dispatcher.h"
#include "server/worker/proxy_header_reader.h"
#include "server/worker/stream_connection.h"

namespace tern {

class Logger;

class StreamListener {
 public:
  // `tls` null: plain TCP. Otherwise every accepted connection starts a TLS handshake.
  // With `proxy`, each connection first sends a PROXY protocol header (from a source it
  // trusts) that names the client.
  static Result<std::unique_ptr<StreamListener>, std::string> open(
      event_base* base, const TransportAddress& address, const ServerTls* tls,
      Dispatcher& dispatcher, std::span<uint8_t> scratch, WorkerCounters& counters,
      StreamLimits& limits, Logger& log, std::optional<ProxyTrust> proxy = std::nullopt);

  // open() in two steps, as UdpListener's: the listening socket, then the listener.
  static Result<FileDescriptor, std::string> bind(const TransportAddress& address);
  static Result<std::unique_ptr<StreamListener>, std::string> adopt(
      event_base* base, FileDescriptor fd, const ServerTls* tls, Dispatcher& dispatcher,
      std::span<uint8_t> scratch, WorkerCounters& counters, StreamLimits& limits, Logger& log,
      std::optional<ProxyTrust> proxy = std::nullopt);

  // Use open(); public for make_unique.
  StreamListener(event_base* base, TransportAddress address, const ServerTls* tls,
                 Dispatcher& dispatcher, std::span<uint8_t> scratch, WorkerCounters& counters,
                 StreamLimits& limits, Logger& log, std::optional<ProxyTrust> proxy);
  ~StreamListener();

  const TransportAddress& address() const { return address_; }
  size_t connection_count() const { return connections_.size(); }
  bool is_tls() const { return tls_ != nullptr; }
  bool is_proxy() const { return proxy_.has_value(); }
  // A reload removed this address: the listening socket closes (new clients are
  // refused) while the connections accepted through it go on until they end.
  void stop_accepting();
  bool accepting() const { return listener_ != nullptr; }
  // No connection left, nor one waiting for its PROXY header.
  bool idle() const { return connections_.empty() && pending_.empty(); }

 private:
  static void on_accept(evconnlistener* l, evutil_socket_t fd, sockaddr* addr, int length,
                        void* self);
  static void on_accept_error(evconnlistener* l, void* self);
  static void on_resume(evutil_socket_t, short, void* self);
  // Out of descriptors: the listening socket stays readable, so accepting again at once
  // would spin; pause, and try again after a short while.
  void pause_accepting(int error);
  // Over a cap: closed with a reset, so the refused connection leaves no TIME_WAIT here.
  void refuse(int fd, StreamLimits::Admission why);
  // `length`: what accept(2) filled in, so a short address is refused, not read past.
  void accept(int fd, const sockaddr* addr, socklen_t length);
  // `client`: the accepted peer, or the one its PROXY header names.
  void start(int fd, const TransportAddress& client);
  void read_proxy_header(int fd, const TransportAddress& balancer);
  BufferEventPtr make_bufferevent(int fd);

  event_base* base_;
  TransportAddress address_;
  const ServerTls* tls_;
  Dispatcher& dispatcher_;
  std::span<uint8_t> scratch_;
  WorkerCounters& counters_;
  StreamLimits& limits_;
  Logger& log_;
  EventPtr resume_;
  std::optional<ProxyTrust> proxy_;
  std::unordered_map<StreamConnection*, std::unique_ptr<StreamConnection>> connections_;
  std::unordered_map<ProxyHeaderReader*, std::unique_ptr<ProxyHeaderReader>> pending_;
  ListenerPtr listener_;  // last: stops accepting before the connections go
};

}  // namespace tern

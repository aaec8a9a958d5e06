#include "server/worker/stream_listener.h"

#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "base/socket_address.h"
#include "base/sockets.h"

namespace tern {

Result<std::unique_ptr<StreamListener>, std::string> StreamListener::open(
    event_base* base, const TransportAddress& address, const ServerTls* tls, Dispatcher& dispatcher,
    std::span<uint8_t> scratch, WorkerCounters& counters, StreamLimits& limits, Logger& log,
    std::optional<ProxyTrust> proxy) {
  auto fd = bind(address);
  if (!fd) return unexpected(fd.error());
  return adopt(base, std::move(*fd), tls, dispatcher, scratch, counters, limits, log,
               std::move(proxy));
}

Result<FileDescriptor, std::string> StreamListener::bind(const TransportAddress& address) {
  return open_bound_socket(SocketKind::TcpListen, address);
}

Result<std::unique_ptr<StreamListener>, std::string> StreamListener::adopt(
    event_base* base, FileDescriptor fd, const ServerTls* tls, Dispatcher& dispatcher,
    std::span<uint8_t> scratch, WorkerCounters& counters, StreamLimits& limits, Logger& log,
    std::optional<ProxyTrust> proxy) {
  auto bound = local_address(fd.get());
  if (!bound) return unexpected(bound.error());
  auto l = std::make_unique<StreamListener>(base, *bound, tls, dispatcher, scratch, counters,
                                            limits, log, std::move(proxy));
  // LEV_OPT_CLOSE_ON_FREE: from here the listener owns the descriptor.
  l->listener_.reset(
      evconnlistener_new(base, on_accept, l.get(), LEV_OPT_CLOSE_ON_FREE, -1, fd.release()));
  if (!l->listener_) {
    return unexpected(std::string("evconnlistener_new failed for ") + bound->to_string());
  }
  evconnlistener_set_error_cb(l->listener_.get(), on_accept_error);
  l->resume_.reset(evtimer_new(base, on_resume, l.get()));
  if (!l->resume_) return unexpected(std::string("evtimer_new failed"));
  return l;
}

StreamListener::StreamListener(event_base* base, TransportAddress address, const ServerTls* tls,
                               Dispatcher& dispatcher, std::span<uint8_t> scratch,
                               WorkerCounters& counters, StreamLimits& limits, Logger& log,
                               std::optional<ProxyTrust> proxy)
    : base_(base),
      address_(address),
      tls_(tls),
      dispatcher_(dispatcher),
      scratch_(scratch),
      counters_(counters),
      limits_(limits),
      log_(log),
      proxy_(std::move(proxy)) {}

StreamListener::~StreamListener() {
  resume_.reset();
  listener_.reset();
  pending_.clear();
  connections_.clear();
}

void StreamListener::stop_accepting() {
  resume_.reset();  // its callback would enable the listener freed here
  listener_.reset();
}

void StreamListener::on_accept(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int length,
                               void* self) {
  static_cast<StreamListener*>(self)->accept(fd, addr, static_cast<socklen_t>(length));
}

void StreamListener::on_accept_error(evconnlistener*, void* self) {
  static_cast<StreamListener*>(self)->pause_accepting(errno);
}

void StreamListener::pause_accepting(int error) {
  // Whatever the error (EMFILE, ENFILE, ENOBUFS, ENOMEM...), accepting again at once would
  // fail again; the backlog holds the clients meanwhile and UDP is served as before.
  constexpr timeval kRetry{0, 250'000};
  evconnlistener_disable(listener_.get());
  evtimer_add(resume_.get(), &kRetry);
  counters_.stream_accept_paused.add();
  uint64_t count = 0;
  if (limits_.note_accept_failure(steady_ms(), count)) {
    log_.warning(
        "accept on {} failed: {}; TCP/TLS accepts paused, retried every 250 ms ({} failures "
        "since the last such line; said at most once a minute; counter stream_accept_paused)",
        address_.to_string(), std::strerror(error), count);
  }
}

void StreamListener::on_resume(evutil_socket_t, short, void* self) {
  auto* l = static_cast<StreamListener*>(self);
  evconnlistener_enable(l->listener_.get());
}

void StreamListener::refuse(int fd, StreamLimits::Admission why) {
  refusal_counter(why, counters_).add();
  const linger reset{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  ::close(fd);
}

BufferEventPtr StreamListener::make_bufferevent(int fd) {
  constexpr int kOptions = BEV_OPT_CLOSE_ON_FREE;
  if (!tls_) return BufferEventPtr(bufferevent_socket_new(base_, fd, kOptions));
  SslPtr ssl = tls_->new_connection();
  if (!ssl) return nullptr;
  // With BEV_OPT_CLOSE_ON_FREE the bufferevent frees the SSL too.
  BufferEventPtr bev(
      bufferevent_openssl_socket_new(base_, fd, ssl.get(), BUFFEREVENT_SSL_ACCEPTING, kOptions));
  if (bev) ssl.release();
  return bev;
}

void StreamListener::accept(int fd, const sockaddr* addr, socklen_t length) {
  auto client = from_sockaddr(addr, length);
  if (!client) {
    ::close(fd);
    return;
  }
  if (proxy_) return read_proxy_header(fd, *client);
  start(fd, *client);
}

void StreamListener::read_proxy_header(int fd, const TransportAddress& balancer) {
  // A header is believed only from a trusted balancer; anyone else could claim to be any
  // client, past every per-source limit and into other clients' auth-failure budgets.
  if (!proxy_->trusts(balancer)) {
    counters_.proxy_untrusted.add();
    const linger reset{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(fd);
    return;
  }
  // While its header is awaited, a connection counts against the balancer's address.
  if (auto admission = limits_.admit(balancer); admission != StreamLimits::Admission::Admitted) {
    refuse(fd, admission);
    return;
  }
  constexpr uint32_t kDefaultHeaderTimeout = 10;
  const uint32_t frame_timeout = limits_.settings().frame_timeout_s;
  auto reader = std::make_unique<ProxyHeaderReader>(
      base_, FileDescriptor(fd), StreamSlot(&limits_, balancer),
      frame_timeout ? frame_timeout : kDefaultHeaderTimeout,
      [this, balancer](ProxyHeaderReader* r, FileDescriptor conn, const ProxyHeader* header) {
        if (!header) {
          counters_.proxy_invalid.add();
        } else {
          // LOCAL and UNKNOWN: the balancer speaking for itself (a health check).
          start(conn.release(), header->source ? *header->source : balancer);
        }
        pending_.erase(r);
      });
  ProxyHeaderReader* key = reader.get();
  pending_.emplace(key, std::move(reader));
}

void StreamListener::start(int fd, const TransportAddress& client) {
  if (auto admission = limits_.admit(client); admission != StreamLimits::Admission::Admitted) {
    refuse(fd, admission);
    return;
  }
  StreamSlot slot(&limits_, client);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  BufferEventPtr bev = make_bufferevent(fd);
  if (!bev) {
    ::close(fd);
    return;
  }
  counters_.stream_connections_accepted.add();
  // A wildcard listener's connection has a precise local address of its own.
  auto local = local_address(fd);
  RequestContext ctx;
  ctx.transport = tls_ ? Transport::Tls : Transport::Tcp;
  ctx.client = client;
  ctx.local = local ? *local : address_;
  auto conn = std::make_unique<StreamConnection>(
      std::move(bev), ctx, dispatcher_, scratch_, counters_, limits_.settings(), std::move(slot),
      [this](StreamConnection* c) { connections_.erase(c); });
  StreamConnection* key = conn.get();
  connections_.emplace(key, std::move(conn));
}

}  // namespace tern

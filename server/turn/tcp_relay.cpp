#include "server/turn/tcp_relay.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "base/socket_address.h"
#include "base/sockets.h"
#include "protocol/message_builder.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"
#include "server/core/client_link.h"
#include "server/turn/relay_socket.h"

namespace tern {

namespace {
void reset_and_close(FileDescriptor fd) {
  // A refused peer is reset, so it leaves no TIME_WAIT on the relay port.
  const linger reset{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
}

// A non-blocking TCP socket bound to the relayed address, as RFC 6062 §5.2 asks, so the
// peer sees the address the client told it about. SO_REUSEPORT lets it share the port
// with the relay's listening socket; another relay IP's port is never taken this way.
Result<FileDescriptor, int> connecting_socket(const TransportAddress& relayed) {
  const int domain = relayed.family == Family::V4 ? AF_INET : AF_INET6;
  FileDescriptor fd(::socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return unexpected(errno);
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const SockAddr local = to_sockaddr(relayed);
  if (::bind(fd.get(), local.get(), local.length) != 0) return unexpected(errno);
  return fd;
}
}  // namespace

struct TcpRelay::Connecting {
  TcpRelay& relay;
  FileDescriptor fd;  // before ev: the event goes first
  EventPtr ev;
  std::unique_ptr<PeerSlot> slot;
  std::vector<uint8_t> request;  // the Connect, answered later
  auth::Key key;
  bool sha256 = false;
};

std::unique_ptr<TcpRelay> TcpRelay::open(PortLease lease, TcpRelayOwner& owner, RelayIo& io,
                                         TurnShared& shared, const ResponsePolicy& policy) {
  // The UDP socket only holds the port; keep what a peer sends to it small.
  const int smallest = 1;
  ::setsockopt(lease.fd(), SOL_SOCKET, SO_RCVBUF, &smallest, sizeof smallest);
  auto fd = open_bound_socket(SocketKind::TcpListen, lease.address());
  if (!fd) return nullptr;
  auto relay = std::make_unique<TcpRelay>(std::move(lease), owner, io, shared, policy);
  relay->listener_.reset(
      evconnlistener_new(io.base, on_accept, relay.get(), LEV_OPT_CLOSE_ON_FREE, -1, fd->get()));
  if (!relay->listener_) return nullptr;
  fd->release();
  return relay;
}

TcpRelay::TcpRelay(PortLease lease, TcpRelayOwner& owner, RelayIo& io, TurnShared& shared,
                   const ResponsePolicy& policy)
    : lease_(std::move(lease)), owner_(owner), io_(io), shared_(shared), policy_(policy) {}

TcpRelay::~TcpRelay() {
  // RFC 6062 §5: the allocation's connections end with it, wherever they are relayed.
  peers_->end();
}

TransportAddress TcpRelay::advertised() const {
  return io_.external.current()->advertised(lease_.address());
}

bool TcpRelay::send_to_client(std::span<const uint8_t> message) {
  return owner_.tcp_client() != nullptr && owner_.tcp_client()->send_relayed(message);
}

// §5.3: a peer connects to the relayed address.
void TcpRelay::on_accept(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int length,
                         void* self) {
  FileDescriptor conn(fd);
  auto peer = from_sockaddr(addr, static_cast<socklen_t>(length));
  if (peer) static_cast<TcpRelay*>(self)->accept(std::move(conn), *peer);
}

void TcpRelay::accept(FileDescriptor fd, const TransportAddress& from) {
  const TransportAddress peer = io_.external.current()->advertised(from);
  // "If the connection is from a peer for which there is no permission, the server MUST
  // close the connection."
  if (!owner_.tcp_peer_permitted(peer, io_.now_ms())) {
    io_.counters.peer_dropped_no_permission.add();
    return reset_and_close(std::move(fd));
  }
  auto slot = claim(peer);
  if (!slot) return reset_and_close(std::move(fd));
  // Not read until bound: what the peer sends meanwhile waits in the kernel.
  const uint32_t id =
      shared_.tcp_connections.add(std::move(fd), std::move(*slot), owner_.tcp_user(), io_.now_ms());
  std::array<uint8_t, 64> buffer{};
  std::array<uint8_t, stun::kTransactionIdSize> transaction{};
  for (auto& b : transaction) b = static_cast<uint8_t>(io_.random.next());
  stun::MessageBuilder b(buffer, stun::Method::ConnectionAttempt, stun::Class::Indication,
                         transaction);
  stun::XorPeerAddress{peer}.add_to(b);
  stun::ConnectionId{id}.add_to(b);
  if (b.ok()) send_to_client(b.bytes());
}

bool TcpRelay::connect(const TransportAddress& peer, std::unique_ptr<PeerSlot> slot,
                       const stun::MessageView& request, const auth::Key& key, bool sha256) {
  auto fd = connecting_socket(lease_.address());
  if (!fd) return false;
  const SockAddr to = to_sockaddr(io_.external.current()->actual(peer));
  if (::connect(fd->get(), to.get(), to.length) != 0 && errno != EINPROGRESS) return false;
  auto c = std::make_unique<Connecting>(Connecting{*this,
                                                   std::move(*fd),
                                                   nullptr,
                                                   std::move(slot),
                                                   {request.bytes().begin(), request.bytes().end()},
                                                   key,
                                                   sha256});
  c->ev.reset(event_new(io_.base, c->fd.get(), EV_WRITE, on_connected, c.get()));
  // RFC 6062 §5.2 leaves the connect timeout to the server: tcp-connect-timeout, by
  // default 30 s, which outlasts a few SYN retransmissions.
  const int64_t timeout_ms = shared_.settings.tcp_connect_timeout_ms;
  const timeval timeout{static_cast<time_t>(timeout_ms / 1000),
                        static_cast<suseconds_t>(timeout_ms % 1000 * 1000)};
  if (!c->ev || event_add(c->ev.get(), &timeout) != 0) return false;
  connecting_.push_back(std::move(c));
  return true;
}

void TcpRelay::on_connected(evutil_socket_t fd, short what, void* self) {
  auto* c = static_cast<Connecting*>(self);
  int error = 0;
  socklen_t length = sizeof error;
  const bool connected = !(what & EV_TIMEOUT) &&
                         ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  c->relay.finish(*c, connected);
}

// §5.2: the answer to the Connect, once the connection is made or has failed.
void TcpRelay::finish(Connecting& c, bool connected) {
  auto request = stun::MessageView::parse(c.request);
  std::array<uint8_t, 256> out{};
  size_t size = 0;
  const Signature signature{&c.key, c.sha256, nullptr};
  if (request && connected) {
    c.ev.reset();
    // "...the server MUST start a timer for the ConnectionBind": the registry's deadline.
    const uint32_t id = shared_.tcp_connections.add(std::move(c.fd), std::move(c.slot),
                                                    owner_.tcp_user(), io_.now_ms());
    Response resp(out, *request, stun::Class::SuccessResponse);
    stun::ConnectionId{id}.add_to(resp.builder());
    size = resp.finish(policy_, signature);
  } else if (request) {
    io_.counters.error_responses.add();
    size = error_response(out, *request, stun::ErrorCode::ConnectionTimeoutOrFailure, signature);
  }
  if (size > 0) send_to_client(std::span(out).first(size));
  std::erase_if(connecting_, [&](const auto& p) { return p.get() == &c; });
}

}  // namespace tern

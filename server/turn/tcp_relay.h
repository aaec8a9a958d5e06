#pragma once
// The relayed transport address of a TCP allocation (RFC 6062): a listening TCP socket on
// a relay port, for peers that connect in (ConnectionAttempt, §5.3), and the connections
// to peers the client asked for with Connect (§5.2) while they are being made. Made
// connections wait in TcpConnections for the client's ConnectionBind.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "auth/long_term_key.h"
#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "protocol/message.h"
#include "protocol/transport_address.h"
#include "server/core/response.h"
#include "server/shared/relay_ports.h"
#include "server/shared/tcp_connections.h"
#include "server/shared/turn_shared.h"

namespace tern {

struct RelayIo;
class ClientStream;

// What a TCP relay asks of its allocation. An interface so that this file sits below
// allocation.h, which owns the relay.
class TcpRelayOwner {
 public:
  // The control connection, to send ConnectionAttempt and Connect answers on.
  virtual ClientStream* tcp_client() const = 0;
  virtual bool tcp_peer_permitted(const TransportAddress& peer, int64_t now_ms) const = 0;
  virtual const std::string& tcp_user() const = 0;

 protected:
  ~TcpRelayOwner() = default;
};

class TcpRelay {
 public:
  // Listens on the lease's address; the lease keeps the port ours (its UDP socket is
  // otherwise unused). Null when the socket cannot be made.
  static std::unique_ptr<TcpRelay> open(PortLease lease, TcpRelayOwner& owner, RelayIo& io,
                                        TurnShared& shared, const ResponsePolicy& policy);
  TcpRelay(PortLease lease, TcpRelayOwner& owner, RelayIo& io, TurnShared& shared,
           const ResponsePolicy& policy);  // use open()
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  const TransportAddress& address() const { return lease_.address(); }
  TransportAddress advertised() const;
  Family family() const { return lease_.address().family; }

  // A place for one more connection to `peer`: refused when there is one already (446)
  // or the allocation has as many as it may have.
  Result<std::unique_ptr<PeerSlot>, PeerSlot::Refused> claim(const TransportAddress& peer) {
    return PeerSlot::claim(peers_, peer);
  }
  // Starts a non-blocking connect to `peer` from the relayed address; the Connect
  // `request` (signed with `key`) is answered when it succeeds, fails or times out. False
  // when it failed at once.
  bool connect(const TransportAddress& peer, std::unique_ptr<PeerSlot> slot,
               const stun::MessageView& request, const auth::Key& key, bool sha256);

  // The allocation's max-bps and traffic, shared with its connections (TcpPeers).
  void set_max_bps(uint64_t bytes_per_s, int64_t now_ms) {
    peers_->set_max_bps(bytes_per_s, now_ms);
  }
  TcpPeers::Traffic take_traffic() { return peers_->take_traffic(); }

 private:
  struct Connecting;
  static void on_accept(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int length,
                        void* self);
  static void on_connected(evutil_socket_t fd, short what, void* self);
  void accept(FileDescriptor fd, const TransportAddress& peer);
  void finish(Connecting& c, bool connected);
  bool send_to_client(std::span<const uint8_t> message);

  PortLease lease_;
  TcpRelayOwner& owner_;
  RelayIo& io_;
  TurnShared& shared_;
  const ResponsePolicy& policy_;
  std::shared_ptr<TcpPeers> peers_ = std::make_shared<TcpPeers>();
  std::vector<std::unique_ptr<Connecting>> connecting_;
  ListenerPtr listener_;  // last: stops accepting first
};

}  // namespace tern

// Connect (RFC 6062 §5.2): the server opens a TCP connection from a TCP allocation's
// relayed address to a peer, and answers once it is made (CONNECTION-ID) or has failed.

#include "protocol/xor_address.h"
#include "server/turn/tcp_relay.h"
#include "server/turn/turn_context.h"

namespace tern {

size_t handle_connect(TurnContext& t, const TurnRequest& r) {
  Allocation* a = t.table.find(r.tuple(), r.ctx.mono_ms);
  if (!a) return reject(t, r, stun::ErrorCode::AllocationMismatch);
  // Only a TCP allocation connects to peers.
  TcpRelay* relay = a->tcp_relay();
  if (!relay) return reject(t, r, stun::ErrorCode::BadRequest);
  auto peer = stun::XorPeerAddress::get_from(r.message);
  if (!peer) return reject(t, r, stun::ErrorCode::BadRequest);
  // The peer policy judges the whole address (IP and port) before any packet leaves, in
  // whatever form the client wrote it (IPv4-mapped IPv6 and the like are the policy's to
  // see through), exactly as Send and ChannelBind are judged.
  const RealmSnapshot& realm = synced_realm(t, *a, r.ctx.mono_ms);
  if (auto e = check_peer(t, realm, *a, peer->address, /*ip_only=*/false)) return reject(t, r, *e);
  // "If the server is currently processing a Connect request for this allocation with the
  // same XOR-PEER-ADDRESS, it MUST reject the request with a 446 ... If the server has
  // already successfully processed a Connect request for this allocation with the same
  // XOR-PEER-ADDRESS, and the resulting client and peer data connections are either
  // pending or active, it MUST reject the request with a 446."
  auto slot = relay->claim(peer->address);
  if (!slot) {
    return reject(t, r,
                  slot.error() == PeerSlot::Refused::Exists
                      ? stun::ErrorCode::ConnectionAlreadyExists
                      : stun::ErrorCode::InsufficientCapacity);
  }
  // "If the connection attempt fails or times out, the server MUST send an error
  // response with a 447 (Connection Timeout or Failure)."
  if (!relay->connect(peer->address, std::move(*slot), r.message, r.auth.key, r.auth.sha256)) {
    return reject(t, r, stun::ErrorCode::ConnectionTimeoutOrFailure);
  }
  return 0;  // answered by TcpRelay when the connect finishes
}

}  // namespace tern

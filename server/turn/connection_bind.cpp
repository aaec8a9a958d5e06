// ConnectionBind (RFC 6062 §5.4): a new client connection claims a peer connection by its
// CONNECTION-ID and from then on carries that connection's bytes, unframed.

#include "protocol/turn_attributes.h"
#include "server/turn/turn_context.h"

namespace tern {

size_t handle_connection_bind(TurnContext& t, const TurnRequest& r) {
  // "If the client connection transport is not TCP or TLS, the server MUST return a 400
  // (Bad Request) error." A connection that has an allocation is a control connection,
  // not a data connection.
  ClientStream* stream = r.ctx.link.stream;
  if (!stream || t.table.find(r.tuple(), r.ctx.mono_ms)) {
    return reject(t, r, stun::ErrorCode::BadRequest);
  }
  // "If the request does not contain the CONNECTION-ID attribute, or if this attribute
  // does not refer to an existing pending connection, the server MUST return a 400".
  // The pending connection must be this user's: the request is authenticated with the
  // same credentials as the allocation (§4.4).
  auto id = stun::ConnectionId::get_from(r.message);
  if (!id) return reject(t, r, stun::ErrorCode::BadRequest);
  auto peer = t.shared.tcp_connections.take(id->id, r.auth.username);
  if (!peer) return reject(t, r, stun::ErrorCode::BadRequest);
  Response resp(r.out, r.message, stun::Class::SuccessResponse);
  const size_t size = resp.finish(t.policy, r.signature());
  // "...the server MUST begin relaying data between the client data connection and the
  // peer data connection" once the response is on its way.
  stream->bind_peer(std::move(*peer));
  return size;
}

}  // namespace tern

// ChannelBind (RFC 8656 §12.2): bind a channel number to a peer transport address, which
// also installs or refreshes the permission for the peer's IP.

#include "protocol/channel_data.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"
#include "server/turn/offload_sync.h"
#include "server/turn/turn_context.h"

namespace tern {

namespace {
// "the channel number ... MUST NOT be rebound to a different peer for 5 minutes" after
// the binding expires (§12.2), and likewise the peer to a different number.
constexpr int64_t kChannelCooldownMs = 5 * 60 * 1000;
}  // namespace

size_t handle_channel_bind(TurnContext& t, const TurnRequest& r) {
  Allocation* a = t.table.find(r.tuple(), r.ctx.mono_ms);
  if (!a) return reject(t, r, stun::ErrorCode::AllocationMismatch);

  auto number = stun::ChannelNumber::get_from(r.message);
  auto peer = stun::XorPeerAddress::get_from(r.message);
  if (!number || !stun::is_valid_channel(number->number, t.shared.settings.channels) || !peer) {
    return reject(t, r, stun::ErrorCode::BadRequest);
  }
  const int64_t now = r.ctx.mono_ms;
  const RealmSnapshot& realm = synced_realm(t, *a, now);
  if (auto e = check_peer(t, realm, *a, peer->address, /*ip_only=*/false)) {
    return reject(t, r, *e);
  }

  const int64_t expires = now + t.shared.settings.channel_lifetime_s * 1000;
  switch (
      a->bind_channel(number->number, peer->address, expires, expires + kChannelCooldownMs, now)) {
    case Allocation::BindResult::Ok:
      break;
    case Allocation::BindResult::NumberTaken:
    case Allocation::BindResult::PeerTaken:
      return reject(t, r, stun::ErrorCode::BadRequest);
    case Allocation::BindResult::Full:
      return reject(t, r, stun::ErrorCode::InsufficientCapacity);
  }
  const int64_t permission = now + t.shared.settings.permission_lifetime_s * 1000;
  if (!a->install_permission(peer->address, std::max(permission, expires), now,
                             realm.policy.port_sensitive(peer->address))) {
    return reject(t, r, stun::ErrorCode::InsufficientCapacity);
  }
  sync_offload(t, *a, now);  // the channel is valid, its peer judged: the kernel may relay it
  Response resp(r.out, r.message, stun::Class::SuccessResponse);
  return resp.finish(t.policy, r.signature());
}

}  // namespace tern

// CreatePermission (RFC 8656 §9): install or refresh permissions for one or more peer IPs.

#include <array>

#include "protocol/xor_address.h"
#include "server/turn/turn_context.h"

namespace tern {

size_t handle_create_permission(TurnContext& t, const TurnRequest& r) {
  Allocation* a = t.table.find(r.tuple(), r.ctx.mono_ms);
  if (!a) return reject(t, r, stun::ErrorCode::AllocationMismatch);

  std::array<stun::XorPeerAddress, 16> peers;
  auto count = stun::XorPeerAddress::get_all(r.message, peers);
  if (!count || *count > peers.size()) return reject(t, r, stun::ErrorCode::BadRequest);
  const auto listed = std::span(peers).first(*count);
  const RealmSnapshot& realm = synced_realm(t, *a, r.ctx.mono_ms);
  // §9.2: every peer is checked before any permission is installed; one refusal fails
  // the whole request.
  for (const auto& p : listed) {
    if (auto e = check_peer(t, realm, *a, p.address, /*ip_only=*/true)) return reject(t, r, *e);
  }
  const int64_t expires = r.ctx.mono_ms + t.shared.settings.permission_lifetime_s * 1000;
  for (const auto& p : listed) {
    const bool port_sensitive = realm.policy.port_sensitive(p.address);
    if (!a->install_permission(p.address, expires, r.ctx.mono_ms, port_sensitive)) {
      return reject(t, r, stun::ErrorCode::InsufficientCapacity);
    }
  }
  Response resp(r.out, r.message, stun::Class::SuccessResponse);
  return resp.finish(t.policy, r.signature());
}

}  // namespace tern

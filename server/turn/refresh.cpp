// Refresh (RFC 8656 §8): extend an allocation's lifetime, or delete it with LIFETIME 0.

#include "protocol/turn_address_family.h"
#include "protocol/turn_attributes.h"
#include "server/turn/turn_context.h"

namespace tern {

size_t handle_refresh(TurnContext& t, const TurnRequest& r) {
  Allocation* a = t.table.find(r.tuple(), r.ctx.mono_ms);
  // RFC 8016 §3.2: a client that moved presents its allocation's ticket from its new
  // address. (From the allocation's own 5-tuple a ticket changes nothing.)
  if (!a) {
    auto resumed = resume_allocation(t, r);
    if (!resumed) return reject(t, r, resumed.error());
    // Another worker holds it: the answer comes once it has moved here.
    if (*resumed == nullptr) return 0;
    a = *resumed;
  }
  return refresh_allocation(t, r, *a);
}

size_t refresh_allocation(TurnContext& t, const TurnRequest& r, Allocation& allocation) {
  Allocation* a = &allocation;
  // A dual-stack client may name the family it refreshes; one the allocation lacks is 443.
  if (auto family = stun::RequestedAddressFamily::get_from(r.message)) {
    if (!a->relays_family(family->family)) {
      return reject(t, r, stun::ErrorCode::PeerAddressFamilyMismatch);
    }
  }
  std::optional<uint32_t> requested;
  if (auto l = stun::Lifetime::get_from(r.message)) requested = l->seconds;
  uint32_t granted = 0;
  if (requested && *requested == 0) {
    t.table.remove(r.tuple(), EndReason::Refresh0);
  } else {
    granted = static_cast<uint32_t>(granted_lifetime(t.shared.settings, requested));
    a->set_expires_ms(r.ctx.mono_ms + int64_t{granted} * 1000);
    t.table.refreshed(*a, granted);
  }
  Response resp(r.out, r.message, stun::Class::SuccessResponse);
  stun::Lifetime{granted}.add_to(resp.builder());
  if (granted > 0) add_mobility_ticket(t, *a, resp.builder());
  return resp.finish(t.policy, r.signature());
}

}  // namespace tern

// RFC 8016 mobility: the MOBILITY-TICKET an Allocate asks for, and the Refresh from a new
// address that presents it.

#include "protocol/message_builder.h"
#include "server/turn/offload_sync.h"
#include "server/turn/turn_context.h"

namespace tern {

using stun::ErrorCode;

Result<bool, ErrorCode> read_mobility_ask(const TurnContext& t, const TurnRequest& r) {
  auto ticket = r.message.find(stun::attr::MobilityTicket);
  if (!ticket) return false;
  // §3.1: a server not willing to give the client mobility answers 405.
  if (!t.shared.settings.mobility) return unexpected(ErrorCode::MobilityForbidden);
  // "The client ... includes the MOBILITY-TICKET attribute, with length zero."
  if (!ticket->value.empty()) return unexpected(ErrorCode::BadRequest);
  // A stream's allocation ends with its connection: over TCP and TLS there is nothing to
  // move, so the answer carries no ticket (which §3.1 lets a client read as "no mobility").
  return r.ctx.transport == Transport::Udp;
}

void add_mobility_ticket(const TurnContext& t, const Allocation& a, stun::MessageBuilder& b) {
  if (!a.mobile()) return;
  const auto ticket =
      t.shared.mobility_tickets.issue(a.id().worker, a.id().sequence, a.expires_ms());
  b.add(stun::attr::MobilityTicket, std::span<const uint8_t>(ticket));
}

Result<Allocation*, ErrorCode> resume_allocation(TurnContext& t, const TurnRequest& r) {
  auto attr = r.message.find(stun::attr::MobilityTicket);
  if (!attr) return unexpected(ErrorCode::AllocationMismatch);
  if (!t.shared.settings.mobility) return unexpected(ErrorCode::MobilityForbidden);
  // §3.2: a ticket the server cannot validate (made up, altered, from another server or
  // past its allocation's lifetime) is a 400.
  auto claim = t.shared.mobility_tickets.open(attr->value, r.ctx.mono_ms);
  if (!claim) return unexpected(ErrorCode::BadRequest);
  // The allocation lives on the worker that made it, and the kernel's SO_REUSEPORT hash
  // chose this worker for the new address: it cannot move here (see README, mobility).
  if (claim->worker != t.table.worker()) return unexpected(ErrorCode::AllocationMismatch);
  Allocation* a = t.table.find_mobile(claim->sequence, r.ctx.mono_ms);
  if (!a || a->tuple().transport != r.ctx.transport) {
    return unexpected(ErrorCode::AllocationMismatch);
  }
  // A ticket is no bearer token: only the credentials that made the allocation may move
  // it, else anyone who saw a ticket on the wire could take the allocation over. "If the
  // ... username in the request does not match ..., the server MUST respond with 441."
  if (!a->mobility_owner(r.auth.username, r.auth.key)) {
    return unexpected(ErrorCode::WrongCredentials);
  }
  // The same allocation, filed under the new 5-tuple: nothing new is charged to a quota,
  // and the old 5-tuple is no longer its, so resumes cannot pile up allocations.
  t.table.move(*a, r.tuple(), r.ctx.link);
  // The kernel's entries name the old address: swap them now, not at the next sweep, or
  // the peer's data would follow the client's old address for up to a second.
  sync_offload(t, *a, r.ctx.mono_ms);
  return a;
}

}  // namespace tern

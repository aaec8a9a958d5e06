// RFC 8016 mobility: the MOBILITY-TICKET an Allocate asks for, and the Refresh from a new
// address that presents it.
//
// A moved client's datagrams reach whichever worker the kernel's SO_REUSEPORT hash picks
// for its new address, most often not the one holding its allocation. The allocation then
// migrates: the worker that got the Refresh asks the holder through its task queue, the
// holder takes it out of its table and loop (AllocationTable::release) and posts it back,
// and the asker takes it into its own (adopt) and answers the Refresh as if it had always
// been there. Everything from the new address lands on the new holder by the same hash,
// so after the move no packet pays anything. (Forwarding each datagram of a moved client
// to the old holder instead would cost a cross-thread hop per packet for the rest of the
// allocation's life, and a forwarding table to keep in step with it.) No lock is taken:
// each half runs on its own worker's thread, and the allocation belongs to neither while
// it is in the queue. A ticket names the worker that held the allocation when it was
// issued and the allocation's handle there; a ticket used after the allocation ended or
// moved elsewhere finds nothing, and the Refresh gets 437.

#include <ctime>
#include <memory>
#include <vector>

#include "protocol/message_builder.h"
#include "server/turn/offload_sync.h"
#include "server/turn/turn_context.h"

namespace tern {

using stun::ErrorCode;

namespace {

// A Refresh answered only once its allocation has come from another worker: its bytes,
// where it came from and who signed it.
struct AskedRefresh {
  std::vector<uint8_t> message;
  RequestContext ctx;
  auth::AuthResult auth;
  uint64_t handle = 0;  // the ticket's
  unsigned asker = 0;
};

struct Handover {
  std::unique_ptr<Allocation> allocation;
  ErrorCode error = ErrorCode::AllocationMismatch;  // when it does not come
};

// The live mobile allocation a ticket's `handle` names on this worker, if the request's
// credentials may move it: 437 when there is none (expired, deleted, moved on) or it is
// of another transport, 441 when other credentials made it. A ticket is no bearer token:
// only the credentials that made the allocation may move it, else anyone who saw a ticket
// on the wire could take the allocation over. "If the ... username in the request does
// not match ..., the server MUST respond with 441."
Result<Allocation*, ErrorCode> claim_mobile(TurnContext& t, uint64_t handle, Transport transport,
                                            const auth::AuthResult& auth, int64_t now_ms) {
  Allocation* a = t.table.find_mobile(handle, now_ms);
  if (!a || a->tuple().transport != transport) return unexpected(ErrorCode::AllocationMismatch);
  if (!a->mobility_owner(auth.username, auth.key)) return unexpected(ErrorCode::WrongCredentials);
  return a;
}

// On the asking worker: the allocation filed under the request's 5-tuple, then the
// Refresh's own steps, answered through the listening socket it came in on.
void answer_moved(TurnContext& t, const AskedRefresh& ask, Handover& h) {
  auto m = stun::MessageView::parse(ask.message);
  if (!m) return;  // it parsed when it came in
  RequestContext ctx = ask.ctx;
  ctx.mono_ms = t.io.now_ms();
  ctx.now = std::time(nullptr);
  std::vector<uint8_t> out(UdpBatch::kSlotSize);
  const TurnRequest r{*m, ctx, ask.auth, out};
  Allocation* a = nullptr;
  if (h.allocation) {
    a = t.table.adopt(std::move(h.allocation), r.tuple(), ctx.link, t.io, ctx.mono_ms);
    // Its channels go back into the kernel's maps under the new address.
    if (a) sync_offload(t, *a, ctx.mono_ms);
  }
  size_t size = 0;
  if (a) {
    size = refresh_allocation(t, r, *a);
  } else if (auto here = owned_allocation(t, r); !here) {
    size = reject(t, r, here.error());
  } else if (*here) {
    // A retransmission's move, or an Allocate from the new address, got here first.
    size = refresh_allocation(t, r, **here);
  } else {
    size = reject(t, r, h.error);
  }
  if (size == 0) return;
  ctx.link.send(std::span(out).first(size), to_sockaddr(r.tuple().reply_address()),
                t.io.batch.to_clients, t.counters);
}

// On the holding worker: the allocation, if the ticket still names a live one here and
// the request's credentials made it, leaves for the asker.
void hand_over(TurnContext& t, const std::shared_ptr<const AskedRefresh>& ask) {
  auto h = std::make_shared<Handover>();
  auto a = claim_mobile(t, ask->handle, ask->ctx.transport, ask->auth, t.io.now_ms());
  if (!a) {
    h->error = a.error();  // and it stays where it is
  } else {
    h->allocation = t.table.release(**a, ask->asker);
  }
  if (t.peers->post(ask->asker, [ask, h](TurnContext& home) { answer_moved(home, *ask, *h); })) {
    return;
  }
  // The asker is stopping (its queue refused the answer): the allocation stays here, to
  // end here like any other.
  if (h->allocation) {
    const FiveTuple tuple = h->allocation->tuple();
    const ClientLink link = h->allocation->client_link;
    t.table.adopt(std::move(h->allocation), tuple, link, t.io, t.io.now_ms());
  }
}

}  // namespace

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
      t.shared.mobility_tickets.issue(t.table.worker(), a.mobility_handle(), a.expires_ms());
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
  // Another worker holds it (the kernel's SO_REUSEPORT hash chose this one for the new
  // address): it is asked to hand the allocation over, which checks what follows there.
  if (claim->worker != t.table.worker()) {
    if (!t.peers) return unexpected(ErrorCode::AllocationMismatch);
    auto ask = std::make_shared<AskedRefresh>(
        AskedRefresh{{r.message.bytes().begin(), r.message.bytes().end()},
                     r.ctx,
                     r.auth,
                     claim->sequence,
                     t.table.worker()});
    ask->auth.signer = nullptr;  // the worker's scratch moves on to the next request
    std::shared_ptr<const AskedRefresh> asked = std::move(ask);
    // Refused: no such worker, or it is stopping (its allocations end with it).
    if (!t.peers->post(claim->worker, [asked](TurnContext& owner) { hand_over(owner, asked); })) {
      return unexpected(ErrorCode::AllocationMismatch);
    }
    return nullptr;
  }
  auto a = claim_mobile(t, claim->sequence, r.ctx.transport, r.auth, r.ctx.mono_ms);
  if (!a) return a;
  // The same allocation, filed under the new 5-tuple: nothing new is charged to a quota,
  // and the old 5-tuple is no longer its, so resumes cannot pile up allocations.
  t.table.move(**a, r.tuple(), r.ctx.link);
  // The kernel's entries name the old address: swap them now, not at the next sweep, or
  // the peer's data would follow the client's old address for up to a second.
  sync_offload(t, **a, r.ctx.mono_ms);
  return a;
}

}  // namespace tern

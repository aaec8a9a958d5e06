#pragma once
// What a TURN handler works with: the worker's allocations and relay I/O, the server's
// shared TURN state, and the request being answered with its verified identity.

#include <cstdint>
#include <optional>
#include <span>

#include "auth/authenticator.h"
#include "protocol/error_code.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/result.h"
#include "server/core/counters.h"
#include "server/core/request_context.h"
#include "server/core/response.h"
#include "server/shared/turn_shared.h"
#include "server/turn/allocation_table.h"
#include "server/turn/relay_socket.h"
#include "server/turn/turn_peers.h"

namespace tern {

struct TurnContext {
  TurnShared& shared;
  AllocationTable& table;
  RelayIo& io;
  WorkerCounters& counters;
  const ResponsePolicy& policy;
  // The other workers, for RFC 8016 moves between them; null: this worker alone (tests).
  TurnPeers* peers = nullptr;
};

// An authenticated TURN request.
struct TurnRequest {
  const stun::MessageView& message;
  const RequestContext& ctx;
  const auth::AuthResult& auth;
  std::span<uint8_t> out;

  FiveTuple tuple() const { return FiveTuple::of(ctx); }
  // Responses to authenticated requests carry the integrity the request used.
  Signature signature() const { return {&auth.key, auth.sha256, auth.signer}; }
};

// A signed error response.
size_t reject(TurnContext& t, const TurnRequest& r, stun::ErrorCode code);
// RFC 8656 §5: requests on an allocation must come from the user who made it. The
// allocation filed under `r`'s 5-tuple (null when there is none), or 441 when another
// user's.
Result<Allocation*, stun::ErrorCode> owned_allocation(TurnContext& t, const TurnRequest& r);
// The lifetime granted for a requested one (RFC 8656 §7.2 step 8 / §8): at least the
// default, at most the maximum; in seconds.
int64_t granted_lifetime(const TurnSettings& s, std::optional<uint32_t> requested);
// The realm's policy and max-bps as this worker sees them now, with `a` brought up to
// them (Allocation::sync_realm): what every handler and datagram of an allocation is judged by.
const RealmSnapshot& synced_realm(TurnContext& t, Allocation& a, int64_t now_ms);
// A peer address is refused with 403 by the realm's policy, or with 443 when the
// allocation has no relayed address of its family (RFC 8656 §9.1, §12.1).
std::optional<stun::ErrorCode> check_peer(TurnContext& t, const RealmSnapshot& realm,
                                          const Allocation& a, const TransportAddress& peer,
                                          bool ip_only);

// Client → peer data, shared by Send and ChannelData: the permission and the peer
// policy's port rule (RFC 8656 §11.2), the max-bps bucket, then out of the relay socket.
void relay_to_peer(TurnContext& t, Allocation& a, const TransportAddress& peer,
                   std::span<const uint8_t> data, int64_t now_ms);
// An Allocate that would make a new allocation goes elsewhere: 300 Try Alternate with
// ALTERNATE-SERVER when an alternate server takes it, else 403 while draining
// (allocate_redirect.cpp).
struct AllocateRedirect {
  std::optional<TransportAddress> alternate;  // nullopt: 403
};
// Where the Allocate of `ctx` goes; nullopt to serve it here.
std::optional<AllocateRedirect> allocate_redirect(TurnContext& t, const RequestContext& ctx);
// The 300 or 403, counted; `signature` is empty for a request without credentials.
size_t answer_redirect(TurnContext& t, const AllocateRedirect& to, const stun::MessageView& m,
                       std::span<uint8_t> out, Signature signature);

// RFC 8016 (mobility.cpp). Whether an Allocate asks for a ticket (§3.1: 405 when mobility
// is off, 400 for a non-empty one; false over TCP/TLS, which cannot move).
Result<bool, stun::ErrorCode> read_mobility_ask(const TurnContext& t, const TurnRequest& r);
// A fresh MOBILITY-TICKET for a mobile allocation; nothing for another.
void add_mobility_ticket(const TurnContext& t, const Allocation& a, stun::MessageBuilder& b);
// A Refresh from a 5-tuple without an allocation (§3.2): the allocation its ticket names,
// moved to the request's 5-tuple; 437 without a ticket. Null when another worker holds
// it: that worker is asked to hand it over, and the Refresh is answered from here once it
// has arrived (or with 437 or 441 when it cannot come).
Result<Allocation*, stun::ErrorCode> resume_allocation(TurnContext& t, const TurnRequest& r);

// The handlers, one file each, each reading as its RFC section's numbered steps.
size_t handle_allocate(TurnContext& t, const TurnRequest& r);  // allocate.cpp
size_t handle_refresh(TurnContext& t, const TurnRequest& r);   // refresh.cpp
// Refresh's steps once its allocation is found (or has moved here): refresh.cpp.
size_t refresh_allocation(TurnContext& t, const TurnRequest& r, Allocation& a);
size_t handle_create_permission(TurnContext& t, const TurnRequest& r);  // create_permission.cpp
size_t handle_channel_bind(TurnContext& t, const TurnRequest& r);       // channel_bind.cpp
// RFC 6062. Connect answers later (0 now) unless it fails at once.
size_t handle_connect(TurnContext& t, const TurnRequest& r);          // connect.cpp
size_t handle_connection_bind(TurnContext& t, const TurnRequest& r);  // connection_bind.cpp
// Client → peer data: no response, ever (send_indication.cpp, channel_data.cpp).
void handle_send_indication(TurnContext& t, const stun::MessageView& m, const RequestContext& ctx);
void handle_channel_data(TurnContext& t, std::span<const uint8_t> packet,
                         const RequestContext& ctx);

}  // namespace tern

// Client → peer data in a Send indication (RFC 8656 §11.2): never answered; what cannot be
// relayed is dropped and counted.

#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"
#include "server/turn/turn_context.h"

namespace tern {

void handle_send_indication(TurnContext& t, const stun::MessageView& m, const RequestContext& ctx) {
  Allocation* a = t.table.find(FiveTuple::of(ctx), ctx.mono_ms);
  auto peer = stun::XorPeerAddress::get_from(m);
  auto data = stun::DataAttribute::get_from(m);
  if (!a || !peer || !data) {
    t.counters.dropped_malformed.add();
    return;
  }
  relay_to_peer(t, *a, peer->address, data->bytes, ctx.mono_ms);
}

}  // namespace tern

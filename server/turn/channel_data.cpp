// Client → peer data in ChannelData (RFC 8656 §12.6): never answered; what cannot be
// relayed is dropped and counted.

#include "protocol/channel_data.h"
#include "server/turn/turn_context.h"

namespace tern {

void handle_channel_data(TurnContext& t, std::span<const uint8_t> packet,
                         const RequestContext& ctx) {
  auto frame = stun::parse_channel_data(packet, t.shared.settings.channels);
  Allocation* a = frame ? t.table.find(FiveTuple::of(ctx), ctx.mono_ms) : nullptr;
  const ChannelBinding* ch = a ? a->channel_by_number(frame->channel, ctx.mono_ms) : nullptr;
  if (!ch) {
    t.counters.dropped_unbound_channel.add();
    return;
  }
  relay_to_peer(t, *a, ch->peer, frame->data, ctx.mono_ms);
}

}  // namespace tern

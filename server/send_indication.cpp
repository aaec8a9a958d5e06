// Client → peer data: Send indications (RFC 8656 §11.2) and ChannelData (§12.6). Neither
// is ever answered; what cannot be relayed is dropped and counted.

#include "protocol/channel_data.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"
#include "server/turn_context.h"

namespace tern {

namespace {

void relay_to_peer(TurnContext& t, Allocation& a, const TransportAddress& peer,
                   std::span<const uint8_t> data, int64_t now_ms) {
  const RealmSnapshot& realm = synced_realm(t, a, now_ms);
  RelaySocket* relay = a.relay_for(peer.family);
  const Permission* permission = relay ? a.permission_for(peer, now_ms) : nullptr;
  // §11.2: no permission for the peer's IP, or a port of it the policy refuses: dropped.
  // The IP was judged when the permission was installed (and again if the policy changed
  // since, in synced_realm); only the port is left, a bit lookup for most peers.
  if (!permission ||
      realm.policy.check_port(peer, permission->port_sensitive) == PeerVerdict::Denied) {
    t.counters.client_dropped_no_permission.add();
    return;
  }
  if (!a.to_peer_limit.try_take(data.size(), now_ms)) {
    t.counters.bandwidth_dropped_to_peer.add();
    return;
  }
  relay->send_to_peer(peer, data);
}

}  // namespace

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

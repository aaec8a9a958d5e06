#include "server/turn/relay_socket.h"

#include <sys/socket.h>

#include <cstring>

#include "base/socket_address.h"
#include "protocol/byte_order.h"
#include "protocol/channel_data.h"
#include "protocol/message_builder.h"
#include "protocol/xor_address.h"
#include "server/core/request_context.h"
#include "server/turn/allocation.h"
#include "server/turn/realm_sync.h"

namespace tern {

namespace {
// Room in front of a received datagram for the largest header tern puts there: a Data
// indication with an IPv6 XOR-PEER-ADDRESS (20 + 24 + 4 bytes). Framing then happens in
// place, with no copy of the payload.
constexpr size_t kHeadroom = 48;
constexpr size_t kTailroom = 4;  // ChannelData padding over streams
constexpr int kBatchesPerWakeup = 8;

size_t data_indication_header_size(const TransportAddress& peer) {
  return stun::kHeaderSize + stun::kAttributeHeaderSize + (peer.family == Family::V4 ? 8 : 20) +
         stun::kAttributeHeaderSize;
}
}  // namespace

std::unique_ptr<RelaySocket> RelaySocket::open(PortLease lease, Allocation& owner, RelayIo& io,
                                               const RealmState& realm) {
  auto s = std::make_unique<RelaySocket>(std::move(lease), owner, io, realm);
  s->event_.reset(event_new(io.base, s->lease_.fd(), EV_READ | EV_PERSIST, on_readable, s.get()));
  if (!s->event_ || event_add(s->event_.get(), nullptr) != 0) return nullptr;
  return s;
}

RelaySocket::RelaySocket(PortLease lease, Allocation& owner, RelayIo& io, const RealmState& realm)
    : lease_(std::move(lease)), owner_(owner), io_(io), realm_(realm) {
  io_.local.add(this);
}

RelaySocket::~RelaySocket() {
  io_.local.remove(this);
  io_.batch.to_peers.forget(lease_.fd());
}

void LocalRelays::add(RelaySocket* s) {
  map_[s->address()] = s;
}

void LocalRelays::remove(RelaySocket* s) {
  auto it = map_.find(s->address());
  if (it != map_.end() && it->second == s) map_.erase(it);
}

bool RelaySocket::send_to_peer(const TransportAddress& peer, std::span<const uint8_t> data) {
  const TransportAddress actual = io_.external.actual(peer);
  if (RelaySocket* target = io_.local.find(actual)) {
    io_.counters.relayed_in_process.add();
    target->receive_local(advertised(), data);
  } else {
    // Queued with the rest of the receive batch when there is one (counted as relayed now;
    // one the kernel refuses at the flush is a relay_send_failure, as sendto's would be).
    const SockAddr to = to_sockaddr(actual);
    if (!io_.batch.to_peers.send(lease_.fd(), to, data) &&
        ::sendto(lease_.fd(), data.data(), data.size(), 0, to.get(), to.length) < 0) {
      io_.counters.relay_send_failures.add();
      return false;
    }
  }
  owner_.traffic.packets_to_peer++;
  owner_.traffic.bytes_to_peer += data.size();
  WorkerCounters::Relayed& relayed =
      io_.counters.relayed[static_cast<size_t>(owner_.tuple().transport)];
  relayed.packets_to_peer.add();
  relayed.bytes_to_peer.add(data.size());
  return true;
}

void RelaySocket::on_readable(evutil_socket_t, short, void* self) {
  auto* s = static_cast<RelaySocket*>(self);
  for (int i = 0; i < kBatchesPerWakeup; ++i) {
    if (s->read_batch() < UdpBatch::kPackets) break;
  }
}

void RelaySocket::sync(int64_t now_ms) {
  sync_realm(owner_, io_.realm.current(realm_), io_.counters, now_ms);
}

std::span<uint8_t> RelaySocket::frame_for_client(const TransportAddress& peer, uint8_t* payload,
                                                 size_t len, int64_t now_ms) {
  // RFC 8656 §11.3: without a permission for the peer's IP the datagram is dropped.
  if (!owner_.has_permission(peer, now_ms)) {
    io_.counters.peer_dropped_no_permission.add();
    return {};
  }
  if (!owner_.to_client_limit.try_take(len, now_ms)) {
    io_.counters.bandwidth_dropped_to_client.add();
    return {};
  }
  owner_.traffic.packets_to_client++;
  owner_.traffic.bytes_to_client += len;
  WorkerCounters::Relayed& relayed =
      io_.counters.relayed[static_cast<size_t>(owner_.tuple().transport)];
  relayed.packets_to_client.add();
  relayed.bytes_to_client.add(len);
  if (const ChannelBinding* ch = owner_.channel_by_peer(peer, now_ms)) {
    uint8_t* start = payload - 4;
    stun::write_channel_data_header(std::span<uint8_t, 4>(start, 4), ch->number,
                                    static_cast<uint16_t>(len));
    size_t size = 4 + len;
    if (owner_.client_link.pads_channel_data()) {
      std::memset(payload + len, 0, padded4(size) - size);
      size = padded4(size);
    }
    return {start, size};
  }
  const size_t header = data_indication_header_size(peer);
  uint8_t* start = payload - header;
  std::array<uint8_t, stun::kTransactionIdSize> id;
  io_.random.fill(id);
  stun::MessageBuilder m(std::span(start, header + padded4(len)), stun::Method::Data,
                         stun::Class::Indication, id);
  stun::XorPeerAddress{peer}.add_to(m);
  m.append(stun::attr::Data, len);  // lands on the payload already in place
  if (!m.ok()) return {};
  return {start, m.size()};
}

void RelaySocket::receive_local(const TransportAddress& from, std::span<const uint8_t> data) {
  auto& scratch = io_.scratch;
  if (data.size() > scratch.size() - kHeadroom - kTailroom) {
    io_.counters.dropped_truncated.add();
    return;
  }
  std::memcpy(scratch.data() + kHeadroom, data.data(), data.size());
  const int64_t now_ms = io_.now_ms();
  sync(now_ms);
  auto frame = frame_for_client(from, scratch.data() + kHeadroom, data.size(), now_ms);
  if (frame.empty()) return;
  send_to_client(frame, to_sockaddr(owner_.tuple().reply_address()));
}

void RelaySocket::send_to_client(std::span<const uint8_t> frame, const SockAddr& client) {
  if (owner_.client_link.stream) {
    owner_.client_link.stream->send_relayed(frame);
    return;
  }
  // Queued for the end of this pass of the worker's loop, with what every other relay
  // socket of the worker sends through the same listening socket.
  if (io_.batch.to_clients.send_copy(owner_.client_link.udp_fd, client, frame)) return;
  if (::sendto(owner_.client_link.udp_fd, frame.data(), frame.size(), 0, client.get(),
               client.length) < 0) {
    io_.counters.udp_send_failures.add();
    return;
  }
  io_.counters.udp_datagrams_out.add();
}

size_t RelaySocket::read_batch() {
  UdpBatch& b = io_.batch;
  const size_t n = b.receive(lease_.fd(), kHeadroom, kTailroom);
  if (n == 0) return 0;

  const int64_t now_ms = io_.now_ms();
  sync(now_ms);
  const SockAddr client = to_sockaddr(owner_.tuple().reply_address());
  for (size_t i = 0; i < n; ++i) {
    auto datagram = b.datagram(i);
    if (!datagram) continue;
    // A packet from another of our own relays carries its private source; the client
    // knows that relay by its advertised address, and made its permission for that.
    const TransportAddress peer = io_.external.advertised(datagram->from);
    std::span<uint8_t> frame =
        frame_for_client(peer, datagram->payload.data(), datagram->payload.size(), now_ms);
    if (frame.empty()) continue;
    send_to_client(frame, client);
  }
  return n;
}

}  // namespace tern

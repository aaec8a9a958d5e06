#include "server/turn/allocation.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "protocol/byte_order.h"
#include "protocol/channel_data.h"
#include "protocol/message_builder.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"
#include "server/turn/relay_socket.h"
#include "server/turn/tcp_relay.h"

namespace tern {

TransportAddress ip_only(const TransportAddress& a) {
  TransportAddress t = a;
  t.port = 0;
  return t;
}

// coturn's session ids: (server + 1) * 10^15 + counter, printed as 18 digits, so tools
// written against coturn's Redis keys and logs read tern's too.
constexpr uint64_t kIdFactor = 1'000'000'000'000'000;
constexpr size_t kIdDigits = 18;

std::string AllocationId::to_string() const {
  return fmt::format("{:0{}}", (uint64_t{worker} + 1) * kIdFactor + sequence % kIdFactor,
                     kIdDigits);
}

std::optional<AllocationId> AllocationId::parse(std::string_view text) {
  // Exactly 18 digits: one session has exactly one spelling.
  if (text.size() != kIdDigits || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  uint64_t n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  if (n < kIdFactor) return std::nullopt;  // no worker part
  return AllocationId{static_cast<unsigned>(n / kIdFactor - 1), n % kIdFactor};
}

uint64_t AllocationId::first_sequence(uint64_t random) {
  return 1 + random % (kIdFactor / 2);
}

Allocation::Allocation(FiveTuple tuple, std::string username, int64_t expires_ms, ClientLink link)
    : client_link(link),
      tuple_(tuple),
      username_(std::move(username)),
      expires_ms_(expires_ms),
      reply_to_(to_sockaddr(tuple.reply_address())) {}

Allocation::~Allocation() = default;

void Allocation::move_to(const FiveTuple& tuple, ClientLink link) {
  tuple_ = tuple;
  reply_to_ = to_sockaddr(tuple.reply_address());
  client_link = link;
}

void Allocation::detach_relays() {
  for (auto& relay : relays_) relay->detach();
}

bool Allocation::attach_relays(RelayIo& io) {
  bool ok = true;
  for (auto& relay : relays_) ok = relay->attach(io) && ok;
  return ok;
}

const Permission* Allocation::permission_for(const TransportAddress& peer, int64_t now_ms) const {
  const TransportAddress key = ip_only(peer);
  for (const auto& p : permissions_) {
    if (p.ip == key) return now_ms < p.expires_ms ? &p : nullptr;
  }
  return nullptr;
}

bool Allocation::install_permission(const TransportAddress& peer, int64_t expires_ms,
                                    int64_t now_ms, bool port_sensitive) {
  const TransportAddress key = ip_only(peer);
  for (auto& p : permissions_) {
    if (p.ip == key) {
      p.expires_ms = expires_ms;
      p.port_sensitive = port_sensitive;
      return true;
    }
  }
  if (permissions_.size() >= kMaxPermissions) {
    sweep(now_ms);
    if (permissions_.size() >= kMaxPermissions) return false;
  }
  permissions_.push_back({key, expires_ms, port_sensitive});
  return true;
}

size_t Allocation::retain_permissions(const std::function<bool(Permission&)>& keep) {
  return std::erase_if(permissions_, [&](Permission& p) { return !keep(p); });
}

Allocation::BindResult Allocation::bind_channel(uint16_t number, const TransportAddress& peer,
                                                int64_t expires_ms, int64_t reusable_ms,
                                                int64_t now_ms) {
  // RFC 8656 §12.2: a number already bound to another peer, or a peer already bound to
  // another number, is refused — also during the cool-down after expiry.
  for (auto& c : channels_) {
    const bool same_number = c.number == number;
    const bool same_peer = c.peer == peer;
    if (same_number && same_peer) {
      c.expires_ms = expires_ms;
      c.reusable_ms = reusable_ms;
      return BindResult::Ok;
    }
    if (now_ms < c.reusable_ms) {
      if (same_number) return BindResult::NumberTaken;
      if (same_peer) return BindResult::PeerTaken;
    }
  }
  if (channels_.size() >= kMaxChannels) {
    sweep(now_ms);
    if (channels_.size() >= kMaxChannels) return BindResult::Full;
  }
  // A stale entry for this number or peer past its cool-down gives way.
  std::erase_if(channels_,
                [&](const ChannelBinding& c) { return c.number == number || c.peer == peer; });
  channels_.push_back({number, peer, expires_ms, reusable_ms});
  return BindResult::Ok;
}

const ChannelBinding* Allocation::channel_by_number(uint16_t number, int64_t now_ms) const {
  for (const auto& c : channels_) {
    if (c.number == number) return now_ms < c.expires_ms ? &c : nullptr;
  }
  return nullptr;
}

const ChannelBinding* Allocation::channel_by_peer(const TransportAddress& peer,
                                                  int64_t now_ms) const {
  for (const auto& c : channels_) {
    if (c.peer == peer) return now_ms < c.expires_ms ? &c : nullptr;
  }
  return nullptr;
}

void Allocation::sweep(int64_t now_ms) {
  std::erase_if(permissions_, [&](const Permission& p) { return now_ms >= p.expires_ms; });
  std::erase_if(channels_, [&](const ChannelBinding& c) { return now_ms >= c.reusable_ms; });
  collect_tcp_traffic();
}

void Allocation::collect_tcp_traffic() {
  if (!tcp_relay_) return;
  traffic += tcp_relay_->take_traffic();
}

void Allocation::resync_realm(const RealmSnapshot& realm, WorkerCounters& counters,
                              int64_t now_ms) {
  const size_t revoked = retain_permissions([&](Permission& p) {
    if (realm.policy.check_ip(p.ip) == PeerVerdict::Denied) return false;
    p.port_sensitive = realm.policy.port_sensitive(p.ip);
    return true;
  });
  counters.permissions_revoked.add(revoked);
  to_peer_limit.set_rate(realm.max_bps, now_ms);
  to_client_limit.set_rate(realm.max_bps, now_ms);
  if (tcp_relay_) tcp_relay_->set_max_bps(realm.max_bps, now_ms);
  realm_generation_ = realm.generation;
}

namespace {
size_t data_indication_header_size(const TransportAddress& peer) {
  return stun::kHeaderSize + stun::kAttributeHeaderSize + (peer.family == Family::V4 ? 8 : 20) +
         stun::kAttributeHeaderSize;
}
}  // namespace

// RFC 8656 §11.3: "When the server receives a UDP datagram at a currently allocated
// relayed transport address, the server looks up the allocation associated with the
// relayed transport address. The server then checks to see whether the set of permissions
// for the allocation allow the relaying of the UDP datagram as described in Section 9. If
// relaying is permitted, then the server checks if there is a channel bound to the peer
// that sent the UDP datagram (see Section 12). If a channel is bound, then processing
// proceeds as described in Section 12.6. If relaying is permitted but no channel is bound
// to the peer, then the server forms and sends a Data indication."
std::span<uint8_t> Allocation::admit_from_peer(const TransportAddress& peer,
                                               std::span<uint8_t> payload, int64_t now_ms,
                                               WorkerCounters& counters, FastRandom& random) {
  const size_t len = payload.size();
  if (!has_permission(peer, now_ms)) {
    counters.peer_dropped_no_permission.add();
    return {};
  }
  if (!to_client_limit.try_take(len, now_ms)) {
    counters.bandwidth_dropped_to_client.add();
    return {};
  }
  traffic.packets_to_client++;
  traffic.bytes_to_client += len;
  WorkerCounters::Relayed& relayed = counters.relayed[static_cast<size_t>(tuple_.transport)];
  relayed.packets_to_client.add();
  relayed.bytes_to_client.add(len);
  if (const ChannelBinding* ch = channel_by_peer(peer, now_ms)) {
    uint8_t* start = payload.data() - stun::kChannelDataHeaderSize;
    stun::write_channel_data_header(std::span<uint8_t, 4>(start, 4), ch->number,
                                    static_cast<uint16_t>(len));
    size_t size = stun::kChannelDataHeaderSize + len;
    if (client_link.pads_channel_data()) {
      std::memset(payload.data() + len, 0, padded4(size) - size);
      size = padded4(size);
    }
    return {start, size};
  }
  const size_t header = data_indication_header_size(peer);
  uint8_t* start = payload.data() - header;
  std::array<uint8_t, stun::kTransactionIdSize> id;
  random.fill(id);
  stun::MessageBuilder m(std::span(start, header + padded4(len)), stun::Method::Data,
                         stun::Class::Indication, id);
  stun::XorPeerAddress{peer}.add_to(m);
  m.append(stun::attr::Data, len);  // lands on the payload already in place
  if (!m.ok()) return {};
  return {start, m.size()};
}

void Allocation::begin_from_peers(RelayIo& io, int64_t now_ms) {
  sync_realm(io.realm_now(), io.counters, now_ms);
}

void Allocation::from_peer(RelayIo& io, const TransportAddress& peer, std::span<uint8_t> payload,
                           int64_t now_ms) {
  const auto frame = admit_from_peer(peer, payload, now_ms, io.counters, io.random);
  if (!frame.empty()) client_link.send(frame, reply_to_, io.batch.to_clients, io.counters);
}

// RFC 8656 §11.5: an ICMP error about a peer the client may reach goes to the client as a
// Data indication with XOR-PEER-ADDRESS and ICMP, and no DATA; one about any other peer is
// dropped, as its data would be. A few a second at most: enough for a client to learn a
// peer is gone, too few for a peer's ICMP flood to become one towards the client.
void Allocation::icmp_from_peer(RelayIo& io, const TransportAddress& peer, const IcmpReport& report,
                                int64_t now_ms) {
  if (!has_permission(peer, now_ms)) return;
  if (now_ms - icmp_window_ms_ >= 1000) {
    icmp_window_ms_ = now_ms;
    icmp_in_window_ = 0;
  }
  if (icmp_in_window_ >= kIcmpPerSecond) return;
  ++icmp_in_window_;
  // §18.13: Error Data is the next-hop MTU for "packet too big" and "fragmentation needed",
  // else zero.
  const bool too_big = report.icmpv6 ? report.type == 2 : (report.type == 3 && report.code == 4);
  std::array<uint8_t, stun::kTransactionIdSize> id;
  io.random.fill(id);
  stun::MessageBuilder m(io.scratch, stun::Method::Data, stun::Class::Indication, id);
  stun::XorPeerAddress{peer}.add_to(m);
  stun::Icmp{report.type, report.code, too_big ? report.info : 0}.add_to(m);
  if (!m.ok()) return;
  client_link.send(std::span(io.scratch).first(m.size()), reply_to_, io.batch.to_clients,
                   io.counters);
}

void Allocation::add_relay(std::unique_ptr<RelaySocket> relay) {
  relays_.push_back(std::move(relay));
}

void Allocation::set_tcp_relay(std::unique_ptr<TcpRelay> relay) {
  tcp_relay_ = std::move(relay);
  // The realm was synced before the relay existed: it takes the rate in force.
  if (tcp_relay_) tcp_relay_->set_max_bps(to_peer_limit.rate(), steady_ms());
}

bool Allocation::relays_family(Family family) const {
  return relay_for(family) || (tcp_relay_ && tcp_relay_->family() == family);
}

RelaySocket* Allocation::relay_for(Family family) const {
  for (const auto& r : relays_) {
    if (r->address().family == family) return r.get();
  }
  return nullptr;
}

void Allocation::remember_allocate(std::span<const uint8_t, 12> transaction_id,
                                   std::span<const uint8_t> response) {
  std::ranges::copy(transaction_id, allocate_id_.begin());
  allocate_response_.assign(response.begin(), response.end());
}

std::span<const uint8_t> Allocation::cached_allocate_response(
    std::span<const uint8_t, 12> id) const {
  if (allocate_response_.empty() || !std::ranges::equal(id, allocate_id_)) return {};
  return allocate_response_;
}

}  // namespace tern

#include "server/turn/allocation.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

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

Allocation::Allocation(FiveTuple tuple, std::string username, int64_t expires_ms)
    : tuple_(tuple), username_(std::move(username)), expires_ms_(expires_ms) {}

Allocation::~Allocation() = default;

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
}

void Allocation::add_relay(std::unique_ptr<RelaySocket> relay) {
  relays_.push_back(std::move(relay));
}

void Allocation::set_tcp_relay(std::unique_ptr<TcpRelay> relay) {
  tcp_relay_ = std::move(relay);
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

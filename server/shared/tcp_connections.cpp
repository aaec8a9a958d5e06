#include "server/shared/tcp_connections.h"

#include <algorithm>
#include <utility>

namespace tern {

size_t TcpPeers::count() const {
  std::lock_guard lock(mutex_);
  return peers_.size();
}

void TcpPeers::set_max_bps(uint64_t bytes_per_s, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (to_peer_limit_.rate() == bytes_per_s) return;
  to_peer_limit_.set_rate(bytes_per_s, now_ms);
  to_client_limit_.set_rate(bytes_per_s, now_ms);
}

size_t TcpPeers::admit(PeerDirection direction, size_t bytes, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  const bool to_peer = direction == PeerDirection::ToPeer;
  const size_t granted = (to_peer ? to_peer_limit_ : to_client_limit_).take_up_to(bytes, now_ms);
  if (granted == 0) return 0;
  (to_peer ? traffic_.packets_to_peer : traffic_.packets_to_client) += 1;
  (to_peer ? traffic_.bytes_to_peer : traffic_.bytes_to_client) += granted;
  return granted;
}

TcpPeers::Traffic TcpPeers::take_traffic() {
  std::lock_guard lock(mutex_);
  return std::exchange(traffic_, {});
}

Result<std::unique_ptr<PeerSlot>, PeerSlot::Refused> PeerSlot::claim(
    std::shared_ptr<TcpPeers> peers, const TransportAddress& peer) {
  {
    std::lock_guard lock(peers->mutex_);
    if (std::ranges::find(peers->peers_, peer) != peers->peers_.end()) {
      return unexpected(Refused::Exists);
    }
    if (peers->peers_.size() >= TcpPeers::kMaxConnections) return unexpected(Refused::Full);
    peers->peers_.push_back(peer);
  }
  return std::make_unique<PeerSlot>(std::move(peers), peer);
}

PeerSlot::~PeerSlot() {
  std::lock_guard lock(peers_->mutex_);
  auto it = std::ranges::find(peers_->peers_, peer_);
  if (it != peers_->peers_.end()) peers_->peers_.erase(it);
}

uint32_t TcpConnections::add(FileDescriptor fd, std::unique_ptr<PeerSlot> slot,
                             std::string username, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  // Random, so one client cannot guess the next id handed to another (it would still
  // need that client's credentials to bind it).
  uint32_t id = 0;
  while (id == 0 || pending_.contains(id)) id = static_cast<uint32_t>(random_.next());
  pending_.emplace(
      id, Pending{std::move(fd), std::move(slot), std::move(username), now_ms + bind_timeout_ms_});
  return id;
}

Result<BoundPeer, TcpConnections::TakeError> TcpConnections::take(uint32_t id,
                                                                  std::string_view username) {
  std::lock_guard lock(mutex_);
  auto it = pending_.find(id);
  if (it == pending_.end() || !it->second.slot->allocation_alive()) {
    return unexpected(TakeError::Unknown);
  }
  if (it->second.username != username) return unexpected(TakeError::WrongUser);
  BoundPeer out{std::move(it->second.fd), std::move(it->second.slot)};
  pending_.erase(it);
  return out;
}

size_t TcpConnections::expire(int64_t now_ms) {
  std::vector<Pending> gone;  // closed after the lock is released
  {
    std::lock_guard lock(mutex_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      Pending& p = it->second;
      if (now_ms < p.deadline_ms && p.slot->allocation_alive()) {
        ++it;
        continue;
      }
      gone.push_back(std::move(p));
      it = pending_.erase(it);
    }
  }
  return gone.size();
}

size_t TcpConnections::size() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

}  // namespace tern

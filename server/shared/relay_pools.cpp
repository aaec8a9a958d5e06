#include "server/shared/relay_pools.h"

#include <algorithm>
#include <string>

namespace tern {

namespace {
size_t family_index(Family f) {
  return f == Family::V4 ? 0 : 1;
}
}  // namespace

RelayPools::RelayPools(const std::vector<TransportAddress>& relay_ips, uint16_t min_port,
                       uint16_t max_port) {
  reconfigure(relay_ips, min_port, max_port);
}

bool RelayPools::reconfigure(const std::vector<TransportAddress>& relay_ips, uint16_t min_port,
                             uint16_t max_port) {
  const std::scoped_lock lock(mutex_);
  auto known = [&](const TransportAddress& ip) {
    return std::ranges::find_if(made_, [&](const Made& m) {
      return same_ip(m.pool->relay_ip(), ip) && m.min_port == min_port && m.max_port == max_port;
    });
  };
  const auto fresh =
      std::ranges::count_if(relay_ips, [&](const auto& ip) { return known(ip) == made_.end(); });
  if (made_.size() + static_cast<size_t>(fresh) > kMaxPools) return false;
  auto active = std::make_shared<Active>();
  for (const auto& ip : relay_ips) {
    auto at = known(ip);
    if (at == made_.end()) {
      made_.push_back({min_port, max_port, std::make_unique<RelayPorts>(ip, min_port, max_port)});
      at = std::prev(made_.end());
      const size_t n = all_count_.load(std::memory_order_relaxed);
      all_[n].store(at->pool.get(), std::memory_order_relaxed);
      all_count_.store(n + 1, std::memory_order_release);
    }
    active->push_back(at->pool.get());
  }
  active_ = std::move(active);
  return true;
}

std::shared_ptr<const RelayPools::Active> RelayPools::snapshot() const {
  const std::scoped_lock lock(mutex_);
  return active_;
}

std::vector<RelayPorts*> RelayPools::pools() const {
  const std::scoped_lock lock(mutex_);
  std::vector<RelayPorts*> out;
  for (const auto& m : made_) out.push_back(m.pool.get());
  return out;
}

std::vector<RelayPorts*> RelayPools::active() const {
  return *snapshot();
}

bool RelayPools::serves(Family family) const {
  return std::ranges::any_of(*snapshot(),
                             [&](const RelayPorts* p) { return p->relay_ip().family == family; });
}

std::vector<RelayPorts*> RelayPools::in_turn(Family family) {
  std::vector<RelayPorts*> of_family;
  for (RelayPorts* p : *snapshot()) {
    if (p->relay_ip().family == family) of_family.push_back(p);
  }
  if (of_family.size() > 1) {
    const uint64_t turn = turn_[family_index(family)].fetch_add(1, std::memory_order_relaxed);
    // std::rotate, not std::ranges::rotate: clang 14 (the fuzz build) cannot compile the
    // subrange that libstdc++ 12's ranges::rotate returns.
    std::rotate(of_family.begin(),
                of_family.begin() + static_cast<ptrdiff_t>(turn % of_family.size()),
                of_family.end());
  }
  return of_family;
}

template <typename Take>
auto RelayPools::first_that_has(Family family, Take take)
    -> decltype(take(std::declval<RelayPorts&>())) {
  const auto pools = in_turn(family);
  if (pools.empty()) {
    return unexpected(
        AcquireError{AcquireError::Kind::SocketFailed, std::string("no relay IP of this family")});
  }
  AcquireError last{AcquireError::Kind::Exhausted, {}};
  for (RelayPorts* pool : pools) {
    auto got = take(*pool);
    // A full range sends us to the next IP; a socket failure (out of fds) would fail there
    // too, so it ends the search.
    if (got || got.error().kind != AcquireError::Kind::Exhausted) return got;
    last = got.error();
  }
  if (pools.size() > 1) last.reason += ", and on every other relay IP of this family";
  return unexpected(last);
}

Result<PortLease, AcquireError> RelayPools::acquire(Family family, bool even) {
  return first_that_has(family, [&](RelayPorts& p) { return p.acquire(even); });
}

Result<std::pair<PortLease, PortLease>, AcquireError> RelayPools::acquire_pair(Family family) {
  return first_that_has(family, [](RelayPorts& p) { return p.acquire_pair(); });
}

bool RelayPools::is_leased(const TransportAddress& address) const {
  // An IP may have a pool per range it was given: any of them may hold the port.
  const size_t n = all_count_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    const RelayPorts* p = all_[i].load(std::memory_order_relaxed);
    if (same_ip(p->relay_ip(), address) && p->is_leased(address.port)) return true;
  }
  return false;
}

}  // namespace tern

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
  for (const auto& ip : relay_ips) {
    pools_.push_back(std::make_unique<RelayPorts>(ip, min_port, max_port));
  }
}

bool RelayPools::serves(Family family) const {
  return std::ranges::any_of(pools_, [&](const auto& p) { return p->relay_ip().family == family; });
}

std::vector<RelayPorts*> RelayPools::in_turn(Family family) {
  std::vector<RelayPorts*> of_family;
  for (const auto& p : pools_) {
    if (p->relay_ip().family == family) of_family.push_back(p.get());
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
  for (const auto& p : pools_) {
    const TransportAddress& ip = p->relay_ip();
    if (ip.family == address.family && ip.ip == address.ip) return p->is_leased(address.port);
  }
  return false;
}

}  // namespace tern

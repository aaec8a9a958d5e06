#include "server/shared/alternate_servers.h"

#include <algorithm>

namespace tern {

AlternateServers::AlternateServers(std::vector<TransportAddress> plain,
                                   std::vector<TransportAddress> tls) {
  replace(std::move(plain), std::move(tls));
}

void AlternateServers::replace(std::vector<TransportAddress> plain,
                               std::vector<TransportAddress> tls) {
  auto lists = std::make_shared<Lists>();
  lists->plain.addresses = std::move(plain);
  lists->tls.addresses = std::move(tls);
  const std::scoped_lock lock(mutex_);
  lists_ = std::move(lists);
}

std::shared_ptr<AlternateServers::Lists> AlternateServers::lists() const {
  const std::scoped_lock lock(mutex_);
  return lists_;
}

bool AlternateServers::empty() const {
  const auto l = lists();
  return l->plain.addresses.empty() && l->tls.addresses.empty();
}

std::optional<TransportAddress> AlternateServers::pick(Transport transport,
                                                       const TransportAddress& local,
                                                       bool draining) {
  const auto l = lists();
  return pick_from(transport == Transport::Tls || transport == Transport::Dtls ? l->tls : l->plain,
                   local, draining);
}

std::optional<TransportAddress> AlternateServers::pick_from(List& list,
                                                            const TransportAddress& local,
                                                            bool draining) {
  const auto& all = list.addresses;
  if (all.empty()) return std::nullopt;
  const bool names_us = std::ranges::find(all, local) != all.end();
  if (names_us && !draining) return std::nullopt;
  for (size_t tries = 0; tries < all.size(); ++tries) {
    const TransportAddress& a = all[list.next.fetch_add(1, std::memory_order_relaxed) % all.size()];
    if (a.family == local.family && a != local) return a;
  }
  return std::nullopt;
}

}  // namespace tern

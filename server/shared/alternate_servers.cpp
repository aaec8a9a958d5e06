#include "server/shared/alternate_servers.h"

#include <algorithm>

namespace tern {

AlternateServers::AlternateServers(std::vector<TransportAddress> plain,
                                   std::vector<TransportAddress> tls) {
  plain_.addresses = std::move(plain);
  tls_.addresses = std::move(tls);
}

std::optional<TransportAddress> AlternateServers::pick(Transport transport,
                                                       const TransportAddress& local,
                                                       bool draining) {
  return pick_from(transport == Transport::Tls ? tls_ : plain_, local, draining);
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

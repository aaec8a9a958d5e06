#include "server/alternate_servers.h"

#include <algorithm>

#include "server/turn_shared.h"

namespace tern {

namespace {

std::vector<TransportAddress> parse_all(const std::vector<std::string>& texts) {
  std::vector<TransportAddress> out;
  for (const auto& t : texts) {
    if (auto a = parse_ip_port(t)) out.push_back(*a);
  }
  return out;
}

}  // namespace

AlternateServers::AlternateServers(const std::vector<std::string>& plain,
                                   const std::vector<std::string>& tls) {
  plain_.addresses = parse_all(plain);
  tls_.addresses = parse_all(tls);
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

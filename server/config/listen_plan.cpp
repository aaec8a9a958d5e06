#include "server/config/listen_plan.h"

#include "server/config/config.h"

namespace tern {

std::vector<Rfc5780Grid> rfc5780_grids(const std::vector<TransportAddress>& ips, uint16_t port,
                                       uint16_t alt_port) {
  std::vector<Rfc5780Grid> grids;
  for (Family family : {Family::V4, Family::V6}) {
    std::vector<TransportAddress> two;
    for (const auto& ip : ips) {
      // A wildcard socket answers from whichever address the kernel picks, so it cannot
      // promise the client a RESPONSE-ORIGIN or an OTHER-ADDRESS.
      if (ip.family == family && !is_unspecified(ip) && two.size() < 2 &&
          (two.empty() || !same_ip(two[0], ip))) {
        two.push_back(ip);
      }
    }
    if (two.size() < 2) continue;
    Rfc5780Grid g;
    for (uint8_t slot = 0; slot < 4; ++slot) {
      g.address[slot] = two[(slot & Rfc5780Grid::kOtherIp) ? 1 : 0];
      g.address[slot].port = (slot & Rfc5780Grid::kOtherPort) ? alt_port : port;
    }
    grids.push_back(g);
  }
  return grids;
}

std::optional<std::string> plan_rfc5780(ListenPlan& plan, const std::vector<TransportAddress>& ips,
                                        const Config& config) {
  // Only addresses the operator named: interfaces found at startup may pair a loopback
  // address with a public one, and OTHER-ADDRESS would send clients to the loopback.
  if (config.no_rfc5780 || config.no_udp || config.listening_ips.empty()) return std::nullopt;
  const uint32_t alt =
      config.alt_listening_port ? config.alt_listening_port : uint32_t{config.listening_port} + 1;
  if (alt > 65535 || alt == config.listening_port) {
    return "alt-listening-port: " + std::to_string(alt) +
           " cannot be the alternate of listening-port " + std::to_string(config.listening_port) +
           "; give another (RFC 5780 needs a second port) or set no-rfc5780";
  }
  plan.rfc5780 = rfc5780_grids(ips, config.listening_port, static_cast<uint16_t>(alt));
  for (const auto& g : plan.rfc5780) {
    plan.udp.push_back(g.address[Rfc5780Grid::kOtherPort]);
    plan.udp.push_back(g.address[Rfc5780Grid::kOtherIp | Rfc5780Grid::kOtherPort]);
  }
  return std::nullopt;
}

}  // namespace tern

#include "server/config/listen_plan.h"

#include "server/config/config.h"

namespace tern {

std::vector<Rfc5780Grid> rfc5780_grids(Rfc5780Grid::Kind kind,
                                       const std::vector<TransportAddress>& ips, uint16_t port,
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
    g.kind = kind;
    for (uint8_t slot = 0; slot < 4; ++slot) {
      g.address[slot] = two[(slot & Rfc5780Grid::kOtherIp) ? 1 : 0];
      g.address[slot].port = (slot & Rfc5780Grid::kOtherPort) ? alt_port : port;
    }
    grids.push_back(g);
  }
  return grids;
}

namespace {

uint32_t alternate_of(uint16_t port, uint16_t alt) {
  return alt ? alt : uint32_t{port} + 1;
}

std::string port_error(const std::string& option, uint32_t alt, const std::string& of,
                       uint16_t port, const std::string& why) {
  return option + ": " + std::to_string(alt) + " cannot be the alternate of " + of + " " +
         std::to_string(port) + " (" + why + "); give another or set no-rfc5780";
}

}  // namespace

std::optional<std::string> plan_rfc5780(ListenPlan& plan, const std::vector<TransportAddress>& ips,
                                        const Config& config) {
  // Only addresses the operator named: interfaces found at startup may pair a loopback
  // address with a public one, and OTHER-ADDRESS would send clients to the loopback.
  if (config.no_rfc5780 || config.listening_ips.empty()) return std::nullopt;
  const uint16_t port = config.listening_port, tls_port = config.tls_listening_port;
  const uint32_t alt = alternate_of(port, config.alt_listening_port);
  const uint32_t alt_tls = alternate_of(tls_port, config.alt_tls_listening_port);
  const bool plain = !plan.udp.empty() || !plan.tcp.empty();
  const bool tls = !plan.tls.empty() || !plan.dtls.empty();
  // RFC 5780 §6: a pair of ports per transport, and TCP and TLS on different ones (here
  // UDP and DTLS too, since the TLS ports' UDP sockets serve DTLS).
  if (plain && (alt > 65535 || alt == port)) {
    return port_error("alt-listening-port", alt, "listening-port", port,
                      "RFC 5780 needs a second port");
  }
  if (tls && (alt_tls > 65535 || alt_tls == tls_port)) {
    return port_error("alt-tls-listening-port", alt_tls, "tls-listening-port", tls_port,
                      "RFC 5780 needs a second port");
  }
  if (plain && tls && (alt == tls_port || alt_tls == port || alt_tls == alt)) {
    return port_error(alt == tls_port ? "alt-listening-port" : "alt-tls-listening-port",
                      alt == tls_port ? alt : alt_tls,
                      alt == tls_port ? "listening-port" : "tls-listening-port",
                      alt == tls_port ? port : tls_port,
                      "TCP and TLS need ports of their own: listening-port, alt-listening-port, "
                      "tls-listening-port and alt-tls-listening-port must differ");
  }
  using Kind = Rfc5780Grid::Kind;
  struct Listeners {
    Kind kind;
    std::vector<TransportAddress> ListenPlan::*list;
    uint16_t port;
    uint32_t alt;
  };
  for (const Listeners& l : {Listeners{Kind::Udp, &ListenPlan::udp, port, alt},
                             Listeners{Kind::Tcp, &ListenPlan::tcp, port, alt},
                             Listeners{Kind::Tls, &ListenPlan::tls, tls_port, alt_tls},
                             Listeners{Kind::Dtls, &ListenPlan::dtls, tls_port, alt_tls}}) {
    if ((plan.*l.list).empty()) continue;
    for (const auto& g : rfc5780_grids(l.kind, ips, l.port, static_cast<uint16_t>(l.alt))) {
      (plan.*l.list).push_back(g.address[Rfc5780Grid::kOtherPort]);
      (plan.*l.list).push_back(g.address[Rfc5780Grid::kOtherIp | Rfc5780Grid::kOtherPort]);
      plan.rfc5780.push_back(g);
    }
  }
  return std::nullopt;
}

}  // namespace tern

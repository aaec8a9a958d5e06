#include "server/startup_log.h"

#include <fmt/format.h>

#include <array>

#include "base/ip_range.h"
#include "base/log.h"
#include "server/server.h"

namespace tern {
namespace {

// Addresses no client on the Internet can reach: RFC 1918, CGNAT (RFC 6598), IPv6 unique
// local and link-local. Loopback is left out: it is what tests and a first try use.
bool is_private(const TransportAddress& ip) {
  static constexpr std::array<std::string_view, 6> kRanges = {
      "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10"};
  for (auto text : kRanges) {
    auto range = IpRange::parse(text);
    if (range && range->contains(ip)) return true;
  }
  return false;
}

}  // namespace

std::string credential_sources(const Config& config, const StartupFacts& facts) {
  std::vector<std::string> parts;
  if (!config.users.empty()) {
    parts.push_back(
        fmt::format("{} user{} (user)", config.users.size(), config.users.size() == 1 ? "" : "s"));
  }
  if (!config.userdb.empty()) parts.push_back("userdb " + config.userdb);
  if (!config.redis_userdb.empty()) parts.emplace_back("redis-userdb");
  if (config.use_auth_secret) parts.push_back(fmt::format("REST secrets ({})", facts.rest_secrets));
  if (parts.empty()) return "none";
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::vector<std::string> startup_warnings(const Config& config, const StartupFacts& facts) {
  std::vector<std::string> out;
  if (config.allow_loopback_peers) {
    out.emplace_back(
        "allow-loopback-peers is on: any client may relay to this host's loopback services "
        "(127.0.0.0/8, ::1); for tests only");
  }
  for (const auto& ip : facts.relay_ips) {
    if (is_private(ip) && facts.external.advertised(ip).ip == ip.ip) {
      out.push_back(fmt::format(
          "relay address {} is private and no external-ip maps it: clients outside this "
          "network cannot reach their relayed addresses (give external-ip PUBLIC/{})",
          ip.ip_string(), ip.ip_string()));
    }
  }
  // Secrets may still come from Redis, which answers after startup.
  if (config.use_auth_secret && facts.rest_secrets == 0 && config.redis_userdb.empty()) {
    out.emplace_back(
        "use-auth-secret without any secret (static-auth-secret, or ternctl secret add): every "
        "REST credential is refused");
  }
  return out;
}

void log_startup(const Config& config, Server& server, Logger& log) {
  TurnShared& turn = server.turn();
  const auto external = turn.external.current();
  const StartupFacts facts{turn.relay_ips(), *external, turn.rest_secret_count()};
  log.info("realm {}", turn.settings.realm);
  log.info("credentials: {}", credential_sources(config, facts));
  for (const auto& w : startup_warnings(config, facts)) log.warning("{}", w);
}

}  // namespace tern

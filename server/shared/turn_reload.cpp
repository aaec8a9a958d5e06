// TurnShared's part of a reload: what workers read through snapshots or atomics changes
// in place, so no allocation, permission or channel is touched. A lower quota refuses new
// allocations and ends none; a narrower peer policy revokes the permissions it now denies
// (realm_state.h), as a store's change does.

#include <fmt/format.h>

#include <algorithm>

#include "auth/redis_credentials.h"
#include "auth/rest_credentials.h"
#include "auth/sqlite_store.h"
#include "auth/static_users.h"
#include "base/log.h"
#include "base/socket_address.h"
#include "server/shared/turn_shared.h"

namespace tern {
namespace {

template <typename T>
void note_change(std::vector<std::string>& lines, std::string_view option, const T& was,
                 const T& now) {
  if (was != now) lines.push_back(fmt::format("{}: {} (was {})", option, now, was));
}

Result<std::vector<IpRange>, std::string> parse_ranges(std::string_view option,
                                                       const std::vector<std::string>& texts) {
  std::vector<IpRange> out;
  for (const auto& text : texts) {
    auto r = IpRange::parse(text);
    if (!r) return unexpected(std::string(option) + ": " + r.error());
    out.push_back(*r);
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>, std::string> TurnShared::reconfigure(const Config& in_force,
                                                                      const Config& fresh,
                                                                      const ListenPlan& plan,
                                                                      Logger& log) {
  // Everything that can be refused is checked before anything changes.
  auto allowed = parse_ranges("allowed-peer-ip", fresh.allowed_peer_ips);
  if (!allowed) return unexpected(allowed.error());
  auto denied = parse_ranges("denied-peer-ip", fresh.denied_peer_ips);
  if (!denied) return unexpected(denied.error());
  std::shared_ptr<auth::StaticUsers> users;
  if (fresh.users != in_force.users) {
    users = std::make_shared<auth::StaticUsers>(settings.realm);
    for (const auto& spec : fresh.users) {
      if (auto name = users->add(spec); !name) {
        return unexpected("user: \"" + spec.substr(0, spec.find(':')) +
                          ":...\": " + auth::to_string(name.error()));
      }
    }
  }

  // The last check, and the first change: nothing is changed when it refuses.
  auto relay_lines = reconfigure_relays(in_force, fresh, plan);
  if (!relay_lines) return unexpected(relay_lines.error());

  std::vector<std::string> lines = std::move(*relay_lines);
  if (fresh.alternate_servers != in_force.alternate_servers ||
      fresh.tls_alternate_servers != in_force.tls_alternate_servers) {
    alternates.replace(parse_ip_ports(fresh.alternate_servers),
                       parse_ip_ports(fresh.tls_alternate_servers));
    lines.push_back(fmt::format("alternate-server: {} plain, {} TLS (was {} and {})",
                                fresh.alternate_servers.size(), fresh.tls_alternate_servers.size(),
                                in_force.alternate_servers.size(),
                                in_force.tls_alternate_servers.size()));
  }
  if (users) {
    lines.push_back(fmt::format("user: {} users (was {})", users->size(), users_->size()));
    users_->replace(std::move(users));
  }
  if (fresh.static_auth_secrets != in_force.static_auth_secrets) {
    lines.push_back(fmt::format("static-auth-secret: {} secrets (was {})",
                                fresh.static_auth_secrets.size(),
                                in_force.static_auth_secrets.size()));
    static_secrets_ = fresh.static_auth_secrets;
  }

  note_change(lines, "max-allocate-lifetime", in_force.max_allocate_lifetime,
              fresh.max_allocate_lifetime);
  note_change(lines, "permission-lifetime", in_force.permission_lifetime,
              fresh.permission_lifetime);
  note_change(lines, "channel-lifetime", in_force.channel_lifetime, fresh.channel_lifetime);
  settings.max_lifetime_s = fresh.max_allocate_lifetime;
  settings.default_lifetime_s = std::min<int64_t>(600, fresh.max_allocate_lifetime);
  settings.permission_lifetime_s = fresh.permission_lifetime;
  settings.channel_lifetime_s = fresh.channel_lifetime;

  note_change(lines, "user-quota", in_force.user_quota, fresh.user_quota);
  note_change(lines, "total-quota", in_force.total_quota, fresh.total_quota);
  note_change(lines, "max-bps", in_force.max_bps, fresh.max_bps);
  configured_ = {fresh.user_quota, fresh.total_quota, fresh.max_bps};

  const bool policy_changed = fresh.allowed_peer_ips != in_force.allowed_peer_ips ||
                              fresh.denied_peer_ips != in_force.denied_peer_ips ||
                              fresh.allow_loopback_peers != in_force.allow_loopback_peers;
  if (policy_changed) {
    lines.push_back(fmt::format(
        "peer policy: {} allowed-peer-ip, {} denied-peer-ip ranges, allow-loopback-peers {}",
        allowed->size(), denied->size(), fresh.allow_loopback_peers ? "on" : "off"));
    base_policy_.allowed = std::move(*allowed);
    base_policy_.denied = std::move(*denied);
    base_policy_.allow_loopback = fresh.allow_loopback_peers;
    republish_ = true;
  }
  // Secrets reach the REST check, and quotas, max-bps and the policy the workers, with
  // the stores' own additions on top.
  reload_stores(log);
  return lines;
}

}  // namespace tern

namespace tern {
namespace {

std::string ip_list(const std::vector<TransportAddress>& ips) {
  std::string out;
  for (const auto& ip : ips) out += (out.empty() ? "" : ", ") + ip.ip_string();
  return out.empty() ? "none" : out;
}

template <typename T>
void add_missing(std::vector<T>& to, const std::vector<T>& from) {
  for (const auto& x : from) {
    if (std::ranges::find(to, x) == to.end()) to.push_back(x);
  }
}

}  // namespace

Result<std::vector<std::string>, std::string> TurnShared::reconfigure_relays(
    const Config& in_force, const Config& fresh, const ListenPlan& plan) {
  auto ips = choose_relay_ips(fresh, plan);
  if (!ips) return unexpected(ips.error());
  std::vector<std::string> lines;
  const bool ips_changed = *ips != relay_ips_;
  const bool range_changed =
      fresh.min_port != in_force.min_port || fresh.max_port != in_force.max_port;
  // A bare external-ip maps the relay IP of its family: read against the new ones.
  auto mapping = ExternalAddresses::parse(fresh.external_ips, *ips);
  if (!mapping) return unexpected(mapping.error());
  const bool external_changed =
      fresh.external_ips != in_force.external_ips || (ips_changed && !fresh.external_ips.empty());
  if ((ips_changed || range_changed) && !pools_.reconfigure(*ips, fresh.min_port, fresh.max_port)) {
    return unexpected(
        fmt::format("relay-ip: more than {} relay IP and port range pairs since startup; restart",
                    RelayPools::kMaxPools));
  }
  if (ips_changed) {
    lines.push_back(fmt::format("relay-ip: new allocations on {} (was {})", ip_list(*ips),
                                ip_list(relay_ips_)));
    for (const auto& old : relay_ips_) {
      if (std::ranges::find(*ips, old) == ips->end()) {
        lines.push_back(
            fmt::format("relay-ip {} takes no new allocation; its allocations relay until they end",
                        old.ip_string()));
      }
    }
    relay_ips_ = std::move(*ips);
  }
  if (range_changed) {
    lines.push_back(fmt::format("relay ports for new allocations: {}-{} (was {}-{})",
                                fresh.min_port, fresh.max_port, in_force.min_port,
                                in_force.max_port));
  }
  // The peer policy keeps knowing the retired relay IPs, ports and listeners as ours:
  // allocations still relay there, and sockets may still be bound.
  PeerPolicyConfig& p = base_policy_;
  const size_t before = p.own_relay_ips.size() + p.server_ports.size();
  if (external_changed) {
    const auto public_ips = mapping->public_ips();
    lines.push_back(fmt::format("external-ip: new allocations advertise {}",
                                mapping->empty() ? "their relay address" : ip_list(public_ips)));
    add_missing(p.external_ips, public_ips);
    external.replace(std::move(*mapping));
    republish_ = true;  // the lease check reads the mapping it was made with
  }
  add_missing(p.own_relay_ips, relay_ips_);
  for (const auto* list : {&plan.udp, &plan.tcp, &plan.tls, &plan.tcp_proxy, &plan.tls_proxy}) {
    add_missing(p.server_ports, *list);
  }
  if (range_changed) {
    p.relay_min_port = std::min(p.relay_min_port, fresh.min_port);
    p.relay_max_port = std::max(p.relay_max_port, fresh.max_port);
  }
  if (range_changed || p.own_relay_ips.size() + p.server_ports.size() != before) republish_ = true;
  return lines;
}

}  // namespace tern

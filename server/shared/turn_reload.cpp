// TurnShared's part of a reload: what workers read through snapshots or atomics changes
// in place, so no allocation, permission or channel is touched. A lower quota refuses new
// allocations and ends none; a narrower peer policy revokes the permissions it now denies
// (realm_state.h), as a store's change does.

#include <fmt/format.h>

#include "auth/redis_credentials.h"
#include "auth/rest_credentials.h"
#include "auth/sqlite_store.h"
#include "auth/static_users.h"
#include "base/log.h"
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

  std::vector<std::string> lines;
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

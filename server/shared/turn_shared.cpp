#include "server/shared/turn_shared.h"

#include <ctime>

#include <algorithm>

#include "auth/redis_credentials.h"
#include "auth/rest_credentials.h"
#include "auth/sqlite_store.h"
#include "auth/static_users.h"
#include "base/interfaces.h"
#include "base/log.h"
#include "base/socket_address.h"
#include "server/core/request_context.h"
#include "server/shared/stats_publisher.h"

namespace tern {

namespace {

// One address per family: the first non-loopback one, else the first one.
std::vector<TransportAddress> one_per_family(const std::vector<TransportAddress>& candidates) {
  std::vector<TransportAddress> out;
  for (Family f : {Family::V4, Family::V6}) {
    std::optional<TransportAddress> pick;
    for (const auto& a : candidates) {
      if (a.family != f || is_unspecified(a)) continue;
      if (!pick || (is_loopback(*pick) && !is_loopback(a))) pick = a;
    }
    if (pick) {
      pick->port = 0;
      out.push_back(*pick);
    }
  }
  return out;
}

PeerPolicyConfig policy_config(const Config& config, const ListenPlan& plan,
                               const std::vector<TransportAddress>& relay_ips,
                               const ExternalAddresses& external, std::string& error) {
  PeerPolicyConfig p;
  p.allow_loopback = config.allow_loopback_peers;
  p.relay_min_port = config.min_port;
  p.relay_max_port = config.max_port;
  for (const auto& text : config.allowed_peer_ips) {
    auto r = IpRange::parse(text);
    if (!r)
      error = "allowed-peer-ip: " + r.error();
    else
      p.allowed.push_back(*r);
  }
  for (const auto& text : config.denied_peer_ips) {
    auto r = IpRange::parse(text);
    if (!r)
      error = "denied-peer-ip: " + r.error();
    else
      p.denied.push_back(*r);
  }
  for (const auto* list : {&plan.udp, &plan.tcp, &plan.tls, &plan.tcp_proxy, &plan.tls_proxy}) {
    p.server_ports.insert(p.server_ports.end(), list->begin(), list->end());
  }
  // The admin API and metrics listen too: no client may reach them through a relay
  // (RFC 8656 §21.1.7 names the server's own ports; these are ours as much as 3478).
  for (const auto* listen : {&config.admin_listen, &config.prometheus_listen}) {
    if (auto a = parse_ip_port(*listen)) p.server_ports.push_back(*a);
  }
  p.own_relay_ips = relay_ips;
  p.external_ips = external.public_ips();
  return p;
}

// How many allocations of one family the relay ranges hold: the port range times the
// relay IPs of the family that has the most.
uint64_t relay_port_capacity(const Config& config, const std::vector<TransportAddress>& ips) {
  const uint64_t range =
      config.max_port >= config.min_port ? uint64_t{config.max_port} - config.min_port + 1 : 0;
  const auto of = [&](Family f) {
    return static_cast<uint64_t>(std::ranges::count(ips, f, &TransportAddress::family));
  };
  return range * std::max(of(Family::V4), of(Family::V6));
}

// A fleet's shared key when stateless-nonce-secret is set, else one of this process's own.
auth::NonceIssuer nonce_issuer(const Config& config) {
  const int64_t lifetime = config.stale_nonce > 0 ? config.stale_nonce : 600;
  if (config.stateless_nonce_secret.empty()) return auth::NonceIssuer(lifetime);
  return auth::NonceIssuer(auth::NonceIssuer::key_from_secret(config.stateless_nonce_secret),
                           lifetime);
}

}  // namespace

Result<std::vector<TransportAddress>, std::string> choose_relay_ips(const Config& config,
                                                                    const ListenPlan& plan) {
  std::vector<TransportAddress> ips;
  if (!config.relay_ips.empty()) {
    for (const auto& text : config.relay_ips) {
      auto ip = parse_ip(text);
      if (!ip) return unexpected("relay-ip: \"" + text + "\" is not an IP address");
      if (std::ranges::any_of(ips, [&](const auto& a) { return a.ip == ip->ip; })) {
        return unexpected("relay-ip: \"" + text + "\": given twice");
      }
      ips.push_back(*ip);
    }
    return ips;
  }
  std::vector<TransportAddress> candidates = plan.udp;
  candidates.insert(candidates.end(), plan.tcp.begin(), plan.tcp.end());
  ips = one_per_family(candidates);
  if (ips.empty()) ips = one_per_family(local_interface_addresses());
  if (ips.empty()) return unexpected(std::string("no relay address: give --relay-ip"));
  return ips;
}

Result<std::unique_ptr<TurnShared>, std::string> TurnShared::create(const Config& config,
                                                                    const ListenPlan& plan,
                                                                    Logger& log, event_base* main) {
  auto relay_ips = choose_relay_ips(config, plan);
  if (!relay_ips) return unexpected(relay_ips.error());
  auto external = ExternalAddresses::parse(config.external_ips, *relay_ips);
  if (!external) return unexpected(external.error());
  std::string error;
  auto policy = policy_config(config, plan, *relay_ips, *external, error);
  if (!error.empty()) return unexpected(error);

  auto shared =
      std::make_unique<TurnShared>(config, *relay_ips, std::move(*external), std::move(policy));
  shared->log_ = &log;
  shared->credentials.set_revocations(&shared->revocations);
  auto users = std::make_unique<auth::StaticUsers>(shared->settings.realm);
  for (const auto& spec : config.users) {
    auto name = users->add(spec);
    if (!name) {
      return unexpected("user: \"" + spec.substr(0, spec.find(':')) +
                        ":...\": " + auth::to_string(name.error()));
    }
  }
  // Always in the chain, even empty: a reload may add the first user.
  const bool has_users = users->size() > 0;
  auto slot = std::make_unique<StaticUserSlot>(std::move(users));
  shared->users_ = slot.get();
  shared->credentials.add(std::move(slot));
  if (!config.userdb.empty()) {
    auto db = auth::SqliteCredentials::open(config.userdb, shared->settings.realm);
    if (!db) return unexpected("userdb " + config.userdb + ": " + db.error().message);
    shared->sqlite_ = db->get();
    shared->credentials.add(std::move(*db));
  }
  if (config.use_auth_secret) {
    auto rest = std::make_unique<auth::RestSecrets>(
        shared->settings.realm, config.rest_api_separator, auth::ExpiryPosition::FirstOrLast);
    shared->rest_ = rest.get();
    shared->static_secrets_ = config.static_auth_secrets;
    shared->credentials.add(std::move(rest));
  }
  if (shared->settings.auth && !has_users && !shared->sqlite_ && !shared->rest_ &&
      config.redis_userdb.empty()) {
    log.warning("no users and no secrets configured: every Allocate will be refused (401)");
  }
  if (auto error = shared->attach_redis(config, main, log)) return unexpected(*error);
  if (!config.redis_statsdb.empty()) {
    auto stats = StatsPublisher::create(main, config.redis_statsdb, shared->settings.realm, log);
    if (!stats) return unexpected(stats.error());
    shared->stats = std::move(*stats);
  }
  shared->reload_stores(log);

  if (!shared->last_store_error_.empty()) return unexpected(shared->last_store_error_);
  // After the stores were read: a realm's quota there counts as set.
  if (auto warning = unlimited_quota_warning(shared->quotas.limits(),
                                             relay_port_capacity(config, shared->relay_ips()))) {
    log.warning("{}", *warning);
  }

  if (shared->settings.auth) {
    shared->authenticator = std::make_unique<auth::Authenticator>(
        shared->settings.realm, shared->credentials, shared->nonces);
    shared->auth_log = std::make_unique<AuthFailureLog>(&log);
  } else {
    log.warning("no-auth: anyone can allocate relays on this server; never use in production");
  }
  shared->peer_log = std::make_unique<PeerRefusedLog>(&log);
  shared->tls_log = std::make_unique<TlsFailureLog>(&log);
  for (const auto& ip : shared->relay_ips()) log.info("relay address {}", ip.ip_string());
  return shared;
}

TurnShared::~TurnShared() = default;

TurnShared::TurnShared(const Config& config, std::vector<TransportAddress> relay_ips,
                       ExternalAddresses external_addresses, PeerPolicyConfig policy_config)
    : external(std::move(external_addresses)),
      realm(make_policy(policy_config), config.max_bps),
      quotas(config.user_quota, config.total_quota),
      alternates(parse_ip_ports(config.alternate_servers),
                 parse_ip_ports(config.tls_alternate_servers)),
      tcp_connections(int64_t{config.tcp_connection_bind_timeout} * 1000),
      relay_ips_(std::move(relay_ips)),
      pools_(relay_ips_, config.min_port, config.max_port),
      revocations(config.rest_api_separator),
      nonces(nonce_issuer(config)),
      auth_limiter({.per_connection = config.auth_failures_per_connection,
                    .per_source = config.auth_failures_per_source,
                    .hold_s = config.auth_failure_hold}),
      base_policy_(std::move(policy_config)),
      configured_{config.user_quota, config.total_quota, config.max_bps},
      applied_(configured_) {
  settings.udp_relay = !config.no_udp_relay;
  settings.tcp_relay = !config.no_tcp_relay;
  settings.tcp_connect_timeout_ms = int64_t{config.tcp_connect_timeout} * 1000;
  settings.mobility = config.mobility;
  settings.realm = config.realm.empty() ? "tern.local" : config.realm;
  settings.auth = !config.no_auth;
  settings.max_lifetime_s = config.max_allocate_lifetime;
  settings.default_lifetime_s = std::min<int64_t>(600, config.max_allocate_lifetime);
  settings.permission_lifetime_s = config.permission_lifetime;
  settings.channel_lifetime_s = config.channel_lifetime;
  if (config.allocation_default_address_family == "ipv6") settings.default_family = Family::V6;
  if (config.allocation_default_address_family == "keep") settings.default_family = std::nullopt;
  settings.channels =
      config.strict_channel_numbers ? stun::ChannelRange::Rfc8656 : stun::ChannelRange::Rfc5766;
}

PeerPolicy TurnShared::make_policy(PeerPolicyConfig config) const {
  PeerPolicy policy(std::move(config));
  // Runs on the packet path long after construction, when pools_ is made.
  policy.set_lease_check([this, mapping = external.current()](const TransportAddress& peer) {
    return pools_.is_leased(mapping->actual(peer));
  });
  return policy;
}

void TurnShared::note_capacity_failure(const AcquireError& error) {
  const int64_t now = steady_ms();
  int64_t last = capacity_logged_ms_.load(std::memory_order_relaxed);
  if (log_ == nullptr || now - last < 60'000 ||
      !capacity_logged_ms_.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
    return;
  }
  log_->warning(
      "allocation refused with 508: {} (said at most once a minute; counter "
      "allocations_failed_capacity)",
      error.reason);
}

}  // namespace tern

namespace tern {

void TurnShared::tick(Logger& log) {
  reload_stores(log);
  if (auth_log) auth_log->flush(steady_ms());
  if (peer_log) peer_log->flush(steady_ms());
  if (tls_log) tls_log->flush(steady_ms());
  reservations.expire(std::chrono::steady_clock::now());
}

void TurnShared::reload_stores(Logger& log) {
  std::vector<std::string> secrets = static_secrets_;
  std::string error;
  if (sqlite_) {
    if (auto loaded = sqlite_->reload(); !loaded) {
      error = "userdb: " + loaded.error().message;
    } else {
      for (const auto& skipped : loaded->skipped) log.warning("userdb: skipped {}", skipped);
    }
    for (const auto& s : *sqlite_->secrets()) secrets.push_back(s);
  }
  if (redis_) {
    for (const auto& s : *redis_->secrets()) secrets.push_back(s);
  }
  if (rest_) rest_->set_secrets(std::move(secrets));
  take_revocations();
  if (error != last_store_error_) {
    if (!error.empty())
      log.error("{}; serving the credentials loaded before", error);
    else
      log.info("credential stores readable again");
  }
  last_store_error_ = error;
  apply_realm(log);
}

void TurnShared::take_revocations() {
  using Source = auth::Revocations::Source;
  const int64_t now = std::time(nullptr);
  bool fresh = false;
  if (sqlite_) fresh |= revocations.set(Source::Sqlite, sqlite_->snapshot()->revoked, now);
  if (redis_) fresh |= revocations.set(Source::RedisStore, redis_->snapshot()->revoked, now);
  if (fresh && on_revoked) on_revoked();
}

void TurnShared::apply_realm(Logger& log) {
  std::vector<std::shared_ptr<const auth::CredentialSnapshot>> stores;
  if (sqlite_) stores.push_back(sqlite_->snapshot());
  if (redis_) stores.push_back(redis_->snapshot());
  std::vector<auth::RealmOptions> options;
  for (const auto& s : stores) options.push_back(s->options);
  const auth::RealmOptions now = effective_options(configured_, options);
  StoreRanges ranges = merge_ranges(stores);
  if (!republish_ && now == applied_ && ranges == applied_ranges_) return;

  // Quotas are taken at Allocate: a lower one refuses new allocations, never ends any.
  quotas.set_limits({now.user_quota, now.total_quota});
  if (republish_ || now.max_bps != applied_.max_bps || ranges != applied_ranges_) {
    republish_ = false;
    std::vector<std::string> bad;
    PeerPolicyConfig config = with_store_ranges(base_policy_, ranges, bad);
    for (const auto& line : bad) {
      if (logged_bad_ranges_.insert(line).second)
        log.warning("realm {}: skipped {}", settings.realm, line);
    }
    realm.publish(make_policy(std::move(config)), now.max_bps);
    if (on_realm_published) on_realm_published();
  }
  log.info(
      "realm {}: user-quota={} total-quota={} max-bps={}; {} allowed and {} denied peer ranges "
      "from the stores",
      settings.realm, now.user_quota, now.total_quota, now.max_bps, ranges.allowed.size(),
      ranges.denied.size());
  applied_ = now;
  applied_ranges_ = std::move(ranges);
}

}  // namespace tern

namespace tern {

std::optional<std::string> TurnShared::attach_redis(const Config& config, event_base* base,
                                                    Logger& log) {
  if (config.redis_userdb.empty()) return std::nullopt;
  auto redis =
      auth::RedisCredentials::create(base, config.redis_userdb, settings.realm,
                                     [&log](auth::RedisLogLevel level, const std::string& line) {
                                       log.write(static_cast<LogLevel>(level), line);
                                     });
  if (!redis) return "redis-userdb: " + redis.error();
  redis_ = redis->get();
  // New secrets reach the REST check as soon as Redis reports them.
  redis_->set_on_change([this, &log] { reload_stores(log); });
  credentials.add(std::move(*redis));
  redis_->start();
  return std::nullopt;
}

std::optional<std::string> TurnShared::newest_rest_secret() const {
  auto secrets = rest_ != nullptr ? rest_->secrets() : nullptr;
  if (!secrets || secrets->empty()) return std::nullopt;
  return secrets->front();
}

size_t TurnShared::rest_secret_count() const {
  auto secrets = rest_ != nullptr ? rest_->secrets() : nullptr;
  return secrets ? secrets->size() : 0;
}

}  // namespace tern

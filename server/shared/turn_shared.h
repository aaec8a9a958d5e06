#pragma once
// What every worker's TURN handlers share: relay port pools, reservations, quotas, the
// peer policy and the authenticator. Built once from the Config; the parts that change
// at run time (ports, reservations, quotas, the realm's policy and max-bps) guard
// themselves, the rest is read-only.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "auth/credential_snapshot.h"
#include "auth/nonce.h"
#include "auth/revocations.h"
#include "base/libevent.h"
#include "protocol/channel_data.h"
#include "protocol/result.h"
#include "server/config/config.h"
#include "server/config/listen_plan.h"
#include "server/shared/alternate_servers.h"
#include "server/shared/auth_failure_limiter.h"
#include "server/shared/auth_failure_log.h"
#include "server/shared/credential_chain.h"
#include "server/shared/drain_state.h"
#include "server/shared/external_addresses.h"
#include "server/shared/mobility_tickets.h"
#include "server/shared/peer_policy.h"
#include "server/shared/peer_refused_log.h"
#include "server/shared/quotas.h"
#include "server/shared/realm_limits.h"
#include "server/shared/realm_state.h"
#include "server/shared/relay_pools.h"
#include "server/shared/relay_ports.h"
#include "server/shared/reservations.h"
#include "server/shared/static_user_slot.h"
#include "server/shared/tcp_connections.h"
#include "server/shared/tls_failure_log.h"

// The stores and the stats publisher by name only: every TURN handler includes this file,
// and none of them should compile against hiredis or sqlite for it (the composition root
// and turn_shared.cpp include the definitions).
namespace tern::auth {
class RedisCredentials;
class RestSecrets;
class SqliteCredentials;
}  // namespace tern::auth

namespace tern {

class Logger;
class StatsPublisher;

struct TurnSettings {
  std::string realm;
  bool auth = true;  // false only with --no-auth (tests)
  // A reload changes these while workers read them; each is read on its own.
  std::atomic<int64_t> default_lifetime_s = 600;
  std::atomic<int64_t> max_lifetime_s = 3600;
  std::atomic<int64_t> permission_lifetime_s = 300;
  std::atomic<int64_t> channel_lifetime_s = 600;
  stun::ChannelRange channels = stun::ChannelRange::Rfc5766;
  // allocation-default-address-family: the relay family of an Allocate naming none;
  // nullopt ("keep") means the family the client came over.
  std::optional<Family> default_family = Family::V4;
  // no-udp-relay, no-tcp-relay: an Allocate asking for that transport gets 442.
  bool udp_relay = true;
  bool tcp_relay = true;
  int64_t tcp_connect_timeout_ms = 30'000;  // RFC 6062 §5.2: then 447
  bool mobility = false;                    // RFC 8016
};

class ChannelOffload;

class TurnShared {
 public:
  // `main` is the main thread's loop: the Redis stores and the stats publisher run there.
  static Result<std::unique_ptr<TurnShared>, std::string> create(const Config& config,
                                                                 const ListenPlan& plan,
                                                                 Logger& log, event_base* main);
  // Re-reads the stores (users, secrets, realm options, peer ranges) off the packet path:
  // from a timer on the main thread, on SIGHUP and when Redis reports a change. Workers
  // keep answering from the previous snapshot meanwhile.
  void reload_stores(Logger& log);
  // A changed stateless-nonce-secret (SIGHUP): it signs from now on, the one before stays
  // valid for one nonce lifetime. False when it is the secret in use. Main thread.
  bool rotate_nonce_secret(std::string_view secret, int64_t now_seconds) {
    return nonces.rotate(auth::NonceIssuer::key_from_secret(secret), now_seconds);
  }
  // A reload's part here (turn_reload.cpp): users, secrets, quotas, max-bps, the peer
  // policy, the lifetimes, the relay addresses and port range and the alternate servers
  // of `fresh` (listening on `plan`), checked whole before any is applied. Returns one
  // line per change (never a secret), or the refusal naming the option, with nothing
  // changed. Main thread only.
  Result<std::vector<std::string>, std::string> reconfigure(const Config& in_force,
                                                            const Config& fresh,
                                                            const ListenPlan& plan, Logger& log);
  // The main thread's once-a-second work: reload_stores, and giving back the ports of
  // EVEN-PORT reservations nobody claimed (else a quiet server keeps them bound for good).
  void tick(Logger& log);

  TurnShared(const Config& config, std::vector<TransportAddress> relay_ips,
             ExternalAddresses external, PeerPolicyConfig policy);  // use create()
  ~TurnShared();  // where StatsPublisher is complete

  // The relay ports of every relay IP; a family is served when it has one.
  RelayPools& relay_pools() { return pools_; }
  const RelayPools& relay_pools() const { return pools_; }
  // The relay IPs new allocations take (a reload changes them: main thread only).
  const std::vector<TransportAddress>& relay_ips() const { return relay_ips_; }
  // REST secrets in force (static-auth-secret and the stores'); 0 without use-auth-secret.
  size_t rest_secret_count() const;
  // The secret a credential minted now is made with (the stores list the newest first);
  // nullopt without use-auth-secret or without any secret. Any thread.
  std::optional<std::string> newest_rest_secret() const;
  // Allocate answers 508 (no relay port left, or no socket): said in the log with the
  // reason, at most once a minute, since a full range is what an operator must act on.
  void note_capacity_failure(const AcquireError& error);

  TurnSettings settings;
  ExternalMapping external;  // a reload replaces it for new allocations
  RealmState realm;          // the peer policy and max-bps, with the stores' additions
  Quotas quotas;             // the flags' limits, or the stores' (see realm_limits.h)
  AlternateServers alternates;
  DrainState drain;
  TcpConnections tcp_connections;    // RFC 6062 peer connections waiting for ConnectionBind
  MobilityTickets mobility_tickets;  // RFC 8016, with this process's secret
  // The kernel fast path (--offload), owned by the Server; null when off or unavailable.
  ChannelOffload* offload = nullptr;

 private:
  std::vector<TransportAddress> relay_ips_;
  RelayPools pools_;  // before reservations: leases point here

 public:
  Reservations reservations;
  CredentialChain credentials;
  // What `ternctl credential revoke` revoked, from the stores and Redis pub/sub; the chain
  // refuses it.
  auth::Revocations revocations;
  // Runs on the main thread when a revocation in force is new: its allocations end.
  std::function<void()> on_revoked;
  // Runs on the main thread when the peer policy or max-bps in force changed (a reload, a
  // store's change), after `realm` published it: the workers bring their kernel fast
  // path's entries to it at once, where user space follows it on the next packet.
  std::function<void()> on_realm_published;
  auth::NonceIssuer nonces;
  std::unique_ptr<auth::Authenticator> authenticator;  // null when auth is off
  AuthFailureLimiter auth_limiter;                     // the password-guessing budget
  std::unique_ptr<AuthFailureLog> auth_log;            // made with the authenticator
  std::unique_ptr<PeerRefusedLog> peer_log;            // null only in tests without a log
  std::unique_ptr<TlsFailureLog> tls_log;              // likewise
  std::unique_ptr<StatsPublisher> stats;               // --redis-statsdb; null without

 private:
  std::optional<std::string> attach_redis(const Config& config, event_base* base, Logger& log);
  // A policy from `config` that knows which relay ports are leased.
  PeerPolicy make_policy(PeerPolicyConfig config) const;
  // The stores' revocations into `revocations`; on_revoked when one is new.
  void take_revocations();
  // Applies the stores' realm options and peer ranges on top of the flags.
  void apply_realm(Logger& log);
  // A reload's relay IPs and range (and the listening ports the peer policy guards).
  Result<std::vector<std::string>, std::string> reconfigure_relays(const Config& in_force,
                                                                   const Config& fresh,
                                                                   const ListenPlan& plan);

  PeerPolicyConfig base_policy_;             // from the flags and the listening plan
  auth::RealmOptions configured_;            // --user-quota, --total-quota, --max-bps
  auth::RealmOptions applied_;               // in force now
  StoreRanges applied_ranges_;               // the stores' ranges in the published policy
  std::set<std::string> logged_bad_ranges_;  // each unparseable range is logged once

  // Owned by `credentials`; kept here to reload them.
  auth::SqliteCredentials* sqlite_ = nullptr;
  auth::RestSecrets* rest_ = nullptr;
  auth::RedisCredentials* redis_ = nullptr;
  StaticUserSlot* users_ = nullptr;
  std::vector<std::string> static_secrets_;
  bool republish_ = false;  // the flags' peer policy changed: publish even if the stores did not
  std::string last_store_error_;  // logged once per distinct failure, not every reload
  Logger* log_ = nullptr;
  std::atomic<int64_t> capacity_logged_ms_{INT64_MIN / 2};  // workers race to log; one wins
};

// The relay IPs: --relay-ip, else the first listening IP of each family that is not a
// wildcard, else the machine's first non-loopback address of each family.
Result<std::vector<TransportAddress>, std::string> choose_relay_ips(const Config& config,
                                                                    const ListenPlan& plan);

}  // namespace tern

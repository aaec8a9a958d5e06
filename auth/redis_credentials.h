#pragma once
// The Redis credential store, server side: one realm's user keys, REST-API secrets, realm
// options and peer ranges, kept in memory and refreshed in the background on the event
// loop it is given (ternd's main loop, which carries no packets). Lookups answer from the
// last snapshot and never wait on Redis; a lost Redis degrades to "serve from cache and
// retry", never to a stalled loop.
//
// Freshness: when the server has keyspace notifications on (notify-keyspace-events with
// K or E, and g, $ and s, or A) a second connection PSUBSCRIBEs to the realm's keys and
// any change reloads at once; otherwise the realm is reloaded every poll interval (1 s).
// Either way a change made with redis-cli shows within about a second. The server's
// config is read every interval (CONFIG GET; an ACL user without it gets polling) and
// never written.
//
// With Sentinel (sentinel= master= in the connection string) the master's address comes
// from the sentinels on every attempt, and a +switch-master they announce reconnects at
// once, without waiting out the retry backoff; the cached snapshot serves meanwhile. When
// the master cannot be reached, a replica the sentinels think healthy is read instead.
//
// Threads: everything but the lookups and the status getters runs on the loop's thread.
// Construct, start() and destroy there too, not from inside on_change.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "auth/credential_snapshot.h"
#include "auth/credential_source.h"
#include "auth/redis_keys.h"
#include "auth/redis_loader.h"
#include "base/redis/redis_async.h"
#include "base/redis/redis_connection_string.h"
#include "base/redis/redis_resolver.h"
#include "base/redis/redis_sentinel.h"

struct event_base;

namespace tern::auth {

// Same order as ternd's LogLevel (base/log.h), which auth/ does not link, so a
// static_cast converts.
enum class RedisLogLevel : uint8_t { Debug, Info, Warning, Error };
using RedisLog = std::function<void(RedisLogLevel, const std::string&)>;

// Outside the class: a nested struct with member initializers cannot be a default
// argument of its enclosing class's members (a g++ limitation).
struct RedisTiming {
  std::chrono::milliseconds poll_interval{1000};  // also how often a hung server is noticed
  std::chrono::milliseconds first_retry{1000};    // doubles after each failed attempt ...
  std::chrono::milliseconds max_retry{30000};     // ... up to this; back to first on success
};

class RedisCredentials final : public CredentialSource {
 public:
  using Timing = RedisTiming;

  // Parses the connection string, then as the constructor. start() is still to call.
  static Result<std::unique_ptr<RedisCredentials>, std::string> create(
      event_base* base, std::string_view connection_string, std::string realm, RedisLog log,
      Timing timing = {});
  RedisCredentials(event_base* base, RedisConnectionConfig config, std::string realm, RedisLog log,
                   Timing timing = {});
  ~RedisCredentials() override;
  RedisCredentials(const RedisCredentials&) = delete;
  RedisCredentials& operator=(const RedisCredentials&) = delete;

  // Starts connecting and returns at once; the first snapshot arrives from the loop.
  void start();
  // Reloads now (SIGHUP) instead of at the next change or poll. No-op while disconnected.
  void reload();
  // Runs on the loop after each snapshot whose content differs from the one before (the
  // first one included): ternd merges secrets() into its RestSecrets there.
  void set_on_change(std::function<void()> on_change) { on_change_ = std::move(on_change); }

  // Connected, logged in, and the snapshot is from this connection.
  bool connected() const { return connected_.load(std::memory_order_relaxed); }
  size_t user_count() const;
  // When the last snapshot was read (unchanged reloads count); nullopt before the first.
  std::optional<std::chrono::system_clock::time_point> last_load() const;
  // Whether changes arrive by keyspace notification rather than by polling.
  bool notifications() const {
    return notify_mode_.load(std::memory_order_relaxed) != NotifyMode::Off;
  }

  // The realm's REST-API secrets, newest first, for RestSecrets::set_secrets.
  std::shared_ptr<const std::vector<std::string>> secrets() const;
  RealmOptions realm_options() const;
  std::shared_ptr<const std::vector<std::string>> peer_ranges(redis_keys::PeerList list) const;
  // The whole realm as last loaded (options and peer ranges for ternd's policy).
  std::shared_ptr<const CredentialSnapshot> snapshot() const { return snapshot_.get(); }

  bool lookup(std::string_view username, std::string_view realm, PasswordAlgorithm algorithm,
              int64_t now, CandidateKeys& out) const override;
  std::optional<std::string> username_for_userhash(std::span<const uint8_t, 32> hash,
                                                   std::string_view realm) const override;
  bool supports_userhash() const override { return true; }

 private:
  enum class NotifyMode : uint8_t { Off, Keyspace, Keyevent };
  enum class Phase : uint8_t { Idle, Connecting, Ready, Waiting };

  void attempt();
  void connect_host(const RedisHostPort& server);
  void connect_to(const std::string& ip);
  void on_master_moved(const RedisHostPort& master);
  void read_from_replica(const std::string& why);
  void on_main_ready();
  void check_config();
  void apply_notify_mode(NotifyMode mode, const std::string& setting);
  void subscribe(NotifyMode mode);
  void on_message(const redisReply* reply);
  void request_reload();
  void on_loaded(uint64_t generation, Result<RedisRealmData, std::string> result);
  void publish(RedisRealmData data);
  void fail(const std::string& why);
  void retire(std::unique_ptr<RedisAsync>& connection);
  void tick();
  void log(RedisLogLevel level, const std::string& message) const;

  static void on_tick(int, short, void* arg);
  static void on_retry(int, short, void* arg);
  static void on_cleanup(int, short, void* arg);

  event_base* base_;
  RedisConnectionConfig config_;
  std::string realm_;
  std::string address_;  // for log lines
  RedisLog log_;
  Timing timing_;
  std::function<void()> on_change_;

  RedisResolver resolver_;
  std::unique_ptr<RedisSentinel> sentinel_;  // with sentinel= only
  RedisHostPort server_;                     // the server connected to (or being connected to)
  bool replica_tried_ = false;               // this attempt already fell back to a replica
  std::vector<std::string> addresses_;       // the host's addresses from the last lookup
  size_t address_index_ = 0;

  RedisEventPtr tick_timer_, retry_timer_, cleanup_event_;
  std::unique_ptr<RedisAsync> main_, subscriber_;
  std::vector<std::unique_ptr<RedisAsync>> retired_;  // freed from cleanup_event_

  Phase phase_ = Phase::Idle;
  bool subscribed_ = false;  // the subscriber's PSUBSCRIBE is confirmed
  bool loading_ = false;
  bool reload_again_ = false;  // something changed while a load ran
  uint64_t load_generation_ = 0;
  std::chrono::milliseconds next_retry_;
  bool ever_loaded_ = false;
  bool down_logged_ = false;  // the "lost"/"unreachable" line for this outage is out
  std::optional<std::string> logged_setting_;
  std::set<std::string> logged_skips_;

  std::atomic<bool> connected_{false};
  std::atomic<NotifyMode> notify_mode_{NotifyMode::Off};
  std::atomic<int64_t> last_load_ms_{-1};
  CredentialCell snapshot_;
};

}  // namespace tern::auth

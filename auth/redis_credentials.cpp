#include "auth/redis_credentials.h"

#include <event2/event.h>
#include <fmt/format.h>

#include <algorithm>

#include "base/redis/redis_tls.h"

namespace tern::auth {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

std::string seconds(std::chrono::milliseconds ms) {
  return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000.0);
}

bool has(std::string_view flags, char c) {
  return flags.find(c) != std::string_view::npos;
}

}  // namespace

Result<std::unique_ptr<RedisCredentials>, std::string> RedisCredentials::create(
    event_base* base, std::string_view connection_string, std::string realm, RedisLog log,
    Timing timing) {
  auto config = parse_redis_connection_string(connection_string);
  if (!config) return unexpected(config.error());
  // Files that cannot be loaded are a startup error; a server that fails the handshake is
  // a lost one, retried like any other.
  if (config->tls.enabled) {
    if (auto tls = make_redis_tls_context(config->tls); !tls) return unexpected(tls.error());
  }
  return std::make_unique<RedisCredentials>(base, std::move(*config), std::move(realm),
                                            std::move(log), timing);
}

RedisCredentials::RedisCredentials(event_base* base, RedisConnectionConfig config,
                                   std::string realm, RedisLog log, Timing timing)
    : base_(base),
      config_(std::move(config)),
      realm_(std::move(realm)),
      address_(config_.address()),
      log_(std::move(log)),
      timing_(timing),
      resolver_(base),
      tick_timer_(event_new(base, -1, EV_PERSIST, &RedisCredentials::on_tick, this)),
      retry_timer_(evtimer_new(base, &RedisCredentials::on_retry, this)),
      cleanup_event_(event_new(base, -1, 0, &RedisCredentials::on_cleanup, this)),
      next_retry_(timing.first_retry) {
  if (config_.uses_sentinel()) {
    RedisSentinel::Settings settings{config_.sentinels, config_.master, config_.sentinel_password,
                                     config_.connect_timeout, timing_.first_retry};
    settings.tls = config_.tls;
    sentinel_ = std::make_unique<RedisSentinel>(
        base, std::move(settings),
        [this](const std::string& line) { this->log(RedisLogLevel::Warning, "redis " + line); });
  } else {
    server_ = {config_.host, config_.port};
  }
}

RedisCredentials::~RedisCredentials() {
  // The connections go first: freeing one drops its pending handlers, which point here.
  sentinel_.reset();
  main_.reset();
  subscriber_.reset();
  retired_.clear();
}

void RedisCredentials::start() {
  if (phase_ != Phase::Idle) return;
  const timeval interval = to_timeval(timing_.poll_interval);
  event_add(tick_timer_.get(), &interval);
  if (sentinel_) sentinel_->watch([this](const RedisHostPort& master) { on_master_moved(master); });
  attempt();
}

void RedisCredentials::reload() {
  if (phase_ == Phase::Ready) request_reload();
}

// ---- connecting ----------------------------------------------------------------------

void RedisCredentials::attempt() {
  phase_ = Phase::Connecting;
  address_index_ = 0;
  replica_tried_ = false;
  if (!sentinel_) return connect_host(server_);
  // Asked again on every attempt: a lost master is usually one the sentinels replace.
  sentinel_->locate([this](Result<RedisHostPort, std::string> master) {
    if (!master) return fail(master.error());
    connect_host(*master);
  });
}

void RedisCredentials::connect_host(const RedisHostPort& server) {
  server_ = server;
  if (sentinel_) address_ = fmt::format("{} at {}", config_.address(), server.address());
  if (is_ip_literal(server.host)) {
    addresses_ = {server.host};
    connect_to(addresses_.front());
    return;
  }
  // Looked up again on every attempt: a Redis that moved (a container restarted
  // elsewhere) is found at its new address.
  resolver_.resolve(server.host, [this](Result<std::vector<std::string>, std::string> found) {
    if (!found) return fail("cannot resolve " + server_.host + ": " + found.error());
    addresses_ = std::move(*found);
    connect_to(addresses_.front());
  });
}

// A failover the sentinels announced: the new master at once, whatever the backoff says.
void RedisCredentials::on_master_moved(const RedisHostPort& master) {
  if (phase_ == Phase::Idle) return;
  if (master == server_ && phase_ != Phase::Waiting) return;  // already there or on the way
  log(RedisLogLevel::Info,
      fmt::format("redis {}: the sentinels name {} the master now; serving from cached "
                  "credentials while connecting",
                  config_.address(), master.address()));
  retire(main_);
  retire(subscriber_);
  subscribed_ = false;
  loading_ = false;
  reload_again_ = false;
  ++load_generation_;
  notify_mode_ = NotifyMode::Off;
  connected_ = false;
  evtimer_del(retry_timer_.get());
  next_retry_ = timing_.first_retry;
  sentinel_->cancel();
  phase_ = Phase::Connecting;
  address_index_ = 0;
  connect_host(master);
}

void RedisCredentials::connect_to(const std::string& ip) {
  RedisAsync::Events events;
  events.ready = [this] { on_main_ready(); };
  events.failed = [this](const std::string& why) { fail(why); };
  auto connection =
      RedisAsync::connect(base_, ip, server_.port,
                          {config_.user, config_.password, static_cast<int64_t>(config_.db),
                           &config_.tls, server_.host},
                          std::move(events));
  if (!connection) return fail(connection.error());
  main_ = std::move(*connection);
}

void RedisCredentials::on_main_ready() {
  check_config();
}

// ---- how changes are noticed -----------------------------------------------------------

void RedisCredentials::check_config() {
  main_->command({"CONFIG", "GET", "notify-keyspace-events"}, [this](const redisReply* r) {
    if (r == nullptr) return;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[1]->type == REDIS_REPLY_STRING) {
      const std::string flags(r->element[1]->str, r->element[1]->len);
      // Keys change through SET/DEL/EXPIRE (string and generic events) and SADD/SREM (set
      // events); without all three some changes would go unseen.
      const bool classes =
          has(flags, 'A') || (has(flags, 'g') && has(flags, '$') && has(flags, 's'));
      const NotifyMode mode = !classes          ? NotifyMode::Off
                              : has(flags, 'K') ? NotifyMode::Keyspace
                              : has(flags, 'E') ? NotifyMode::Keyevent
                                                : NotifyMode::Off;
      return apply_notify_mode(mode, "notify-keyspace-events=\"" + flags + "\"");
    }
    // CONFIG is often renamed away or denied to ACL users: polling still works.
    const std::string why = r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len)
                                                         : std::string("unexpected reply");
    apply_notify_mode(NotifyMode::Off, "CONFIG GET refused: " + why);
  });
}

void RedisCredentials::apply_notify_mode(NotifyMode mode, const std::string& setting) {
  if (logged_setting_ != setting) {
    logged_setting_ = setting;
    if (mode == NotifyMode::Off) {
      log(RedisLogLevel::Info,
          fmt::format("redis {}: keyspace notifications off ({}); polling "
                      "realm {} every {}",
                      address_, setting, realm_, seconds(timing_.poll_interval)));
    } else {
      log(RedisLogLevel::Info,
          fmt::format("redis {}: keyspace notifications on ({}); changes to realm {} apply at once",
                      address_, setting, realm_));
    }
  }
  if (mode == NotifyMode::Off) {
    retire(subscriber_);
    subscribed_ = false;
    notify_mode_ = NotifyMode::Off;
    return request_reload();
  }
  if (!subscriber_ || notify_mode_ != mode) {
    retire(subscriber_);
    subscribed_ = false;
    notify_mode_ = mode;
    return subscribe(mode);  // the load follows the subscription, so no change falls between
  }
}

void RedisCredentials::subscribe(NotifyMode mode) {
  const std::string pattern =
      mode == NotifyMode::Keyspace
          ? fmt::format("__keyspace@{}__:{}", config_.db, redis_keys::realm_keys_pattern(realm_))
          : fmt::format("__keyevent@{}__:*", config_.db);
  RedisAsync::Events events;
  events.ready = [this, pattern] { subscriber_->psubscribe(pattern); };
  events.failed = [this](const std::string& why) { fail("subscriber: " + why); };
  events.message = [this](const redisReply* r) { on_message(r); };
  auto connection = RedisAsync::connect(
      base_, addresses_[address_index_], server_.port,
      {config_.user, config_.password, -1, &config_.tls, server_.host}, std::move(events));
  if (!connection) return fail("subscriber: " + connection.error());
  subscriber_ = std::move(*connection);
}

void RedisCredentials::on_message(const redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
      r->element[0]->type != REDIS_REPLY_STRING) {
    return;
  }
  const std::string_view kind(r->element[0]->str, r->element[0]->len);
  if (kind == "psubscribe") {
    subscribed_ = true;
    return request_reload();
  }
  if (kind != "pmessage" || r->elements != 4) return;
  if (notify_mode_ == NotifyMode::Keyevent) {
    // Every key event of the database arrives; the payload is the key.
    const std::string_view key(r->element[3]->str, r->element[3]->len);
    const auto realm = redis_keys::realm_of(key);
    if (!realm || *realm != realm_) return;
  }
  request_reload();
}

// ---- loading -------------------------------------------------------------------------

void RedisCredentials::request_reload() {
  if (!main_ || !main_->is_ready()) return;
  if (loading_) {
    reload_again_ = true;  // one more load after this one covers a whole burst of changes
    return;
  }
  loading_ = true;
  reload_again_ = false;
  const uint64_t generation = ++load_generation_;
  load_redis_realm(*main_, realm_, [this, generation](Result<RedisRealmData, std::string> r) {
    on_loaded(generation, std::move(r));
  });
}

void RedisCredentials::on_loaded(uint64_t generation, Result<RedisRealmData, std::string> result) {
  if (generation != load_generation_) return;  // from a connection given up since
  loading_ = false;
  if (!result) return fail(result.error());
  const size_t users = result->snapshot.users.size(), secrets = result->snapshot.secrets.size();
  publish(std::move(*result));
  if (phase_ != Phase::Ready) {
    phase_ = Phase::Ready;
    connected_ = true;
    next_retry_ = timing_.first_retry;
    log(RedisLogLevel::Info,
        fmt::format("redis {}{}: {} users and {} secrets for realm {}", address_,
                    down_logged_ ? " back" : "", users, secrets, realm_));
    down_logged_ = false;
  }
  if (reload_again_) request_reload();
}

void RedisCredentials::publish(RedisRealmData data) {
  std::set<std::string> skips(data.skipped.begin(), data.skipped.end());
  for (const auto& note : skips) {
    if (!logged_skips_.contains(note)) {
      log(RedisLogLevel::Warning, fmt::format("redis {}: skipped {}", address_, note));
    }
  }
  logged_skips_ = std::move(skips);
  last_load_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  if (ever_loaded_ && snapshot()->same_content(data.snapshot)) return;
  ever_loaded_ = true;
  snapshot_.set(std::make_shared<const CredentialSnapshot>(std::move(data.snapshot)));
  if (on_change_) on_change_();
}

// ---- losing the server ---------------------------------------------------------------

void RedisCredentials::fail(const std::string& why) {
  if (phase_ == Phase::Waiting || phase_ == Phase::Idle) return;  // already handled
  retire(main_);
  retire(subscriber_);
  subscribed_ = false;
  loading_ = false;
  reload_again_ = false;
  ++load_generation_;
  notify_mode_ = NotifyMode::Off;
  if (phase_ == Phase::Connecting && address_index_ + 1 < addresses_.size()) {
    ++address_index_;  // the host's next address, at once: "localhost" may be ::1 first
    return connect_to(addresses_[address_index_]);
  }
  if (sentinel_ && phase_ == Phase::Connecting && !replica_tried_) return read_from_replica(why);
  connected_ = false;
  phase_ = Phase::Waiting;
  const auto delay = next_retry_;
  next_retry_ = std::min(next_retry_ * 2, timing_.max_retry);
  if (!down_logged_) {
    down_logged_ = true;
    log(RedisLogLevel::Warning,
        ever_loaded_
            ? fmt::format("redis {} lost ({}); serving from cached credentials; retry in {}",
                          address_, why, seconds(delay))
            : fmt::format("redis {} unavailable ({}); no credentials from it yet; retry in {}",
                          address_, why, seconds(delay)));
  } else {
    log(RedisLogLevel::Debug,
        fmt::format("redis {} still down ({}); retry in {}", address_, why, seconds(delay)));
  }
  const timeval tv = to_timeval(delay);
  evtimer_add(retry_timer_.get(), &tv);
}

// Nothing is written to the store from here, so a replica serves as well as the master
// while none can be reached (before the sentinels promote one, or when they cannot); a
// +switch-master, or losing the replica, moves ternd on.
void RedisCredentials::read_from_replica(const std::string& why) {
  replica_tried_ = true;
  log(RedisLogLevel::Info, fmt::format("redis {}: no master reachable ({}); asking the sentinels "
                                       "for a replica to read from",
                                       config_.address(), why));
  sentinel_->locate_replica([this](Result<RedisHostPort, std::string> replica) {
    if (!replica) return fail(replica.error());
    address_index_ = 0;
    connect_host(*replica);
    address_ = fmt::format("{} (replica {})", config_.address(), replica->address());
  });
}

void RedisCredentials::retire(std::unique_ptr<RedisAsync>& connection) {
  if (!connection) return;
  // Possibly called from inside one of its callbacks: hiredis still holds the context
  // there, so the free waits for the loop's next turn.
  connection->detach();
  retired_.push_back(std::move(connection));
  event_active(cleanup_event_.get(), 0, 0);
}

void RedisCredentials::tick() {
  const auto now = std::chrono::steady_clock::now();
  const auto timeout =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(config_.connect_timeout);
  if ((main_ && main_->stalled(now, timeout)) ||
      (subscriber_ && subscriber_->stalled(now, timeout))) {
    return fail(fmt::format("no answer in {} s", config_.connect_timeout.count()));
  }
  // Each interval: is the server still there, did its notification setting change, and
  // (when polling) the reload itself.
  if (main_ && main_->is_ready()) check_config();
}

void RedisCredentials::on_tick(int, short, void* arg) {
  static_cast<RedisCredentials*>(arg)->tick();
}

void RedisCredentials::on_retry(int, short, void* arg) {
  static_cast<RedisCredentials*>(arg)->attempt();
}

void RedisCredentials::on_cleanup(int, short, void* arg) {
  static_cast<RedisCredentials*>(arg)->retired_.clear();
}

void RedisCredentials::log(RedisLogLevel level, const std::string& message) const {
  if (log_) log_(level, message);
}

// ---- answers, from the snapshot only --------------------------------------------------

size_t RedisCredentials::user_count() const {
  return snapshot()->users.size();
}

std::optional<std::chrono::system_clock::time_point> RedisCredentials::last_load() const {
  const int64_t ms = last_load_ms_.load(std::memory_order_relaxed);
  if (ms < 0) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

std::shared_ptr<const std::vector<std::string>> RedisCredentials::secrets() const {
  auto snapshot = this->snapshot();
  return {snapshot, &snapshot->secrets};  // shares ownership of the snapshot
}

RealmOptions RedisCredentials::realm_options() const {
  return snapshot()->options;
}

std::shared_ptr<const std::vector<std::string>> RedisCredentials::peer_ranges(
    redis_keys::PeerList list) const {
  auto snapshot = this->snapshot();
  return {snapshot, list == redis_keys::PeerList::Allowed ? &snapshot->allowed_peer_ranges
                                                          : &snapshot->denied_peer_ranges};
}

bool RedisCredentials::lookup(std::string_view username, std::string_view realm,
                              PasswordAlgorithm algorithm, int64_t /*now*/,
                              CandidateKeys& out) const {
  return realm == realm_ && snapshot()->lookup(username, algorithm, out);
}

std::optional<std::string> RedisCredentials::username_for_userhash(
    std::span<const uint8_t, 32> hash, std::string_view realm) const {
  if (realm != realm_) return std::nullopt;
  return snapshot()->username_for_userhash(hash);
}

}  // namespace tern::auth

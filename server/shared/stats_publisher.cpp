#include "server/shared/stats_publisher.h"

#include <fmt/format.h>

#include "base/log.h"
#include "base/redis/redis_async.h"
#include "base/redis/redis_sentinel.h"
#include "base/redis/redis_tls.h"

namespace tern {

namespace {
// Enough for a burst of allocations while Redis is slow; past it events are dropped.
constexpr size_t kMaxPending = 100000;
constexpr timeval kRetry{2, 0};

const char* status_text(StatsPublisher::Status s) {
  switch (s) {
    case StatsPublisher::Status::New:
      return "new";
    case StatsPublisher::Status::Refreshed:
      return "refreshed";
    case StatsPublisher::Status::Deleted:
      return "deleted";
  }
  return "?";
}
}  // namespace

Result<std::unique_ptr<StatsPublisher>, std::string> StatsPublisher::create(
    event_base* main, std::string_view connection_string, std::string realm, Logger& log) {
  auto config = parse_redis_connection_string(connection_string);
  if (!config) return unexpected("redis-statsdb: " + config.error());
  if (config->tls.enabled) {
    if (auto tls = make_redis_tls_context(config->tls); !tls) {
      return unexpected("redis-statsdb: " + tls.error());
    }
  }
  auto p = std::make_unique<StatsPublisher>(main, *config, std::move(realm), log);
  if (p->sentinel_) {
    p->sentinel_->watch([raw = p.get()](const RedisHostPort& m) { raw->on_master_moved(m); });
  }
  p->connect();
  return p;
}

StatsPublisher::StatsPublisher(event_base* main, RedisConnectionConfig config, std::string realm,
                               Logger& log)
    : base_(main),
      config_(std::move(config)),
      realm_(std::move(realm)),
      log_(log),
      wake_(event_new(main, -1, 0, on_wake, this)),
      retry_(evtimer_new(main, on_retry, this)) {
  if (config_.uses_sentinel()) {
    RedisSentinel::Settings settings{config_.sentinels, config_.master, config_.sentinel_password,
                                     config_.connect_timeout};
    settings.tls = config_.tls;
    sentinel_ = std::make_unique<RedisSentinel>(
        main, std::move(settings),
        [this](const std::string& line) { log_.warning("redis-statsdb {}", line); });
  }
}

StatsPublisher::~StatsPublisher() {
  sentinel_.reset();
  if (redis_) redis_->detach();
}

void StatsPublisher::allocation_changed(Event e) {
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() >= kMaxPending) {
      ++dropped_;
      return;
    }
    pending_.push_back(std::move(e));
  }
  event_active(wake_.get(), EV_READ, 0);
}

uint64_t StatsPublisher::dropped() const {
  std::lock_guard lock(const_cast<std::mutex&>(mutex_));
  return dropped_;
}

bool StatsPublisher::put(std::string_view key, std::string_view value, int64_t ttl_s) {
  if (!redis_ || !redis_->is_ready()) return false;
  const std::string ttl = std::to_string(std::max<int64_t>(1, ttl_s));
  return redis_->command({"SET", key, value, "EX", ttl}, [](const redisReply*) {});
}

void StatsPublisher::connect() {
  if (!sentinel_) return connect_to({config_.host, config_.port});
  sentinel_->locate([this](Result<RedisHostPort, std::string> master) {
    if (!master) return lost(master.error());
    connect_to(*master);
  });
}

void StatsPublisher::connect_to(const RedisHostPort& server) {
  server_ = server;
  RedisAsync::Login login{config_.user, config_.password, config_.db, &config_.tls, server.host};
  RedisAsync::Events events;
  events.ready = [this] {
    if (down_logged_) log_.info("redis-statsdb {}: connected again", server_.address());
    down_logged_ = false;
    event_active(wake_.get(), EV_READ, 0);
  };
  events.failed = [this](const std::string& why) { lost(why); };
  auto r = RedisAsync::connect(base_, server.host, server.port, login, std::move(events));
  if (!r) return lost(r.error());
  redis_ = std::move(*r);
}

void StatsPublisher::lost(const std::string& why) {
  if (!down_logged_) {
    log_.warning("redis-statsdb {}: {}; allocation events dropped until it is back; retry in 2 s",
                 config_.address(), why);
    down_logged_ = true;
  }
  // hiredis frees the context on the way out of a handler: retire ours, free later.
  if (redis_) {
    redis_->detach();
    retired_.push_back(std::move(redis_));
  }
  evtimer_add(retry_.get(), &kRetry);
}

// A failover the sentinels announced: there at once, whatever the retry timer says.
void StatsPublisher::on_master_moved(const RedisHostPort& master) {
  if (master == server_ && redis_) return;
  log_.info("redis-statsdb {}: the sentinels name {} the master now", config_.address(),
            master.address());
  if (redis_) {
    redis_->detach();
    retired_.push_back(std::move(redis_));
  }
  evtimer_del(retry_.get());
  sentinel_->cancel();
  connect_to(master);
}

void StatsPublisher::on_retry(evutil_socket_t, short, void* self) {
  static_cast<StatsPublisher*>(self)->connect();
}

void StatsPublisher::on_wake(evutil_socket_t, short, void* self) {
  static_cast<StatsPublisher*>(self)->drain();
}

void StatsPublisher::drain() {
  retired_.clear();
  std::vector<Event> events;
  {
    std::lock_guard lock(mutex_);
    events.swap(pending_);
  }
  if (!redis_ || !redis_->is_ready()) {
    std::lock_guard lock(mutex_);
    if (down_logged_) {
      dropped_ += events.size();  // Redis is away: the fleet view misses these
    } else {
      // Still connecting (ternd just started): keep them for when it is ready.
      events.insert(events.end(), std::make_move_iterator(pending_.begin()),
                    std::make_move_iterator(pending_.end()));
      pending_.swap(events);
    }
    return;
  }
  for (const auto& e : events) send(e);
}

void StatsPublisher::send(const Event& e) {
  const std::string base = fmt::format("turn/realm/{}/user/{}/allocation/{}", realm_, e.user, e.id);
  const std::string status_key = base + "/status";
  auto ignore = [](const redisReply*) {};
  if (e.status == Status::Deleted) {
    redis_->command({"DEL", status_key}, ignore);
    redis_->command({"PUBLISH", status_key, "deleted"}, ignore);
    // As coturn at deletion: the client side's totals, then the peer side's (what came
    // from peers went to the client, and the other way round).
    auto totals = [](uint64_t rp, uint64_t rb, uint64_t sp, uint64_t sb) {
      return fmt::format("rcvp={}, rcvb={}, sentp={}, sentb={}", rp, rb, sp, sb);
    };
    redis_->command({"PUBLISH", base + "/total_traffic", totals(e.rcvp, e.rcvb, e.sentp, e.sentb)},
                    ignore);
    redis_->command(
        {"PUBLISH", base + "/total_traffic/peer", totals(e.sentp, e.sentb, e.rcvp, e.rcvb)},
        ignore);
    return;
  }
  const std::string value = fmt::format("{} lifetime={}", status_text(e.status), e.lifetime_s);
  const std::string ttl = std::to_string(std::max<int64_t>(1, e.lifetime_s));
  // The expiry makes a crashed node's allocations vanish from the fleet view on their own.
  redis_->command({"SET", status_key, value, "EX", ttl}, ignore);
  redis_->command({"PUBLISH", status_key, value}, ignore);
}

}  // namespace tern

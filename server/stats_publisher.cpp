#include "server/stats_publisher.h"

#include <fmt/format.h>

#include "base/log.h"
#include "server/allocation.h"

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
  auto config = auth::parse_redis_connection_string(connection_string);
  if (!config) return unexpected("redis-statsdb: " + config.error());
  auto p = std::make_unique<StatsPublisher>(main, *config, std::move(realm), log);
  p->connect();
  return p;
}

StatsPublisher::StatsPublisher(event_base* main, auth::RedisConnectionConfig config,
                               std::string realm, Logger& log)
    : base_(main),
      config_(std::move(config)),
      realm_(std::move(realm)),
      log_(log),
      wake_(event_new(main, -1, 0, on_wake, this)),
      retry_(evtimer_new(main, on_retry, this)) {}

StatsPublisher::~StatsPublisher() {
  if (redis_) redis_->detach();
}

void StatsPublisher::allocation_changed(const Allocation& a, Status status, int64_t lifetime_s) {
  Event e{status,
          a.username(),
          a.id().to_string(),
          lifetime_s,
          a.traffic.packets_to_peer,
          a.traffic.bytes_to_peer,
          a.traffic.packets_to_client,
          a.traffic.bytes_to_client};
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
  auth::RedisAsync::Login login{config_.user, config_.password, config_.db};
  auth::RedisAsync::Events events;
  events.ready = [this] {
    if (down_logged_) log_.info("redis-statsdb {}: connected again", config_.address());
    down_logged_ = false;
    event_active(wake_.get(), EV_READ, 0);
  };
  events.failed = [this](const std::string& why) {
    if (!down_logged_) {
      log_.warning(
          "redis-statsdb {}: {}; allocation events dropped until it is back; retry in "
          "2 s",
          config_.address(), why);
      down_logged_ = true;
    }
    // hiredis frees the context on the way out of this handler: retire ours, free later.
    if (redis_) retired_.push_back(std::move(redis_));
    evtimer_add(retry_.get(), &kRetry);
  };
  auto r = auth::RedisAsync::connect(base_, config_.host, config_.port, login, std::move(events));
  if (!r) {
    events.failed(r.error());
    return;
  }
  redis_ = std::move(*r);
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

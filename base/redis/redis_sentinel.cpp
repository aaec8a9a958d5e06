#include "base/redis/redis_sentinel.h"

#include <event2/event.h>
#include <fmt/format.h>

#include <charconv>

namespace tern {
namespace {

constexpr std::string_view kSwitchMaster = "+switch-master";

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

std::string_view text(const redisReply* r) {
  return {r->str, r->len};
}

std::optional<uint16_t> port_of(std::string_view s) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const size_t start = s.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    s.remove_prefix(start);
    const size_t end = std::min(s.find(' '), s.size());
    out.push_back(s.substr(0, end));
    s.remove_prefix(end);
  }
  return out;
}

}  // namespace

std::optional<RedisHostPort> parse_switch_master(std::string_view payload,
                                                 std::string_view master) {
  const auto w = words(payload);
  if (w.size() != 5 || w[0] != master || w[3].empty()) return std::nullopt;
  const auto port = port_of(w[4]);
  if (!port) return std::nullopt;
  return RedisHostPort{std::string(w[3]), *port};
}

RedisSentinel::RedisSentinel(event_base* base, Settings settings, Note note)
    : base_(base),
      settings_(std::move(settings)),
      note_(std::move(note)),
      query_resolver_(base),
      watch_resolver_(base),
      query_timer_(evtimer_new(base, &RedisSentinel::on_query_timeout, this)),
      watch_check_(event_new(base, -1, EV_PERSIST, &RedisSentinel::on_watch_check, this)),
      rewatch_timer_(evtimer_new(base, &RedisSentinel::on_rewatch, this)),
      cleanup_(event_new(base, -1, 0, &RedisSentinel::on_cleanup, this)),
      deliver_(event_new(base, -1, 0, &RedisSentinel::on_deliver, this)) {}

RedisSentinel::~RedisSentinel() {
  // The connections go first: their pending handlers point here.
  query_.reset();
  watcher_.reset();
  retired_.clear();
}

// ---- locating the master ----------------------------------------------------------------

std::optional<RedisHostPort> pick_replica(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_ARRAY) return std::nullopt;
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* fields = reply->element[i];
    if (fields->type != REDIS_REPLY_ARRAY) continue;
    std::string_view ip, port, flags;
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
      const redisReply* name = fields->element[f];
      const redisReply* value = fields->element[f + 1];
      if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) continue;
      if (text(name) == "ip") ip = text(value);
      if (text(name) == "port") port = text(value);
      if (text(name) == "flags") flags = text(value);
    }
    const bool unwell = flags.find("s_down") != std::string_view::npos ||
                        flags.find("o_down") != std::string_view::npos ||
                        flags.find("disconnected") != std::string_view::npos;
    const auto number = port_of(port);
    if (!unwell && number && !ip.empty()) return RedisHostPort{std::string(ip), *number};
  }
  return std::nullopt;
}

void RedisSentinel::locate(Found found) {
  start_lookup(Want::Master, std::move(found));
}

void RedisSentinel::locate_replica(Found found) {
  start_lookup(Want::Replica, std::move(found));
}

void RedisSentinel::start_lookup(Want want, Found found) {
  cancel();
  want_ = want;
  found_ = std::move(found);
  asked_ = 0;
  errors_.clear();
  ask_next();
}

void RedisSentinel::cancel() {
  found_ = nullptr;
  result_.reset();
  retire(query_);
  evtimer_del(query_timer_.get());
}

void RedisSentinel::ask_next() {
  retire(query_);
  if (asked_ == settings_.sentinels.size()) {
    return finish(unexpected(fmt::format("no sentinel named {} {}: {}",
                                         want_ == Want::Master ? "master" : "a replica of",
                                         settings_.master, errors_)));
  }
  const size_t index = (next_ + asked_) % settings_.sentinels.size();
  ++asked_;
  const timeval tv = to_timeval(settings_.timeout);
  evtimer_add(query_timer_.get(), &tv);
  with_ip(
      query_resolver_, settings_.sentinels[index],
      [this](const std::string& ip) { connect_query(ip); },
      [this](std::string why) { query_failed(why); });
}

void RedisSentinel::connect_query(const std::string& ip) {
  const size_t index = (next_ + asked_ - 1) % settings_.sentinels.size();
  const RedisHostPort& sentinel = settings_.sentinels[index];
  RedisAsync::Events events;
  events.failed = [this](const std::string& why) { query_failed(why); };
  events.ready = [this, index] {
    if (want_ == Want::Replica) {
      query_->command({"SENTINEL", "replicas", settings_.master}, [this](const redisReply* r) {
        if (r == nullptr) return;  // `failed` follows
        if (r->type == REDIS_REPLY_ERROR) return query_failed(std::string(text(r)));
        if (auto replica = pick_replica(r)) return finish(*replica);
        query_failed("knows no healthy replica");
      });
      return;
    }
    query_->command({"SENTINEL", "get-master-addr-by-name", settings_.master},
                    [this, index](const redisReply* r) { on_master_reply(index, r); });
  };
  auto connection = RedisAsync::connect(base_, ip, sentinel.port,
                                        {"", settings_.password, -1, &settings_.tls, sentinel.host},
                                        std::move(events));
  if (!connection) return query_failed(connection.error());
  query_ = std::move(*connection);
}

void RedisSentinel::on_master_reply(size_t index, const redisReply* r) {
  if (r == nullptr) return;  // `failed` follows
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
      r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING) {
    const auto port = port_of(text(r->element[1]));
    if (port && r->element[0]->len > 0) {
      next_ = index;
      return finish(RedisHostPort{std::string(text(r->element[0])), *port});
    }
  }
  if (r->type == REDIS_REPLY_NIL) return query_failed("does not know that master");
  if (r->type == REDIS_REPLY_ERROR) return query_failed(std::string(text(r)));
  query_failed("unexpected reply");
}

void RedisSentinel::query_failed(const std::string& why) {
  if (!found_ || result_) return;
  const size_t index = (next_ + asked_ - 1) % settings_.sentinels.size();
  errors_ += fmt::format("{}{}: {}", errors_.empty() ? "" : "; ",
                         settings_.sentinels[index].address(), why);
  ask_next();
}

void RedisSentinel::finish(Result<RedisHostPort, std::string> result) {
  evtimer_del(query_timer_.get());
  retire(query_);
  if (result && want_ == Want::Master) last_reported_ = *result;
  result_ = std::move(result);
  event_active(deliver_.get(), 0, 0);
}

void RedisSentinel::on_deliver(int, short, void* arg) {
  auto* self = static_cast<RedisSentinel*>(arg);
  if (!self->result_ || !self->found_) return;
  auto result = std::move(*self->result_);
  auto found = std::move(self->found_);
  self->result_.reset();
  self->found_ = nullptr;
  found(std::move(result));  // may start the next lookup
}

void RedisSentinel::on_query_timeout(int, short, void* arg) {
  auto* self = static_cast<RedisSentinel*>(arg);
  self->query_failed(fmt::format("no answer in {} ms", self->settings_.timeout.count()));
}

// ---- watching for failovers -----------------------------------------------------------

void RedisSentinel::watch(Moved moved) {
  moved_ = std::move(moved);
  const timeval tv = to_timeval(settings_.timeout);
  event_add(watch_check_.get(), &tv);
  watch_next();
}

// A sentinel that accepts the connection but never confirms the subscription (hung, or
// a black hole on the way) would leave failovers unseen: it counts as lost.
void RedisSentinel::on_watch_check(int, short, void* arg) {
  auto* self = static_cast<RedisSentinel*>(arg);
  const auto timeout =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(self->settings_.timeout);
  if (self->watcher_ && self->watcher_->stalled(std::chrono::steady_clock::now(), timeout)) {
    self->watch_lost(fmt::format("no answer in {} ms", self->settings_.timeout.count()));
  }
}

void RedisSentinel::watch_next() {
  retire(watcher_);
  with_ip(
      watch_resolver_, settings_.sentinels[watched_],
      [this](const std::string& ip) { connect_watcher(ip); },
      [this](std::string why) { watch_lost(why); });
}

void RedisSentinel::connect_watcher(const std::string& ip) {
  RedisAsync::Events events;
  events.ready = [this] { watcher_->psubscribe(kSwitchMaster); };
  events.failed = [this](const std::string& why) { watch_lost(why); };
  events.message = [this](const redisReply* r) { on_watch_message(r); };
  const RedisHostPort& sentinel = settings_.sentinels[watched_];
  auto connection = RedisAsync::connect(base_, ip, sentinel.port,
                                        {"", settings_.password, -1, &settings_.tls, sentinel.host},
                                        std::move(events));
  if (!connection) return watch_lost(connection.error());
  watcher_ = std::move(*connection);
}

void RedisSentinel::on_watch_message(const redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
      r->element[0]->type != REDIS_REPLY_STRING) {
    return;
  }
  const std::string_view kind = text(r->element[0]);
  if (kind == "psubscribe") {
    // A switch may have gone unseen while no sentinel was watched: ask once.
    if (watch_confirmed_once_ && last_reported_ && !found_) {
      locate([this, before = *last_reported_](Result<RedisHostPort, std::string> master) {
        if (master && *master != before && moved_) moved_(*master);
      });
    }
    watch_confirmed_once_ = true;
    return;
  }
  if (kind != "pmessage" || r->elements != 4 || r->element[3]->type != REDIS_REPLY_STRING) return;
  if (auto master = parse_switch_master(text(r->element[3]), settings_.master)) report(*master);
}

void RedisSentinel::watch_lost(const std::string& why) {
  retire(watcher_);
  const RedisHostPort& lost = settings_.sentinels[watched_];
  watched_ = (watched_ + 1) % settings_.sentinels.size();
  if (note_) {
    note_(fmt::format("sentinel {} not watched ({}); trying {} in {} ms", lost.address(), why,
                      settings_.sentinels[watched_].address(), settings_.rewatch_delay.count()));
  }
  const timeval tv = to_timeval(settings_.rewatch_delay);
  evtimer_add(rewatch_timer_.get(), &tv);
}

void RedisSentinel::on_rewatch(int, short, void* arg) {
  static_cast<RedisSentinel*>(arg)->watch_next();
}

void RedisSentinel::report(const RedisHostPort& master) {
  last_reported_ = master;
  if (moved_) moved_(master);
}

// ---- plumbing --------------------------------------------------------------------------

void RedisSentinel::with_ip(RedisResolver& resolver, const RedisHostPort& sentinel,
                            std::function<void(const std::string&)> then,
                            std::function<void(std::string)> fail) {
  if (is_ip_literal(sentinel.host)) return then(sentinel.host);
  resolver.resolve(sentinel.host,
                   [then = std::move(then), fail = std::move(fail),
                    host = sentinel.host](Result<std::vector<std::string>, std::string> found) {
                     if (!found) return fail("cannot resolve " + host + ": " + found.error());
                     then(found->front());
                   });
}

void RedisSentinel::retire(std::unique_ptr<RedisAsync>& connection) {
  if (!connection) return;
  // Possibly called from inside one of its callbacks: the free waits for the next turn.
  connection->detach();
  retired_.push_back(std::move(connection));
  event_active(cleanup_.get(), 0, 0);
}

void RedisSentinel::on_cleanup(int, short, void* arg) {
  static_cast<RedisSentinel*>(arg)->retired_.clear();
}

}  // namespace tern

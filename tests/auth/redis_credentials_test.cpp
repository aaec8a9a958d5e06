// The Redis credential store, server side (auth/redis_credentials.h), against a real
// redis-server changed behind its back with redis-cli. Every test runs the event loop
// with a 10 ms timer beside it and checks the timer kept firing: nothing may block the
// loop, whatever Redis does.
#include "auth/redis_credentials.h"

#include <event2/event.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "auth/crypto.h"
#include "auth/redis_keys.h"
#include "auth/redis_store.h"
#include "tests/support/redis_server.h"

namespace tern::auth {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::RedisServer;
using Level = RedisLogLevel;

// The bound on waiting for redis-server to answer, or for a reload, a reconnect or a
// notification to show: each takes a moment, or about a poll interval (1 s), on a quiet
// machine. A loaded CI machine, where redis-server, redis-cli and this loop wait for a
// core, needs more; the waits end as soon as what they wait for happens.
constexpr auto kPatience = 10s;

struct BaseFree {
  void operator()(event_base* b) const { event_base_free(b); }
};

std::string md5_hex(const std::string& user_realm_password) {
  return redis_keys::to_hex(md5(as_bytes(user_realm_password)));
}

Key key_of(PasswordAlgorithm algorithm, const std::string& user, const std::string& realm,
           const std::string& password) {
  return *derive_key(algorithm, user, realm, password);
}

class RedisCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override { ticker_.reset(event_new(base_.get(), -1, EV_PERSIST, &on_tick, this)); }

  void TearDown() override {
    credentials_.reset();  // before the loop and the server
    // The loop ran for `looped_`; a 10 ms timer should have fired about looped_/10ms
    // times. Loose bounds: the machine is shared, but a blocking call would show as a gap
    // of a second or more.
    if (looped_ > 500ms) {
      EXPECT_GE(ticks_ * 10ms * 4, looped_) << ticks_ << " ticks in " << looped_.count() << " ms";
      EXPECT_LT(max_gap_, 700ms) << "the loop stalled for " << max_gap_.count() << " ms";
    }
  }

  void start_redis(RedisServer::Options options = {}) {
    std::string error;
    redis_ = RedisServer::start(options, error);
    ASSERT_NE(redis_, nullptr) << error;
  }

  void make_credentials(std::string connection_string, RedisTiming timing = {}) {
    auto created = RedisCredentials::create(
        base_.get(), connection_string, "r",
        [this](Level level, const std::string& line) { log_.emplace_back(level, line); }, timing);
    ASSERT_TRUE(created) << created.error();
    credentials_ = std::move(*created);
    credentials_->set_on_change([this] { ++changes_; });
    credentials_->start();
  }

  void connect(RedisServer::Options options = {}, std::string extra = "") {
    start_redis(options);
    make_credentials(redis_->connection_string() + extra);
    ASSERT_TRUE(run_until([&] { return credentials_->connected(); }, kPatience)) << logs();
  }

  // Runs the loop until `done` or `limit`; the 10 ms ticker keeps each turn short.
  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds limit) {
    const timeval ten_ms{0, 10000};
    event_add(ticker_.get(), &ten_ms);
    const auto start = Clock::now();
    last_tick_ = start;
    bool ok = false;
    while (!(ok = done()) && Clock::now() - start < limit) {
      event_base_loop(base_.get(), EVLOOP_ONCE);
    }
    const auto now = Clock::now();
    max_gap_ =
        std::max(max_gap_, std::chrono::duration_cast<std::chrono::milliseconds>(now - last_tick_));
    looped_ += std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
    event_del(ticker_.get());
    return ok;
  }
  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

  bool has_secret(const std::string& s) const {
    const auto secrets = credentials_->secrets();
    return std::find(secrets->begin(), secrets->end(), s) != secrets->end();
  }
  std::optional<Key> lookup(const std::string& user,
                            PasswordAlgorithm algorithm = PasswordAlgorithm::Md5,
                            const std::string& realm = "r") const {
    CandidateKeys out;
    if (!credentials_->lookup(user, realm, algorithm, 0, out)) return std::nullopt;
    EXPECT_EQ(out.size(), 1u);
    return out.keys()[0];
  }
  std::vector<std::string> lines(Level level, const std::string& containing = "") const {
    std::vector<std::string> found;
    for (const auto& [l, line] : log_) {
      if (l == level && line.find(containing) != std::string::npos) found.push_back(line);
    }
    return found;
  }
  std::vector<std::string> lines_at_least(Level level) const {
    std::vector<std::string> found;
    for (const auto& [l, line] : log_) {
      if (l >= level) found.push_back(line);
    }
    return found;
  }
  std::string logs() const {
    std::string all;
    for (const auto& [l, line] : log_) all += std::to_string(int(l)) + " " + line + "\n";
    return all;
  }
  // Writes as another client would: coturn, or an operator (redis-cli itself where the
  // test is about that; it costs a process per command).
  std::string redis(const std::vector<std::string>& args) { return redis_->call(args); }
  std::string redis_cli(const std::vector<std::string>& args) { return redis_->cli_out(args); }

  std::unique_ptr<event_base, BaseFree> base_{event_base_new()};
  RedisEventPtr ticker_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisCredentials> credentials_;
  std::vector<std::pair<Level, std::string>> log_;
  int changes_ = 0;

 private:
  static void on_tick(int, short, void* arg) {
    auto* self = static_cast<RedisCredentialsTest*>(arg);
    const auto now = Clock::now();
    self->max_gap_ =
        std::max(self->max_gap_,
                 std::chrono::duration_cast<std::chrono::milliseconds>(now - self->last_tick_));
    self->last_tick_ = now;
    ++self->ticks_;
  }

  int64_t ticks_ = 0;
  Clock::time_point last_tick_;
  std::chrono::milliseconds max_gap_{0};
  std::chrono::milliseconds looped_{0};
};

// ---- loading -------------------------------------------------------------------------

TEST_F(RedisCredentialsTest, LoadsWhatRedisCliWrote_InCoturnsSchema) {
  start_redis();
  redis_cli({"SET", "turn/realm/r/user/alice/key", md5_hex("alice:r:pw")});
  redis_cli({"SET", "turn/realm/r/user/bob smith/key", md5_hex("bob smith:r:pw2")});
  redis_cli({"SET", "turn/realm/other/user/eve/key", md5_hex("eve:other:pw")});
  redis_cli({"SADD", "turn/realm/r/secret", "s1", "s2"});
  redis_cli({"SET", "turn/realm/r/user-quota", "10"});
  redis_cli({"SET", "turn/realm/r/total-quota", "100"});
  redis_cli({"SET", "turn/realm/r/max-bps", "500000"});
  redis_cli({"SADD", "turn/realm/r/allowed-peer-ip", "10.0.0.1", "10.1.0.0/16"});
  redis_cli({"SADD", "turn/realm/r/denied-peer-ip", "123::45"});
  make_credentials(redis_->connection_string());
  EXPECT_FALSE(credentials_->connected());
  EXPECT_EQ(credentials_->user_count(), 0u);
  ASSERT_TRUE(run_until([&] { return credentials_->connected(); }, kPatience)) << logs();

  EXPECT_EQ(credentials_->user_count(), 2u);
  EXPECT_EQ(lookup("alice"), key_of(PasswordAlgorithm::Md5, "alice", "r", "pw"));
  EXPECT_EQ(lookup("bob smith"), key_of(PasswordAlgorithm::Md5, "bob smith", "r", "pw2"));
  EXPECT_FALSE(lookup("alice", PasswordAlgorithm::Sha256)) << "coturn writes no SHA-256 key";
  EXPECT_FALSE(lookup("eve"));
  EXPECT_FALSE(lookup("alice", PasswordAlgorithm::Md5, "other"));
  EXPECT_EQ(*credentials_->secrets(), std::vector<std::string>({"s1", "s2"}));
  EXPECT_EQ(credentials_->realm_options(), (RealmOptions{10, 100, 500000}));
  EXPECT_EQ(*credentials_->peer_ranges(redis_keys::PeerList::Allowed),
            std::vector<std::string>({"10.0.0.1", "10.1.0.0/16"}));
  EXPECT_EQ(*credentials_->peer_ranges(redis_keys::PeerList::Denied),
            std::vector<std::string>({"123::45"}));
  EXPECT_EQ(credentials_->username_for_userhash(userhash("alice", "r"), "r"), "alice");
  EXPECT_FALSE(credentials_->username_for_userhash(userhash("alice", "r"), "other"));
  EXPECT_TRUE(credentials_->supports_userhash());
  ASSERT_TRUE(credentials_->last_load());
  EXPECT_LE(*credentials_->last_load(), std::chrono::system_clock::now());
  EXPECT_EQ(changes_, 1);
  EXPECT_FALSE(credentials_->notifications());
  EXPECT_EQ(lines(Level::Info, "polling realm r every 1 s").size(), 1u) << logs();
  EXPECT_EQ(lines(Level::Info, ": 2 users and 2 secrets for realm r").size(), 1u) << logs();
}

TEST_F(RedisCredentialsTest, UsersAddedWithRedisStore_HaveBothKeys) {
  start_redis();
  auto store = RedisStore::connect(redis_->connection_string());
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE(store->add_user("r", "alice", "pw"));
  ASSERT_TRUE(store->add_secret("r", "older", 100));
  ASSERT_TRUE(store->add_secret("r", "newer", 200));
  redis({"SADD", "turn/realm/r/secret", "undated"});
  make_credentials(redis_->connection_string());
  ASSERT_TRUE(run_until([&] { return credentials_->connected(); }, kPatience)) << logs();
  EXPECT_EQ(lookup("alice"), key_of(PasswordAlgorithm::Md5, "alice", "r", "pw"));
  EXPECT_EQ(lookup("alice", PasswordAlgorithm::Sha256),
            key_of(PasswordAlgorithm::Sha256, "alice", "r", "pw"));
  EXPECT_EQ(*credentials_->secrets(), std::vector<std::string>({"newer", "older", "undated"}));
}

TEST_F(RedisCredentialsTest, CoturnClearPasswordUser_GetsBothKeysDerived) {
  start_redis();
  redis({"SET", "turn/realm/r/user/gorst/password", "hero"});
  make_credentials(redis_->connection_string());
  ASSERT_TRUE(run_until([&] { return credentials_->connected(); }, kPatience)) << logs();
  EXPECT_EQ(lookup("gorst"), key_of(PasswordAlgorithm::Md5, "gorst", "r", "hero"));
  EXPECT_EQ(lookup("gorst", PasswordAlgorithm::Sha256),
            key_of(PasswordAlgorithm::Sha256, "gorst", "r", "hero"));
}

TEST_F(RedisCredentialsTest, PasswordChangedByCoturn_VoidsTheOldSha256Key) {
  start_redis();
  auto store = RedisStore::connect(redis_->connection_string());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->add_user("r", "alice", "old"));
  ASSERT_TRUE(store->add_user("r", "bob", "pw"));
  // turnadmin -a rewrites `key` only; turnadmin -d deletes `key` only.
  redis({"SET", "turn/realm/r/user/alice/key", md5_hex("alice:r:new")});
  redis({"DEL", "turn/realm/r/user/bob/key"});
  make_credentials(redis_->connection_string());
  ASSERT_TRUE(run_until([&] { return credentials_->connected(); }, kPatience)) << logs();
  EXPECT_EQ(lookup("alice"), key_of(PasswordAlgorithm::Md5, "alice", "r", "new"));
  EXPECT_FALSE(lookup("alice", PasswordAlgorithm::Sha256)) << "the old password must not work";
  EXPECT_FALSE(lookup("bob"));
  EXPECT_FALSE(lookup("bob", PasswordAlgorithm::Sha256)) << "a deleted user must not log in";
  EXPECT_EQ(credentials_->user_count(), 1u);
  EXPECT_EQ(lines(Level::Warning, "turn/realm/r/user/alice/sha256-key: stale").size(), 1u)
      << logs();
}

TEST_F(RedisCredentialsTest, UnusableValues_AreSkippedWithOneWarningEach) {
  start_redis();
  redis({"SET", "turn/realm/r/user/alice/key", "not-hex"});
  redis({"SET", "turn/realm/r/user/bob/key", md5_hex("bob:r:pw")});
  redis({"SET", "turn/realm/r/secret", "a string, not a set"});
  redis({"SET", "turn/realm/r/max-bps", "fast"});
  make_credentials(redis_->connection_string());
  ASSERT_TRUE(run_until([&] { return credentials_->connected(); }, kPatience)) << logs();
  EXPECT_EQ(credentials_->user_count(), 1u);
  EXPECT_TRUE(lookup("bob"));
  // Another poll, however late it comes: still one warning each.
  const auto first_load = credentials_->last_load();
  ASSERT_TRUE(run_until([&] { return credentials_->last_load() != first_load; }, kPatience))
      << logs();
  EXPECT_EQ(lines(Level::Warning, "user/alice/key: not an MD5 key").size(), 1u) << logs();
  EXPECT_EQ(lines(Level::Warning, "turn/realm/r/secret: WRONGTYPE").size(), 1u) << logs();
  EXPECT_EQ(lines(Level::Warning, "turn/realm/r/max-bps: not a number").size(), 1u) << logs();
  EXPECT_EQ(changes_, 1) << "unchanged reloads do not count as changes";
}

// ---- freshness -----------------------------------------------------------------------

class RedisFreshnessTest : public RedisCredentialsTest,
                           public ::testing::WithParamInterface<const char*> {};

TEST_P(RedisFreshnessTest, ChangesWithRedisCli_ShowWithoutARestart) {
  connect({.notify_keyspace_events = GetParam(), .password = ""});
  EXPECT_EQ(credentials_->notifications(), std::string(GetParam()) != "") << logs();
  const int changes = changes_;

  redis_cli({"SADD", "turn/realm/r/secret", "fresh"});
  EXPECT_TRUE(run_until([&] { return has_secret("fresh"); }, kPatience)) << logs();
  redis_cli({"SET", "turn/realm/r/user/carol/key", md5_hex("carol:r:pw")});
  EXPECT_TRUE(run_until([&] { return lookup("carol").has_value(); }, kPatience)) << logs();
  redis_cli({"SREM", "turn/realm/r/secret", "fresh"});
  EXPECT_TRUE(run_until([&] { return !has_secret("fresh"); }, kPatience)) << logs();
  redis_cli({"DEL", "turn/realm/r/user/carol/key"});
  EXPECT_TRUE(run_until([&] { return !lookup("carol").has_value(); }, kPatience)) << logs();
  EXPECT_GE(changes_, changes + 4);
}

INSTANTIATE_TEST_SUITE_P(Modes, RedisFreshnessTest,
                         ::testing::Values("",       // off: polling
                                           "KEA",    // keyspace events
                                           "Eg$s"),  // key events only
                         [](const auto& info) {
                           const std::string mode = info.param;
                           return mode.empty()     ? std::string("Polling")
                                  : mode[0] == 'K' ? std::string("Keyspace")
                                                   : std::string("Keyevent");
                         });

TEST_F(RedisCredentialsTest, Notifications_OtherRealmsChanges_DoNotReload) {
  connect({.notify_keyspace_events = "KEA", .password = ""});
  ASSERT_TRUE(credentials_->notifications());
  const auto loaded = credentials_->last_load();
  redis({"SADD", "turn/realm/other/secret", "x"});
  run_for(300ms);
  EXPECT_EQ(credentials_->last_load(), loaded);
}

TEST_F(RedisCredentialsTest, NotificationsTurnedOffOrIncomplete_FallsBackToPolling) {
  connect({.notify_keyspace_events = "KEA", .password = ""});
  ASSERT_TRUE(credentials_->notifications());
  // Keyspace events for strings only: SADD/SREM on the secret set would go unseen.
  redis({"CONFIG", "SET", "notify-keyspace-events", "K$"});
  ASSERT_TRUE(run_until([&] { return !credentials_->notifications(); }, kPatience)) << logs();
  redis({"SADD", "turn/realm/r/secret", "polled"});
  EXPECT_TRUE(run_until([&] { return has_secret("polled"); }, kPatience)) << logs();
  EXPECT_EQ(lines(Level::Info, "keyspace notifications off (notify-keyspace-events=\"$K\")").size(),
            1u)
      << logs();
  redis({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  EXPECT_TRUE(run_until([&] { return credentials_->notifications(); }, kPatience)) << logs();
  EXPECT_TRUE(credentials_->connected());
  EXPECT_EQ(lines_at_least(Level::Warning).size(), 0u) << logs();
}

// ---- losing Redis --------------------------------------------------------------------

TEST_F(RedisCredentialsTest, RedisStopped_ServesFromCache_LogsOnce_ReconnectsAndSeesNewData) {
  start_redis();
  redis({"SET", "turn/realm/r/user/alice/key", md5_hex("alice:r:pw")});
  redis({"SADD", "turn/realm/r/secret", "s1"});
  make_credentials(redis_->connection_string());
  ASSERT_TRUE(run_until([&] { return credentials_->connected(); }, kPatience)) << logs();

  ASSERT_TRUE(redis_->stop());
  ASSERT_TRUE(run_until([&] { return !credentials_->connected(); }, kPatience)) << logs();
  // A failed retry in between (1 s later on a quiet machine).
  ASSERT_TRUE(run_until([&] { return !lines(Level::Debug, " still down (").empty(); }, kPatience))
      << logs();
  EXPECT_EQ(lookup("alice"), key_of(PasswordAlgorithm::Md5, "alice", "r", "pw"));
  EXPECT_TRUE(has_secret("s1"));
  const std::string address = "redis 127.0.0.1:" + std::to_string(redis_->port());
  const auto warnings = lines_at_least(Level::Warning);
  ASSERT_EQ(warnings.size(), 1u) << logs();
  EXPECT_TRUE(warnings[0].starts_with(address + " lost (")) << warnings[0];
  EXPECT_TRUE(warnings[0].ends_with("); serving from cached credentials; retry in 1 s"))
      << warnings[0];

  ASSERT_TRUE(redis_->restart()) << redis_->log();
  redis({"SADD", "turn/realm/r/secret", "added-while-away"});
  // The retry after the failed one comes 2 s later; the load follows at once.
  EXPECT_TRUE(run_until([&] { return credentials_->connected() && has_secret("added-while-away"); },
                        2 * kPatience))
      << logs();
  EXPECT_EQ(lines(Level::Info, address + " back: ").size(), 1u) << logs();
  EXPECT_EQ(lines_at_least(Level::Warning).size(), 1u) << logs();

  // Backoff starts over after a success.
  ASSERT_TRUE(redis_->stop());
  ASSERT_TRUE(run_until([&] { return !credentials_->connected(); }, kPatience)) << logs();
  const auto again = lines_at_least(Level::Warning);
  ASSERT_EQ(again.size(), 2u) << logs();
  EXPECT_TRUE(again[1].ends_with("retry in 1 s")) << again[1];
}

TEST_F(RedisCredentialsTest, RedisHung_CountsAsLostAfterTheTimeout) {
  start_redis();
  redis({"SET", "turn/realm/r/user/alice/key", md5_hex("alice:r:pw")});
  make_credentials(redis_->connection_string() + " connect_timeout=1");
  ASSERT_TRUE(run_until([&] { return credentials_->connected(); }, kPatience)) << logs();

  redis_->pause();  // accepts connections, answers nothing
  ASSERT_TRUE(run_until([&] { return !credentials_->connected(); }, kPatience)) << logs();
  EXPECT_TRUE(lookup("alice"));
  EXPECT_EQ(lines(Level::Warning, "lost (no answer in 1 s)").size(), 1u) << logs();
  redis_->resume();
  EXPECT_TRUE(run_until([&] { return credentials_->connected(); }, 2 * kPatience)) << logs();
}

TEST_F(RedisCredentialsTest, NeverReachable_LogsOnce_RetriesWithDoublingBackoffUpToTheMax) {
  start_redis();
  const std::string connection = redis_->connection_string();
  ASSERT_TRUE(redis_->stop());
  const auto began = Clock::now();
  make_credentials(connection, {.poll_interval = 1000ms, .first_retry = 100ms, .max_retry = 400ms});
  // Attempts at 0, 0.1, 0.3, 0.7, 1.1, 1.5 s; a loaded machine may take longer to make
  // the three retries checked below.
  const auto retry_lines = [&] {
    return lines(Level::Debug, "still down (Connection refused); retry in ");
  };
  run_for(1600ms);
  ASSERT_TRUE(run_until([&] { return retry_lines().size() >= 3; }, kPatience)) << logs();
  // Never more than the backoff allows in the time the loop ran (one more for timers
  // rounded to the millisecond): about 6 in 1.6 s.
  const double ran = std::chrono::duration<double>(Clock::now() - began).count();
  const size_t most = ran < 0.3 ? 1 : 2 + static_cast<size_t>((ran - 0.3) / 0.4);
  EXPECT_FALSE(credentials_->connected());
  EXPECT_FALSE(credentials_->last_load());
  const auto warnings = lines_at_least(Level::Warning);
  ASSERT_EQ(warnings.size(), 1u) << logs();
  EXPECT_NE(warnings[0].find(" unavailable (Connection refused); no credentials from it yet; "
                             "retry in 0.1 s"),
            std::string::npos)
      << warnings[0];
  const auto retries = retry_lines();
  ASSERT_GE(retries.size(), 3u) << logs();
  EXPECT_LE(retries.size(), most + 1) << "in " << ran << " s\n" << logs();
  EXPECT_TRUE(retries[0].ends_with("retry in 0.2 s")) << retries[0];
  EXPECT_TRUE(retries[1].ends_with("retry in 0.4 s")) << retries[1];
  EXPECT_TRUE(retries[2].ends_with("retry in 0.4 s")) << retries[2];
}

// ---- connecting ----------------------------------------------------------------------

TEST_F(RedisCredentialsTest, HostName_IsResolvedOffTheLoop) {
  start_redis();
  redis({"SADD", "turn/realm/r/secret", "s"});
  make_credentials("host=localhost port=" + std::to_string(redis_->port()));
  ASSERT_TRUE(run_until([&] { return credentials_->connected(); }, kPatience)) << logs();
  EXPECT_TRUE(has_secret("s"));
  EXPECT_EQ(lines_at_least(Level::Warning).size(), 0u) << logs();
}

TEST_F(RedisCredentialsTest, UnknownHostName_IsUnavailable) {
  make_credentials("host=no-such-host.invalid port=6379");
  ASSERT_TRUE(run_until([&] { return !lines(Level::Warning, "cannot resolve").empty(); }, 10s))
      << logs();
  EXPECT_FALSE(credentials_->connected());
}

TEST_F(RedisCredentialsTest, PasswordAndDatabase_AreUsed) {
  start_redis({.notify_keyspace_events = "KEA", .password = "letmein"});
  redis_cli({"-n", "2", "SADD", "turn/realm/r/secret", "in-db-2"});
  make_credentials(redis_->connection_string() + " dbname=2");
  ASSERT_TRUE(run_until([&] { return credentials_->connected(); }, kPatience)) << logs();
  EXPECT_TRUE(has_secret("in-db-2"));
  EXPECT_TRUE(credentials_->notifications());
  redis_cli({"-n", "2", "SADD", "turn/realm/r/secret", "later"});
  redis_cli({"-n", "0", "SADD", "turn/realm/r/secret", "wrong-db"});
  EXPECT_TRUE(run_until([&] { return has_secret("later"); }, kPatience)) << logs();
  EXPECT_FALSE(has_secret("wrong-db"));
}

TEST_F(RedisCredentialsTest, WrongPassword_IsUnavailableWithTheReason) {
  start_redis({.notify_keyspace_events = "", .password = "letmein"});
  make_credentials("ip=127.0.0.1 port=" + std::to_string(redis_->port()) + " password=nope");
  ASSERT_TRUE(run_until([&] { return !lines_at_least(Level::Warning).empty(); }, kPatience))
      << logs();
  EXPECT_NE(lines_at_least(Level::Warning)[0].find("unavailable (AUTH failed: WRONGPASS"),
            std::string::npos)
      << logs();
  EXPECT_FALSE(credentials_->connected());
}

// ---- threads -------------------------------------------------------------------------

TEST_F(RedisCredentialsTest, LookupsFromOtherThreads_RunThroughReloads) {
  connect({.notify_keyspace_events = "KEA", .password = ""});
  redis({"SET", "turn/realm/r/user/alice/key", md5_hex("alice:r:pw")});
  ASSERT_TRUE(run_until([&] { return lookup("alice").has_value(); }, kPatience));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> found{0};
  std::thread worker([&] {
    while (!stop) {
      CandidateKeys out;
      if (credentials_->lookup("alice", "r", PasswordAlgorithm::Md5, 0, out)) ++found;
      found += credentials_->secrets()->size() > 100;  // touches the snapshot too
    }
  });
  // The reader must be running before the first reload (on a loaded machine the thread
  // may not be scheduled at all while three reloads finish), and keep running through them.
  ASSERT_TRUE(run_until([&] { return found.load() > 0; }, 10s));
  for (int i = 0; i < 3; ++i) {
    const int64_t before = found.load();
    redis({"SADD", "turn/realm/r/secret", "s" + std::to_string(i)});
    EXPECT_TRUE(run_until([&] { return has_secret("s" + std::to_string(i)); }, 10s)) << logs();
    EXPECT_TRUE(run_until([&] { return found.load() > before; }, 10s));
  }
  stop = true;
  worker.join();
  EXPECT_TRUE(has_secret("s2"));
}

}  // namespace
}  // namespace tern::auth

// The fleet view: each ternd with --redis-statsdb keeps a heartbeat in Redis, and
// `ternctl fleet` shows every node and the totals, `ternctl fleet sessions` every
// allocation of the fleet, all read from one real redis-server on loopback.

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <string>

#include "base/json_value.h"
#include "tests/support/eventually.h"
#include "tests/support/free_ports.h"
#include "tests/support/redis_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternctl.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using tern::JsonValue;

class FleetTest : public TurnTest {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(ternctl_path())) GTEST_SKIP() << "ternctl is not built";
    std::string error;
    redis_ = RedisServer::start({}, error);
    ASSERT_TRUE(redis_) << error;
  }

  // Two nodes on one statsdb: ternd() is "node-a", other_ "node-b".
  void start_fleet() {
    ASSERT_NO_FATAL_FAILURE(
        start({.extra = {"--redis-statsdb", redis_->connection_string(), "--node-id", "node-a"}}));
    auto b = TerndProcess::start(
        {{"--relay-ip", "127.0.0.1", "--user", "alice:secret", "--user", "bob:secret", "--realm",
          kRealm, "--redis-statsdb", redis_->connection_string(), "--node-id", "node-b"}});
    ASSERT_TRUE(b) << b.error();
    other_.emplace(std::move(*b));
  }

  // ternctl's JSON output, parsed; nullopt (and a failure) when it did not run cleanly.
  std::optional<JsonValue> ternctl_json(std::vector<std::string> args) {
    args.insert(args.end(), {"--redis-statsdb", redis_->connection_string(), "--json"});
    const auto run = run_ternctl(args, dir_.path());
    EXPECT_TRUE(run.status.clean()) << run.status.describe() << "\n" << run.err;
    if (!run.status.clean()) return std::nullopt;
    auto v = JsonValue::parse(run.out);
    EXPECT_TRUE(v) << run.out;
    return v;
  }

  static const JsonValue* node_named(const JsonValue& fleet, std::string_view id) {
    const JsonValue* nodes = fleet.member("nodes");
    if (nodes == nullptr || nodes->array() == nullptr) return nullptr;
    for (const auto& n : *nodes->array())
      if (n.text("id") == id) return &n;
    return nullptr;
  }

  static bool is_true(const JsonValue* v) {
    return v != nullptr && std::get_if<bool>(&v->v) && std::get<bool>(v->v);
  }

  std::unique_ptr<RedisServer> redis_;
  std::optional<TerndProcess> other_;
  TempDir dir_;
};

TEST_F(FleetTest, TwoNodes_FleetShowsEachNodeAndTheTotalOfAllocations) {
  ASSERT_NO_FATAL_FAILURE(start_fleet());
  auto a1 = allocated(Transport::Udp, IpVersion::V4);
  auto a2 = allocated(Transport::Tcp, IpVersion::V4);
  auto b1 = allocated_client(Transport::Udp, other_->address(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(a1 && a2 && b1);

  std::optional<JsonValue> fleet;
  ASSERT_TRUE(eventually([&] {
    fleet = ternctl_json({"fleet"});
    return fleet && fleet->member("total") && fleet->member("total")->integer("allocations") == 3;
  })) << "ternctl fleet never showed 3 allocations";

  const JsonValue* total = fleet->member("total");
  EXPECT_EQ(total->integer("nodes"), 2);
  EXPECT_EQ(total->integer("stale"), 0);
  const JsonValue* a = node_named(*fleet, "node-a");
  const JsonValue* b = node_named(*fleet, "node-b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->integer("allocations"), 2);
  EXPECT_EQ(b->integer("allocations"), 1);
  EXPECT_FALSE(is_true(a->member("stale")));
  EXPECT_FALSE(is_true(a->member("draining")));
  EXPECT_EQ(a->text("realm"), kRealm);
  const JsonValue* listeners = a->member("listeners");
  ASSERT_TRUE(listeners && listeners->array());
  bool found_port = false;
  for (const auto& l : *listeners->array()) {
    found_port |=
        l.string() && l.string()->find(":" + std::to_string(ternd().port())) != std::string::npos;
  }
  EXPECT_TRUE(found_port) << "node-a's listeners do not name its port " << ternd().port();
  const JsonValue* relays = a->member("relay_ips");
  ASSERT_TRUE(relays && relays->array() && !relays->array()->empty());
  EXPECT_EQ(*relays->array()->front().string(), "127.0.0.1");
  EXPECT_GT(a->integer("last_reload"), 0);

  // The table names both nodes and the total.
  const auto table =
      run_ternctl({"fleet", "--redis-statsdb", redis_->connection_string()}, dir_.path());
  ASSERT_TRUE(table.status.clean()) << table.err;
  EXPECT_NE(table.out.find("node-a"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("node-b"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("total (2 live, 0 stale)"), std::string::npos) << table.out;
}

// `ternctl reload` that adds a listener and a relay IP: the next heartbeat (sent at once)
// names them, so `ternctl fleet` shows where the node listens now.
TEST_F(FleetTest, ReloadAddingAListenerAndARelayIp_HeartbeatNamesThem) {
  const auto conf = dir_.path() / "ternd.conf";
  ASSERT_TRUE(write_file(conf, ""));
  const std::string admin = "127.0.0.1:" + std::to_string(free_tcp_port());
  constexpr char kToken[] = "fleet-reload-test-token";
  ASSERT_NO_FATAL_FAILURE(
      start({.extra = {"--redis-statsdb", redis_->connection_string(), "--node-id", "node-a",
                       "--admin-listen", admin, "--admin-token", kToken, "-c", conf.string()}}));
  auto ports = pick_server_ports(false);
  ASSERT_TRUE(ports);
  const std::string aux = "127.0.0.1:" + std::to_string(ports->main);
  ASSERT_TRUE(write_file(conf, "aux-server=" + aux + "\nrelay-ip=127.0.0.2\n"));
  const auto run = run_ternctl({"reload", "--server", admin, "--token", kToken}, dir_.path());
  ASSERT_TRUE(run.status.clean()) << run.out << run.err << ternd().diagnostics();

  auto has = [](const JsonValue* list, const std::string& text) {
    if (list == nullptr || list->array() == nullptr) return false;
    return std::ranges::any_of(
        *list->array(), [&](const JsonValue& v) { return v.string() && *v.string() == text; });
  };
  std::string last;
  EXPECT_TRUE(eventually([&] {
    const auto out = run_ternctl(
        {"fleet", "--redis-statsdb", redis_->connection_string(), "--json"}, dir_.path());
    last = out.out;
    auto fleet = JsonValue::parse(out.out);
    const JsonValue* a = fleet ? node_named(*fleet, "node-a") : nullptr;
    return a && has(a->member("listeners"), "UDP " + aux) &&
           has(a->member("listeners"), "TCP " + aux) && has(a->member("relay_ips"), "127.0.0.2");
  })) << "the heartbeat never named "
      << aux << " and 127.0.0.2: " << last;
}

// A drained node says so in its heartbeat (it keeps its allocation, so it stays up).
TEST_F(FleetTest, DrainingNode_ShowsDrainingInTheFleet) {
  ASSERT_NO_FATAL_FAILURE(start_fleet());
  auto a1 = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(a1);
  ASSERT_TRUE(ternd().send_signal(SIGUSR1));
  std::optional<JsonValue> fleet;
  std::string last;
  ASSERT_TRUE(eventually([&] {
    // Polled without expectations: a run that finds no heartbeat yet is not a failure.
    const auto run = run_ternctl(
        {"fleet", "--redis-statsdb", redis_->connection_string(), "--json"}, dir_.path());
    last = run.out + run.err;
    fleet = run.status.clean() ? JsonValue::parse(run.out) : std::nullopt;
    const JsonValue* a = fleet ? node_named(*fleet, "node-a") : nullptr;
    // node-b's first heartbeat may come after node-a's draining one.
    return a != nullptr && is_true(a->member("draining")) && node_named(*fleet, "node-b");
  })) << "node-a's heartbeat never said draining (or node-b's never came); last ternctl fleet: "
      << last;
  const JsonValue* b = node_named(*fleet, "node-b");
  ASSERT_TRUE(b);
  EXPECT_FALSE(is_true(b->member("draining")));
}

TEST_F(FleetTest, NodeWithoutRecentHeartbeat_IsMarkedStale_AndLeftOutOfTheTotal) {
  // A node that died a minute ago: its last heartbeat is still in Redis.
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  ASSERT_TRUE(
      redis_->cli_ok({"SET", "tern/fleet/node/dead-node",
                      "{\"id\":\"dead-node\",\"allocations\":7,\"interval_s\":5,\"updated\":" +
                          std::to_string(now - 60) + "}",
                      "EX", "300"}));
  ASSERT_TRUE(redis_->cli_ok({"SET", "tern/fleet/node/live-node",
                              "{\"id\":\"live-node\",\"allocations\":4,\"interval_s\":5,"
                              "\"updated\":" +
                                  std::to_string(now) + "}",
                              "EX", "300"}));
  auto fleet = ternctl_json({"fleet"});
  ASSERT_TRUE(fleet);
  const JsonValue* dead = node_named(*fleet, "dead-node");
  const JsonValue* live = node_named(*fleet, "live-node");
  ASSERT_TRUE(dead && live);
  EXPECT_TRUE(is_true(dead->member("stale")));
  EXPECT_FALSE(is_true(live->member("stale")));
  EXPECT_EQ(fleet->member("total")->integer("allocations"), 4);
  EXPECT_EQ(fleet->member("total")->integer("stale"), 1);
}

// Allocation ids are coturn's form (worker and sequence), but each worker's sequence
// starts at a random place, so one user's first allocations on two nodes get two status
// keys, not one (coturn's per-process counters would give both the same key).
TEST_F(FleetTest, FleetSessions_OneUsersFirstAllocationOnEachNode_AreTwoSessions) {
  ASSERT_NO_FATAL_FAILURE(start_fleet());
  auto a1 = allocated(Transport::Udp, IpVersion::V4);
  auto b1 = allocated_client(Transport::Udp, other_->address(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(a1 && b1);
  std::optional<JsonValue> alice;
  EXPECT_TRUE(eventually([&] {
    alice = ternctl_json({"fleet", "sessions", "--user", "alice"});
    return alice && alice->member("total")->integer("sessions") == 2;
  })) << (alice ? alice->member("total")->integer("sessions") : -1);
}

TEST_F(FleetTest, FleetSessions_ListsEveryNodesAllocations_ByUser) {
  ASSERT_NO_FATAL_FAILURE(start_fleet());
  auto a1 = allocated(Transport::Udp, IpVersion::V4);
  const auto b = other_->address(Transport::Udp, IpVersion::V4);
  auto b1 = allocated_client(Transport::Udp, b, {}, {.username = "bob"});
  auto b2 = allocated_client(Transport::Udp, b, {}, {.username = "bob"});
  ASSERT_TRUE(a1 && b1 && b2);

  std::optional<JsonValue> all;
  ASSERT_TRUE(eventually([&] {
    all = ternctl_json({"fleet", "sessions"});
    return all && all->member("total") && all->member("total")->integer("sessions") == 3;
  }));
  auto bob = ternctl_json({"fleet", "sessions", "--user", "bob"});
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->member("total")->integer("sessions"), 2);
  const JsonValue* list = bob->member("sessions");
  ASSERT_TRUE(list && list->array());
  for (const auto& s : *list->array()) {
    EXPECT_EQ(s.text("user"), "bob");
    EXPECT_EQ(s.text("realm"), kRealm);
    EXPECT_EQ(s.text("status"), "new");
    EXPECT_EQ(s.integer("lifetime"), 600);
    EXPECT_GT(s.integer("expires_in"), 0);
  }
  auto alice = ternctl_json({"fleet", "sessions", "--user", "alice"});
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->member("total")->integer("sessions"), 1);
  // A glob character in --user is a plain character, not a pattern.
  auto star = ternctl_json({"fleet", "sessions", "--user", "*"});
  ASSERT_TRUE(star);
  EXPECT_EQ(star->member("total")->integer("sessions"), 0);
}

TEST_F(FleetTest, FleetKill_EndsTheUsersAllocationsOnEveryNode_AndNoOtherUsers) {
  ASSERT_NO_FATAL_FAILURE(start_fleet());
  auto a1 = allocated(Transport::Udp, IpVersion::V4);
  auto b1 = allocated_client(Transport::Udp, other_->address(Transport::Udp, IpVersion::V4));
  auto bob = allocated_client(Transport::Udp, other_->address(Transport::Udp, IpVersion::V4), {},
                              {.username = "bob"});
  ASSERT_TRUE(a1 && b1 && bob);
  // Both nodes have subscribed (they say so once Redis confirms).
  ASSERT_TRUE(eventually([&] {
    return ternd().log().find("listening for fleet kills") != std::string::npos &&
           other_->log().find("listening for fleet kills") != std::string::npos;
  })) << ternd().diagnostics()
      << other_->diagnostics();

  auto kill = ternctl_json({"fleet", "kill", "--user", "alice"});
  ASSERT_TRUE(kill);
  EXPECT_EQ(kill->integer("nodes"), 2);
  // Ended as by the admin API's kill: the next request on the 5-tuple gets 437.
  EXPECT_TRUE(eventually([&] { return IsError(a1->refresh(600), 437); }));
  EXPECT_TRUE(eventually([&] { return IsError(b1->refresh(600), 437); }));
  EXPECT_TRUE(IsSuccess(bob->refresh(600)));
  std::optional<JsonValue> left;
  EXPECT_TRUE(eventually([&] {
    left = ternctl_json({"fleet", "sessions"});
    return left && left->member("total")->integer("sessions") == 1;
  }));
}

TEST_F(FleetTest, FleetKill_NoNodeListening_Fails) {
  const auto run = run_ternctl(
      {"fleet", "kill", "--user", "alice", "--redis-statsdb", redis_->connection_string()},
      dir_.path());
  EXPECT_EQ(run.status.code, 1) << run.status.describe();
  EXPECT_NE(run.err.find("no ternd listens"), std::string::npos) << run.err;
}

TEST_F(FleetTest, WithoutStatsdbOrWithRedisAway_ClearErrors) {
  const auto usage = run_ternctl({"fleet"}, dir_.path());
  EXPECT_EQ(usage.status.code, 2) << usage.status.describe();
  EXPECT_NE(usage.err.find("--redis-statsdb is required"), std::string::npos) << usage.err;
  const std::string conn = redis_->connection_string();
  redis_->stop();
  const auto away = run_ternctl({"fleet", "sessions", "--redis-statsdb", conn}, dir_.path());
  EXPECT_EQ(away.status.code, 1) << away.status.describe();
  EXPECT_NE(away.err.find("redis 127.0.0.1:"), std::string::npos) << away.err;
}

}  // namespace
}  // namespace tern::test

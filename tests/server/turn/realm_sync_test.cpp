#include "server/turn/realm_sync.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server/core/counters.h"
#include "server/turn/allocation.h"
#include "tests/base/test_addresses.h"

namespace tern {
namespace {

using test::ip;

PeerPolicy allowing(const char* range) {
  PeerPolicyConfig c;
  if (range) c.allowed.push_back(*IpRange::parse(range));
  return PeerPolicy(c);
}

std::unique_ptr<Allocation> allocation() {
  return std::make_unique<Allocation>(FiveTuple{}, "alice", 1'000'000);
}

TEST(SyncRealm, NewlyDeniedPeer_LosesItsPermission_OthersStay) {
  RealmState state(allowing("10.0.0.0/8"), 0);
  WorkerCounters counters;
  auto a = allocation();
  sync_realm(*a, *state.snapshot(), counters, 0);
  ASSERT_TRUE(a->install_permission(ip("10.0.0.1"), 10'000, 0, false));
  ASSERT_TRUE(a->install_permission(ip("8.8.8.8"), 10'000, 0, false));

  state.publish(allowing(nullptr), 0);
  sync_realm(*a, *state.snapshot(), counters, 1);
  EXPECT_FALSE(a->has_permission(ip("10.0.0.1", 5000), 1));
  EXPECT_TRUE(a->has_permission(ip("8.8.8.8", 5000), 1));
  EXPECT_EQ(counters.permissions_revoked.get(), 1u);
  EXPECT_EQ(a->realm_generation(), 2u);
}

TEST(SyncRealm, SameGeneration_TouchesNothing) {
  RealmState state(allowing(nullptr), 0);
  WorkerCounters counters;
  auto a = allocation();
  a->set_realm_generation(1);
  // Installed without the policy's say: only a generation change would re-judge it.
  ASSERT_TRUE(a->install_permission(ip("10.0.0.1"), 10'000, 0, false));
  sync_realm(*a, *state.snapshot(), counters, 1);
  EXPECT_TRUE(a->has_permission(ip("10.0.0.1"), 1));
  EXPECT_EQ(counters.permissions_revoked.get(), 0u);
}

TEST(SyncRealm, RedecidesPortSensitivity) {
  PeerPolicyConfig own;
  own.own_relay_ips = {ip("203.0.113.5")};
  RealmState state(PeerPolicy(own), 0);
  WorkerCounters counters;
  auto a = allocation();
  ASSERT_TRUE(a->install_permission(ip("203.0.113.5"), 10'000, 0, false));
  ASSERT_TRUE(a->install_permission(ip("8.8.8.8"), 10'000, 0, true));
  sync_realm(*a, *state.snapshot(), counters, 0);
  EXPECT_TRUE(a->permission_for(ip("203.0.113.5"), 0)->port_sensitive);
  EXPECT_FALSE(a->permission_for(ip("8.8.8.8"), 0)->port_sensitive);
}

TEST(SyncRealm, TakesTheRealmsMaxBps_ForBothDirections) {
  RealmState state(allowing(nullptr), 0);
  WorkerCounters counters;
  auto a = allocation();
  sync_realm(*a, *state.snapshot(), counters, 0);
  EXPECT_TRUE(a->to_peer_limit.unlimited());
  state.publish(allowing(nullptr), 20'000);
  sync_realm(*a, *state.snapshot(), counters, 0);
  EXPECT_EQ(a->to_peer_limit.rate(), 20'000u);
  EXPECT_EQ(a->to_client_limit.rate(), 20'000u);
  EXPECT_TRUE(a->to_client_limit.try_take(65'535, 0));
  EXPECT_FALSE(a->to_client_limit.try_take(1, 0));
  EXPECT_TRUE(a->to_peer_limit.try_take(65'535, 0));  // a bucket of its own
}

}  // namespace
}  // namespace tern

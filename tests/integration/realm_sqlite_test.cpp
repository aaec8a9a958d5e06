// The realm's options and peer ranges in the sqlite store (--userdb), changed with ternctl
// while ternd runs: quotas, peer ranges and max-bps reach the running server within about
// 2 s (it reloads the file every second). A store value wins over ternd's flag while it is
// set; back at 0 the flag applies again. Lowering a quota ends no allocation, and a peer
// range the store newly denies stops the traffic of permissions made before.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "tests/support/credential_probes.h"
#include "tests/support/realm_probes.h"
#include "tests/support/relay_burst.h"
#include "tests/support/sqlite_store_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// The reload runs every second, so a change shows within about 2 s (each wait prints how
// long it took). The bound is slack for a loaded CI machine, where ternctl, sqlite and
// ternd's loop all wait for a core: a bound near the cadence would measure the machine.
constexpr auto kPropagation = 10'000ms;

class RealmSqliteTest : public TurnSqliteStoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TurnSqliteStoreTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(ternctl({"user", "add", "bob", "--password", "bobs-password"}));
  }

  // Fails unless a fresh Allocate with `credentials` comes to `wanted` within the bound.
  void allocate_within(const TurnCredentials& credentials,
                       const std::function<bool(const TurnResult&)>& wanted, const char* what) {
    const Polled p = poll_allocate(udp(), credentials, wanted, kPropagation);
    std::cout << "[ realm  ] " << what << " after " << p.elapsed.count() << " ms\n";
    EXPECT_TRUE(p.reached) << what << " not seen within " << kPropagation.count()
                           << " ms; last outcome: " << outcome(p.last) << "\n"
                           << ternd().diagnostics();
  }

  // Fails unless CreatePermission for `peer` from `client` comes to `wanted` in time.
  // Returns how many attempts installed a permission on the way.
  size_t permission_within(TurnClient& client, const TransportAddress& peer,
                           const std::function<bool(const TurnResult&)>& wanted, const char* what) {
    TurnResult last = unexpected(std::string("not tried"));
    size_t granted = 0;
    const Waited w = poll_until(
        [&] {
          last = client.create_permission({peer});
          granted += last && last->is_success();
          return wanted(last);
        },
        kPropagation);
    std::cout << "[ realm  ] " << what << " after " << w.elapsed.count() << " ms\n";
    EXPECT_TRUE(w.reached) << what << " not seen within " << kPropagation.count()
                           << " ms; last outcome: " << outcome(last) << "\n"
                           << ternd().diagnostics();
    return granted;
  }

  const TurnCredentials alice_{};
  const TurnCredentials bob_{.username = "bob", .password = "bobs-password"};
};

TEST_F(RealmSqliteTest, UserQuotaSetWhileRunning_Is486_HeldAllocationLives_0Allows) {
  ASSERT_NO_FATAL_FAILURE(start_ternd());
  auto held = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(held && p);
  ASSERT_TRUE(IsSuccess(held->create_permission({p->address()})));
  ASSERT_TRUE(IsSuccess(allocate_once(udp(), alice_))) << "a second allocation before the quota";

  ASSERT_NO_FATAL_FAILURE(ternctl({"realm", "set", kRealm, "user-quota=1"}));
  allocate_within(alice_, is_486, "alice's second allocation refused (486)");
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), bob_))) << "bob has a quota of his own";
  // A quota is taken at Allocate: lowering it ends nothing.
  EXPECT_TRUE(RelaysBothWays(*held, *p, "held through the lowered quota"));
  EXPECT_TRUE(IsSuccess(held->refresh(600)));

  ASSERT_NO_FATAL_FAILURE(ternctl({"realm", "set", kRealm, "user-quota=0"}));
  allocate_within(alice_, is_success, "alice's second allocation allowed again");
}

TEST_F(RealmSqliteTest, TotalQuotaSetWhileRunning_CountsEveryUser_0Allows) {
  ASSERT_NO_FATAL_FAILURE(start_ternd());
  auto held = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(held);

  ASSERT_NO_FATAL_FAILURE(ternctl({"realm", "set", kRealm, "total-quota=1"}));
  allocate_within(bob_, is_486, "bob refused: alice holds the only allocation (486)");
  // Released: below the quota again.
  ASSERT_TRUE(IsSuccess(held->refresh(0)));
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), bob_)));

  auto again = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(again);
  EXPECT_TRUE(is_486(allocate_once(udp(), bob_)));
  ASSERT_NO_FATAL_FAILURE(ternctl({"realm", "set", kRealm, "total-quota=0"}));
  allocate_within(bob_, is_success, "bob allowed with the total quota back at 0");
}

TEST_F(RealmSqliteTest, FlagUserQuota_AppliesWhenTheStoreHasNone_StoreWinsWhileSet) {
  ASSERT_NO_FATAL_FAILURE(start_ternd({"--user-quota", "1"}));
  auto held = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(held);
  EXPECT_TRUE(is_486(allocate_once(udp(), alice_))) << "--user-quota 1 with no store value";

  ASSERT_NO_FATAL_FAILURE(ternctl({"realm", "set", kRealm, "user-quota=2"}));
  allocate_within(alice_, is_success, "the store's user-quota=2 over --user-quota 1");

  ASSERT_NO_FATAL_FAILURE(ternctl({"realm", "set", kRealm, "user-quota=0"}));
  allocate_within(alice_, is_486, "--user-quota 1 back once the store's is 0");
}

TEST_F(RealmSqliteTest, PeerDenied_NewPermissionIs403_AndAnExistingOnesTrafficStops) {
  ASSERT_NO_FATAL_FAILURE(start_ternd());  // --allow-loopback-peers, relay IP 127.0.0.1
  // Not the relay IP, whose own rule would let it pass whatever the ranges say.
  auto p = peer(TransportAddress::v4({127, 0, 0, 2}, 0));
  auto client = allocated(Transport::Udp, IpVersion::V4);
  auto probe = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(p && client && probe);
  ASSERT_TRUE(IsSuccess(client->channel_bind(0x4000, p->address())));
  ASSERT_TRUE(RelaysBothWays(*client, *p, "before the denial"));

  ASSERT_NO_FATAL_FAILURE(ternctl({"peer", "deny", "127.0.0.2"}));
  // The probe's own permission, if an attempt before the reload made one, goes too.
  const bool probe_had_one =
      permission_within(*probe, p->address(), is_403, "CreatePermission for 127.0.0.2 refused") > 0;
  EXPECT_TRUE(IsError(probe->channel_bind(0x4001, p->address()), 403));

  // The permission made before the denial goes with the allocation's next packet, in
  // either direction and through the channel too.
  ASSERT_TRUE(client->send_indication(p->address(), payload("after the denial")));
  ASSERT_TRUE(client->send_channel_data(0x4000, payload("channel after the denial")));
  EXPECT_TRUE(p->silent_for(500ms)) << "data reached a denied peer";
  ASSERT_TRUE(p->send_to(client->relayed().front(), payload("from a denied peer")));
  EXPECT_FALSE(client->receive_data(500ms)) << "a denied peer's data reached the client";

  // Deleting the denial opens the peer again, to new permissions.
  ASSERT_NO_FATAL_FAILURE(ternctl({"peer", "delete", "denied", "127.0.0.2"}));
  permission_within(*client, p->address(), is_success, "CreatePermission allowed again");
  EXPECT_TRUE(RelaysBothWays(*client, *p, "after the denial was deleted"));

  auto counters = stop_and_count();
  EXPECT_EQ(counters["permissions_revoked"], probe_had_one ? 2u : 1u);
}

TEST_F(RealmSqliteTest, PeerAllowed_OpensADefaultDeniedRange_UntilDeleted) {
  ASSERT_NO_FATAL_FAILURE(start_ternd());
  auto client = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(client);
  const TransportAddress private_peer = TransportAddress::v4({10, 1, 2, 3}, 5000);
  EXPECT_TRUE(IsError(client->create_permission({private_peer}), 403)) << "RFC 1918 by default";

  ASSERT_NO_FATAL_FAILURE(ternctl({"peer", "allow", "10.0.0.0/8"}));
  permission_within(*client, private_peer, is_success, "CreatePermission for 10.1.2.3 allowed");
  EXPECT_TRUE(IsSuccess(client->channel_bind(0x4000, private_peer)));
  EXPECT_TRUE(
      IsError(client->create_permission({TransportAddress::v4({192, 168, 1, 1}, 5000)}), 403))
      << "only the range allowed";

  ASSERT_NO_FATAL_FAILURE(ternctl({"peer", "delete", "allowed", "10.0.0.0/8"}));
  permission_within(*client, private_peer, is_403, "CreatePermission for 10.1.2.3 refused again");
}

TEST_F(RealmSqliteTest, MaxBpsSetWhileRunning_CapsAnExistingAllocation_0Lifts) {
  ASSERT_NO_FATAL_FAILURE(start_ternd());
  auto client = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(client && p);
  ASSERT_TRUE(IsSuccess(client->channel_bind(0x4000, p->address())));
  const Burst paced{.gap = 2ms};
  // Whole without a cap. A 100 KB burst nearly fills the peer socket's default buffer,
  // which overflows when its reader waits for a core on a loaded machine: a few tries.
  BurstResult before;
  ASSERT_TRUE(poll_until(
                  [&] {
                    before = burst_to_peer(*client, 0x4000, *p, paced);
                    return before.received_bytes == before.sent_bytes;
                  },
                  kPropagation)
                  .reached)
      << "lost without a cap: " << before.received_bytes << " of " << before.sent_bytes;

  ASSERT_NO_FATAL_FAILURE(ternctl({"realm", "set", kRealm, "max-bps=20000"}));
  BurstResult capped;
  const Waited w = poll_until(
      [&] {
        capped = burst_to_peer(*client, 0x4000, *p, Burst{});
        return capped.received_bytes < capped.sent_bytes;
      },
      kPropagation + 1s);
  std::cout << "[ realm  ] capped after " << w.elapsed.count() << " ms: " << capped.received_bytes
            << " of " << capped.sent_bytes << " bytes in " << capped.send_time.count() << " ms\n";
  ASSERT_TRUE(w.reached) << "max-bps=20000 never capped the allocation\n" << ternd().diagnostics();
  EXPECT_GT(capped.received_bytes, 0u);

  ASSERT_NO_FATAL_FAILURE(ternctl({"realm", "set", kRealm, "max-bps=0"}));
  BurstResult lifted;
  EXPECT_TRUE(poll_until(
                  [&] {
                    lifted = burst_to_peer(*client, 0x4000, *p, paced);
                    return lifted.received_bytes == lifted.sent_bytes;
                  },
                  kPropagation + 1s)
                  .reached)
      << "still capped: " << lifted.received_bytes << " of " << lifted.sent_bytes;
}

}  // namespace
}  // namespace tern::test

// The sqlite store (--userdb) changed with ternctl while ternd runs: REST secrets added,
// rotated and deleted, long-term users added and deleted. Every change must reach new
// Allocates within 2 s (ternd reloads the file every second), and an allocation made
// before a change keeps relaying through it.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "tests/support/credential_probes.h"
#include "tests/support/rest_mint.h"
#include "tests/support/sqlite_store_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// The reload runs every second, so a change shows within about 2 s (each wait prints how
// long it took). The bound is slack for a loaded CI machine, where ternctl, sqlite and
// ternd's loop all wait for a core: a bound near the cadence would measure the machine.
constexpr auto kPropagation = 10s;

class CredentialsSqliteTest : public TurnSqliteStoreTest {
 protected:
  // Fails unless a fresh Allocate with `credentials` comes to `wanted` within the bound.
  void expect_within(const TurnCredentials& credentials,
                     const std::function<bool(const TurnResult&)>& wanted, const char* what) {
    const Polled p = poll_allocate(udp(), credentials, wanted, kPropagation);
    std::cout << "[ sqlite ] " << what << " after " << p.elapsed.count() << " ms\n";
    EXPECT_TRUE(p.reached) << what << " not seen within "
                           << std::chrono::milliseconds(kPropagation).count()
                           << " ms; last outcome: "
                           << (p.last ? p.last->describe() : p.last.error()) << "\n"
                           << ternd().diagnostics();
  }
};

TEST_F(CredentialsSqliteTest,
       SecretRotation_NewSecretsReachNewAllocations_AndAnOldAllocationKeepsRelaying) {
  ASSERT_NO_FATAL_FAILURE(start_ternd({"--use-auth-secret"}));
  const int64_t expiry = unix_now() + 3600;
  // Same username under both secrets: what an application server hands a returning user.
  const TurnCredentials s1 = rest_credentials("sqlite-s1", expiry, "alice");
  const TurnCredentials s2 = rest_credentials("sqlite-s2", expiry, "alice");
  ASSERT_TRUE(IsError(allocate_once(udp(), s1), 401)) << "S1 works before it was added";

  // Phase 1: S1 added while ternd runs.
  ASSERT_NO_FATAL_FAILURE(ternctl({"secret", "add", "sqlite-s1"}));
  expect_within(s1, is_success, "S1 credential allocates");
  auto a = allocated(Transport::Udp, IpVersion::V4, {}, s1);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(a && p);
  ASSERT_TRUE(IsSuccess(a->create_permission({p->address()})));
  EXPECT_TRUE(RelaysBothWays(*a, *p, "made with S1"));

  // Phase 2: S2 added; both secrets valid, the S1 allocation refreshes and relays.
  ASSERT_NO_FATAL_FAILURE(ternctl({"secret", "add", "sqlite-s2"}));
  expect_within(s2, is_success, "S2 credential allocates");
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), s1))) << "S1 must stay valid beside S2";
  EXPECT_TRUE(IsSuccess(a->refresh(600)));
  EXPECT_TRUE(RelaysBothWays(*a, *p, "S1 and S2 both valid"));

  // Phase 3: S1 deleted; new S1 allocations are refused, S2 keeps working.
  ASSERT_NO_FATAL_FAILURE(ternctl({"secret", "delete", "sqlite-s1"}));
  expect_within(s1, is_401, "S1 credential refused");
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), s2)));

  // The allocation made with S1 is not torn down: data is not re-authenticated (RFC 8656
  // authenticates requests, not Send indications or peer data), so it relays until its
  // lifetime ends.
  EXPECT_TRUE(RelaysBothWays(*a, *p, "after S1 was deleted"));
  // A Refresh is a request and RFC 8656 §5 says every request is authenticated against
  // the credentials valid now: with S1 revoked, its key no longer verifies, so the
  // allocation cannot be extended with it. Anything else would let a revoked secret keep
  // a relay alive for as long as the username's expiry allows.
  EXPECT_TRUE(IsError(a->refresh(600), 401));
  EXPECT_TRUE(RelaysBothWays(*a, *p, "after the refused Refresh"));
  // The same username with the current secret's password still owns it (no 441): the way
  // a client with a re-minted credential keeps its relay.
  a->set_credentials(s2);
  EXPECT_TRUE(IsSuccess(a->refresh(600)));
  EXPECT_TRUE(RelaysBothWays(*a, *p, "refreshed with S2"));
}

TEST_F(CredentialsSqliteTest, UserAddedWithTernctl_Allocates_AndIs401OnceDeleted) {
  ASSERT_NO_FATAL_FAILURE(start_ternd());
  TurnCredentials carol{.username = "carol", .password = "carols-password"};
  ASSERT_TRUE(IsError(allocate_once(udp(), carol), 401)) << "carol works before she was added";

  ASSERT_NO_FATAL_FAILURE(ternctl({"user", "add", "carol", "--password", "carols-password"}));
  expect_within(carol, is_success, "carol allocates");
  EXPECT_TRUE(IsError(allocate_once(udp(), {.username = "carol", .password = "wrong"}), 401));
  auto a = allocated(Transport::Udp, IpVersion::V4, {}, carol);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(a && p);
  ASSERT_TRUE(IsSuccess(a->create_permission({p->address()})));

  ASSERT_NO_FATAL_FAILURE(ternctl({"user", "delete", "carol"}));
  expect_within(carol, is_401, "carol refused");
  EXPECT_TRUE(RelaysBothWays(*a, *p, "carol's allocation after her deletion"));
}

}  // namespace
}  // namespace tern::test

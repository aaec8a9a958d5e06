#include "server/shared/realm_state.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/base/test_addresses.h"
#include "tests/server/shared/peer_policies.h"

namespace tern {
namespace {

using test::allowing;
using test::ip;

TEST(RealmState, Publish_GivesTheNextGeneration_WithTheNewContent) {
  RealmState state(allowing(nullptr), 0);
  EXPECT_EQ(state.generation(), 1u);
  EXPECT_EQ(state.snapshot()->policy.check_ip(ip("10.0.0.1")), PeerVerdict::Denied);
  state.publish(allowing("10.0.0.0/8"), 5000);
  EXPECT_EQ(state.generation(), 2u);
  const auto s = state.snapshot();
  EXPECT_EQ(s->generation, 2u);
  EXPECT_EQ(s->max_bps, 5000u);
  EXPECT_EQ(s->policy.check_ip(ip("10.0.0.1")), PeerVerdict::Allowed);
}

TEST(RealmState, OldSnapshot_StaysWholeWhileHeld) {
  RealmState state(allowing("10.0.0.0/8"), 100);
  const auto held = state.snapshot();
  state.publish(allowing(nullptr), 200);
  EXPECT_EQ(held->generation, 1u);
  EXPECT_EQ(held->max_bps, 100u);
  EXPECT_EQ(held->policy.check_ip(ip("10.0.0.1")), PeerVerdict::Allowed);
}

TEST(RealmView, KeepsItsSnapshotUntilAPublish_ThenTakesTheNewOne) {
  RealmState state(allowing(nullptr), 0);
  RealmView view;
  const RealmSnapshot* first = &view.current(state);
  EXPECT_EQ(&view.current(state), first);  // no change: the same cached snapshot
  state.publish(allowing(nullptr), 7);
  const RealmSnapshot& next = view.current(state);
  EXPECT_NE(&next, first);
  EXPECT_EQ(next.generation, 2u);
  EXPECT_EQ(next.max_bps, 7u);
}

}  // namespace
}  // namespace tern

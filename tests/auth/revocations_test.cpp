#include "auth/revocations.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace tern::auth {
namespace {

using Source = Revocations::Source;

std::optional<RevocationKind> kind(std::string_view name, char separator = ':') {
  auto k = revocation_kind(name, separator);
  if (!k) return std::nullopt;
  return *k;
}

TEST(RevocationKind, RestUsernamesAndUserIds_AreTold) {
  EXPECT_EQ(kind("1700000000:alice"), RevocationKind::RestUsername);
  EXPECT_EQ(kind("1700000000"), RevocationKind::RestUsername);
  EXPECT_EQ(kind("alice:1700000000"), RevocationKind::RestUsername);
  EXPECT_EQ(kind("alice"), RevocationKind::UserId);
  EXPECT_EQ(kind("alice", '-'), RevocationKind::UserId);
}

TEST(RevocationKind, UnknownForms_AreRefusedWithAReason) {
  for (const char* bad : {"", "alice:bob", "17x:alice", ":", "al\nice"}) {
    const auto kind = revocation_kind(bad);
    ASSERT_FALSE(kind) << bad;
    EXPECT_FALSE(kind.error().empty());
  }
  EXPECT_NE(revocation_kind("alice:bob").error().find("not a REST username"), std::string::npos);
  EXPECT_FALSE(revocation_kind(std::string(600, 'a')));
}

TEST(RestUserId, IsThePartBesideTheExpiry) {
  EXPECT_EQ(rest_user_id("1700000000:alice"), "alice");
  EXPECT_EQ(rest_user_id("alice:1700000000"), "alice");
  EXPECT_EQ(rest_user_id("1700000000:a:b"), "a:b");
  EXPECT_EQ(rest_user_id("1700000000"), "");
  EXPECT_EQ(rest_user_id("alice"), "");
  EXPECT_EQ(rest_user_id("alice:bob"), "");
}

TEST(RevocationSet, RestUsername_IsRevokedThroughItsExpiry_OthersAreNot) {
  const RevocationSet set({{"2000:alice", 2000}});
  EXPECT_TRUE(set.revoked("2000:alice", 1000));
  EXPECT_TRUE(set.revoked("2000:alice", 2000));
  EXPECT_FALSE(set.revoked("2000:alice", 2001));
  EXPECT_FALSE(set.revoked("3000:alice", 1000)) << "another credential of the same user";
  EXPECT_FALSE(set.revoked("2000:bob", 1000));
}

TEST(RevocationSet, UserId_CoversEveryRestUsernameOfIt_InEitherOrder) {
  const RevocationSet set({{"alice", 5000}});
  EXPECT_TRUE(set.revoked("2000:alice", 1000));
  EXPECT_TRUE(set.revoked("alice:2000", 1000));
  EXPECT_TRUE(set.revoked("alice", 1000)) << "a long-term user of that name too";
  EXPECT_FALSE(set.revoked("2000:alicea", 1000));
  EXPECT_FALSE(set.revoked("2000:bob", 1000));
  EXPECT_FALSE(set.revoked("2000:alice", 5001));
  const RevocationSet dashed({{"alice", 5000}});
  EXPECT_TRUE(dashed.revoked("2000-alice", 1000, '-'));
}

TEST(RevocationSet, NameListedTwice_KeepsTheLaterExpiry) {
  const RevocationSet set({{"alice", 5000}, {"alice", 3000}});
  EXPECT_EQ(set.size(), 1u);
  EXPECT_TRUE(set.revoked("alice", 4000));
}

TEST(Revocations, Empty_RevokesNothing) {
  const Revocations r;
  EXPECT_FALSE(r.revoked("2000:alice", 1000));
}

TEST(Revocations, Set_SaysWhenARevocationIsNew_NotWhenItIsReadAgain) {
  Revocations r;
  EXPECT_TRUE(r.set(Source::Sqlite, {{"2000:alice", 2000}}, 1000));
  EXPECT_TRUE(r.revoked("2000:alice", 1000));
  EXPECT_FALSE(r.set(Source::Sqlite, {{"2000:alice", 2000}}, 1001));
  // Pushed first, then read from the store: nothing new the second time.
  EXPECT_TRUE(r.add(Source::RedisPush, {"bob", 3000}, 1002));
  EXPECT_FALSE(r.set(Source::RedisStore, {{"bob", 3000}}, 1003));
  EXPECT_TRUE(r.revoked("2000:bob", 1003));
  // Dropped by one source, still said by another.
  EXPECT_FALSE(r.set(Source::Sqlite, {}, 1004));
  EXPECT_FALSE(r.revoked("2000:alice", 1004));
  EXPECT_TRUE(r.revoked("2000:bob", 1004));
}

TEST(Revocations, LapsedRevocations_AreDropped_AndNewOnesAreNotNewOnceLapsed) {
  Revocations r;
  EXPECT_TRUE(r.add(Source::RedisPush, {"bob", 3000}, 1000));
  EXPECT_FALSE(r.set(Source::Sqlite, {{"old", 500}}, 1000)) << "lapsed before it was read";
  EXPECT_FALSE(r.set(Source::Sqlite, {}, 3001));
  EXPECT_EQ(r.snapshot()->size(), 0u);
  EXPECT_FALSE(r.revoked("bob", 3001));
}

}  // namespace
}  // namespace tern::auth

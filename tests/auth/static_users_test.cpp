#include "auth/static_users.h"

#include <gtest/gtest.h>

namespace tern::auth {
namespace {

Key key_of(const StaticUsers& users, std::string_view name, PasswordAlgorithm algorithm) {
  CandidateKeys out;
  EXPECT_TRUE(users.lookup(name, "realm", algorithm, 0, out));
  EXPECT_EQ(out.size(), 1u);
  return out.empty() ? Key() : out.keys()[0];
}

TEST(StaticUsers, NamePassword_StoresBothKeys) {
  StaticUsers users("realm");
  ASSERT_TRUE(users.add("user:pass"));
  EXPECT_EQ(key_of(users, "user", PasswordAlgorithm::Md5),
            *derive_key(PasswordAlgorithm::Md5, "user", "realm", "pass"));
  EXPECT_EQ(key_of(users, "user", PasswordAlgorithm::Sha256),
            *derive_key(PasswordAlgorithm::Sha256, "user", "realm", "pass"));
}

TEST(StaticUsers, HexKeyForm_IsTheMd5KeyItself) {
  StaticUsers users("realm");
  ASSERT_TRUE(users.add("user:0x8493FBC53BA582FB4C044C456BDC40EB"));
  EXPECT_EQ(key_of(users, "user", PasswordAlgorithm::Md5),
            *derive_key(PasswordAlgorithm::Md5, "user", "realm", "pass"));
}

TEST(StaticUsers, HexKeyForm_HasNoSha256Key) {
  StaticUsers users("realm");
  ASSERT_TRUE(users.add("user:0x8493fbc53ba582fb4c044c456bdc40eb"));
  CandidateKeys out;
  EXPECT_FALSE(users.lookup("user", "realm", PasswordAlgorithm::Sha256, 0, out));
  EXPECT_TRUE(out.empty());
}

TEST(StaticUsers, PasswordMayContainColons) {
  StaticUsers users("realm");
  const auto name = users.add("user:a:b:c");
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "user");
  EXPECT_EQ(key_of(users, "user", PasswordAlgorithm::Md5),
            *derive_key(PasswordAlgorithm::Md5, "user", "realm", "a:b:c"));
}

TEST(StaticUsers, BadSpecs_AreRejectedWithTheReason) {
  StaticUsers users("realm");
  EXPECT_EQ(users.add("nocolon").error(), UserSpecError::MissingColon);
  EXPECT_EQ(users.add(":pass").error(), UserSpecError::EmptyName);
  EXPECT_EQ(users.add("u:0x1234").error(), UserSpecError::BadHexKey);
  EXPECT_EQ(users.add("u:0x8493fbc53ba582fb4c044c456bdc40eg").error(), UserSpecError::BadHexKey);
  EXPECT_EQ(users.add("u:bad\x01").error(), UserSpecError::PasswordRejected);
  EXPECT_EQ(users.size(), 0u);
  EXPECT_STRNE(to_string(UserSpecError::BadHexKey), "");
}

TEST(StaticUsers, UnknownUserOrOtherRealm_FindsNothing) {
  StaticUsers users("realm");
  ASSERT_TRUE(users.add("user:pass"));
  CandidateKeys out;
  EXPECT_FALSE(users.lookup("nobody", "realm", PasswordAlgorithm::Md5, 0, out));
  EXPECT_FALSE(users.lookup("user", "other", PasswordAlgorithm::Md5, 0, out));
  EXPECT_FALSE(users.lookup("use", "realm", PasswordAlgorithm::Md5, 0, out));
  EXPECT_TRUE(out.empty());
}

TEST(StaticUsers, SameNameTwice_LastWins) {
  StaticUsers users("realm");
  ASSERT_TRUE(users.add("user:old"));
  ASSERT_TRUE(users.add("user:new"));
  EXPECT_EQ(users.size(), 1u);
  EXPECT_EQ(key_of(users, "user", PasswordAlgorithm::Md5),
            *derive_key(PasswordAlgorithm::Md5, "user", "realm", "new"));
}

TEST(StaticUsers, Userhash_FindsTheUserInItsRealmOnly) {
  StaticUsers users("example.org");
  ASSERT_TRUE(users.add("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9:TheMatrIX"));
  EXPECT_TRUE(users.supports_userhash());
  const auto hash = userhash("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", "example.org");
  EXPECT_EQ(users.username_for_userhash(hash, "example.org"),
            "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9");
  EXPECT_FALSE(users.username_for_userhash(hash, "other.org"));
  EXPECT_FALSE(users.username_for_userhash(userhash("x", "example.org"), "example.org"));
}

}  // namespace
}  // namespace tern::auth

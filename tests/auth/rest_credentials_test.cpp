#include "auth/rest_credentials.h"

#include <gtest/gtest.h>

#include <thread>

namespace tern::auth {
namespace {

TEST(RestPassword, DraftVector) {
  EXPECT_EQ(rest_password("crypt1c", "1256900400"), "uEKlpcME7MNMMVRV8rUFPCTIFEs=");
}

TEST(RestExpiry, ExpiryFirst) {
  EXPECT_EQ(rest_expiry("1700000000:alice"), 1700000000);
  EXPECT_EQ(rest_expiry("1700000000"), 1700000000);
  EXPECT_EQ(rest_expiry("1700000000:"), 1700000000);
  EXPECT_EQ(rest_expiry("1700000000:a:b"), 1700000000);
}

TEST(RestExpiry, ExpiryLast_OnlyWhenAllowed) {
  EXPECT_FALSE(rest_expiry("alice:1700000000"));
  EXPECT_EQ(rest_expiry("alice:1700000000", ':', ExpiryPosition::FirstOrLast), 1700000000);
  EXPECT_EQ(rest_expiry("1700000000:alice", ':', ExpiryPosition::FirstOrLast), 1700000000);
  EXPECT_FALSE(rest_expiry("alice", ':', ExpiryPosition::FirstOrLast));
  EXPECT_FALSE(rest_expiry("alice:", ':', ExpiryPosition::FirstOrLast));
}

TEST(RestExpiry, OtherSeparator) {
  EXPECT_EQ(rest_expiry("1700000000-alice", '-'), 1700000000);
  EXPECT_FALSE(rest_expiry("1700000000-alice", ':'));
}

TEST(RestExpiry, NotPlainDigits_IsNoExpiry) {
  EXPECT_FALSE(rest_expiry(""));
  EXPECT_FALSE(rest_expiry(":alice"));
  EXPECT_FALSE(rest_expiry("-1700000000:alice"));
  EXPECT_FALSE(rest_expiry("+1700000000:alice"));
  EXPECT_FALSE(rest_expiry(" 1700000000:alice"));
  EXPECT_FALSE(rest_expiry("17000x0000:alice"));
  EXPECT_FALSE(rest_expiry("99999999999999999999:alice"));  // overflows int64
}

constexpr int64_t kNow = 1'700'000'000;

Key expected_key(std::string_view secret, std::string_view username,
                 PasswordAlgorithm algorithm = PasswordAlgorithm::Md5) {
  return *derive_key(algorithm, username, "realm", rest_password(secret, username));
}

TEST(RestSecrets, UnexpiredUsername_GetsTheKeyOfTheSecret) {
  RestSecrets rest("realm");
  rest.set_secrets({"s3cret"});
  CandidateKeys out;
  ASSERT_TRUE(rest.lookup("1700000100:alice", "realm", PasswordAlgorithm::Sha256, kNow, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.keys()[0], expected_key("s3cret", "1700000100:alice", PasswordAlgorithm::Sha256));
}

TEST(RestSecrets, ValidUntilTheExpirySecond) {
  RestSecrets rest("realm");
  rest.set_secrets({"s"});
  CandidateKeys out;
  EXPECT_TRUE(rest.lookup("1700000000:alice", "realm", PasswordAlgorithm::Md5, kNow, out));
  out.clear();
  EXPECT_FALSE(rest.lookup("1699999999:alice", "realm", PasswordAlgorithm::Md5, kNow, out));
  EXPECT_TRUE(out.empty());
}

TEST(RestSecrets, NoExpiryOrOtherRealmOrNoSecrets_FindsNothing) {
  RestSecrets rest("realm");
  CandidateKeys out;
  EXPECT_FALSE(rest.lookup("1700000100:alice", "realm", PasswordAlgorithm::Md5, kNow, out));
  rest.set_secrets({"s"});
  EXPECT_FALSE(rest.lookup("alice", "realm", PasswordAlgorithm::Md5, kNow, out));
  EXPECT_FALSE(rest.lookup("1700000100:alice", "other", PasswordAlgorithm::Md5, kNow, out));
  EXPECT_TRUE(out.empty());
}

TEST(RestSecrets, SeveralSecrets_GiveOneKeyEachForRotation) {
  RestSecrets rest("realm");
  rest.set_secrets({"new", "old"});
  CandidateKeys out;
  ASSERT_TRUE(rest.lookup("1700000100", "realm", PasswordAlgorithm::Md5, kNow, out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out.keys()[0], expected_key("new", "1700000100"));
  EXPECT_EQ(out.keys()[1], expected_key("old", "1700000100"));
}

TEST(RestSecrets, MoreSecretsThanCapacity_OnlyTheFirstAreTried) {
  RestSecrets rest("realm");
  rest.set_secrets(std::vector<std::string>(CandidateKeys::kCapacity + 3, "s"));
  CandidateKeys out;
  EXPECT_TRUE(rest.lookup("1700000100", "realm", PasswordAlgorithm::Md5, kNow, out));
  EXPECT_EQ(out.size(), CandidateKeys::kCapacity);
}

TEST(RestSecrets, ExpiryLastForm_WhenConfigured) {
  RestSecrets rest("realm", ':', ExpiryPosition::FirstOrLast);
  rest.set_secrets({"s"});
  CandidateKeys out;
  EXPECT_TRUE(rest.lookup("alice:1700000100", "realm", PasswordAlgorithm::Md5, kNow, out));
}

TEST(RestSecrets, SetSecrets_ReplacesTheList) {
  RestSecrets rest("realm");
  rest.set_secrets({"a"});
  const auto before = rest.secrets();
  rest.set_secrets({"b", "c"});
  EXPECT_EQ(*before, std::vector<std::string>{"a"});  // a reader's snapshot stays whole
  EXPECT_EQ(*rest.secrets(), (std::vector<std::string>{"b", "c"}));
}

TEST(RestSecrets, ConcurrentReplaceAndLookup_AlwaysSeeAWholeList) {
  RestSecrets rest("realm");
  rest.set_secrets({"a", "b"});
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i)
      rest.set_secrets(i % 2 ? std::vector<std::string>{"a", "b"}
                             : std::vector<std::string>{"c", "d"});
    stop = true;
  });
  const Key a = expected_key("a", "1700000100"), c = expected_key("c", "1700000100");
  while (!stop) {
    CandidateKeys out;
    ASSERT_TRUE(rest.lookup("1700000100", "realm", PasswordAlgorithm::Md5, kNow, out));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_TRUE(out.keys()[0] == a || out.keys()[0] == c);
  }
  writer.join();
}

}  // namespace
}  // namespace tern::auth

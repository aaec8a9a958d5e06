#include "auth/rest_credentials.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

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
  std::atomic<int> lookups{0};
  // Replacements go on until the lookups have overlapped them many times (bounded): a
  // reader that was never scheduled meanwhile would prove nothing.
  std::thread writer([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int i = 0; i < 2000 || (lookups < 200 && std::chrono::steady_clock::now() < deadline);
         ++i) {
      rest.set_secrets(i % 2 ? std::vector<std::string>{"a", "b"}
                             : std::vector<std::string>{"c", "d"});
    }
    stop = true;
  });
  const Key a = expected_key("a", "1700000100"), c = expected_key("c", "1700000100");
  int wrong = 0;
  while (!stop) {
    CandidateKeys out;
    const bool found = rest.lookup("1700000100", "realm", PasswordAlgorithm::Md5, kNow, out);
    wrong += !found || out.size() != 2u || !(out.keys()[0] == a || out.keys()[0] == c);
    ++lookups;
  }
  writer.join();
  EXPECT_GE(lookups, 200);
  EXPECT_EQ(wrong, 0);
}

TEST(RestPasswordMaker, DraftVector) {
  RestPasswordMaker maker("crypt1c");
  EXPECT_EQ(maker.password("1256900400"), "uEKlpcME7MNMMVRV8rUFPCTIFEs=");
}

TEST(RestPasswordMaker, ManyUsernames_SameAsRestPassword) {
  for (std::string_view secret : {"", "s", "crypt1c",
                                  "a secret longer than one sixty-four byte "
                                  "SHA-1 block, which HMAC hashes first"}) {
    RestPasswordMaker maker(secret);
    for (std::string_view user : {"1700000000", "1700000000:alice", "",
                                  "1700000000:a user name long enough to need two blocks"}) {
      EXPECT_EQ(maker.password(user), rest_password(secret, user)) << secret << " " << user;
    }
  }
}

std::vector<Key> keys_of(const CandidateKeys& c) {
  return {c.keys().begin(), c.keys().end()};
}

TEST(RestSecretsContext, Lookup_SameKeysAsWithout) {
  RestSecrets rest("realm");
  rest.set_secrets({"new", "old", "older"});
  RestSecretsContext ctx;
  for (auto algorithm : {PasswordAlgorithm::Md5, PasswordAlgorithm::Sha256}) {
    for (std::string_view user : {"1700000100", "1700000100:alice", "1700000200:bob"}) {
      CandidateKeys plain, with_ctx;
      ASSERT_TRUE(rest.lookup(user, "realm", algorithm, kNow, plain));
      ASSERT_TRUE(rest.lookup(user, "realm", algorithm, kNow, with_ctx, ctx));
      EXPECT_EQ(keys_of(with_ctx), keys_of(plain)) << user;
      EXPECT_EQ(with_ctx.size(), 3u);
    }
  }
  CandidateKeys out;
  EXPECT_FALSE(rest.lookup("1699999999:alice", "realm", PasswordAlgorithm::Md5, kNow, out, ctx));
  EXPECT_FALSE(rest.lookup("1700000100:alice", "other", PasswordAlgorithm::Md5, kNow, out, ctx));
}

TEST(RestSecretsContext, FollowsSetSecrets) {
  RestSecrets rest("realm");
  rest.set_secrets({"a"});
  RestSecretsContext ctx;
  CandidateKeys out;
  ASSERT_TRUE(rest.lookup("1700000100", "realm", PasswordAlgorithm::Md5, kNow, out, ctx));
  EXPECT_EQ(out.keys()[0], expected_key("a", "1700000100"));
  rest.set_secrets({"b", "a"});
  out.clear();
  ASSERT_TRUE(rest.lookup("1700000100", "realm", PasswordAlgorithm::Md5, kNow, out, ctx));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out.keys()[0], expected_key("b", "1700000100"));
  EXPECT_EQ(out.keys()[1], expected_key("a", "1700000100"));
  rest.set_secrets({});
  out.clear();
  EXPECT_FALSE(rest.lookup("1700000100", "realm", PasswordAlgorithm::Md5, kNow, out, ctx));
}

TEST(RestSecretsContext, MoreSecretsThanCapacity_OnlyTheFirstAreTried) {
  RestSecrets rest("realm");
  std::vector<std::string> secrets;
  for (size_t i = 0; i < CandidateKeys::kCapacity + 3; ++i) secrets.push_back(std::to_string(i));
  rest.set_secrets(secrets);
  RestSecretsContext ctx;
  CandidateKeys out;
  EXPECT_TRUE(rest.lookup("1700000100", "realm", PasswordAlgorithm::Md5, kNow, out, ctx));
  ASSERT_EQ(out.size(), CandidateKeys::kCapacity);
  EXPECT_EQ(out.keys().back(), expected_key(secrets[CandidateKeys::kCapacity - 1], "1700000100"));
  // With room for fewer (another source came first), fewer.
  out.clear();
  out.add(expected_key("other source", "x"));
  EXPECT_TRUE(rest.lookup("1700000100", "realm", PasswordAlgorithm::Md5, kNow, out, ctx));
  EXPECT_EQ(out.size(), CandidateKeys::kCapacity);
  EXPECT_EQ(out.keys()[1], expected_key("0", "1700000100"));
}

TEST(RestSecretsContext, OnePerReaderThread_WhileSecretsAreReplaced) {
  RestSecrets rest("realm");
  rest.set_secrets({"a", "b"});
  std::atomic<bool> stop{false};
  const Key a = expected_key("a", "1700000100"), c = expected_key("c", "1700000100");
  std::atomic<int> wrong{0};
  std::array<std::atomic<int>, 2> lookups{};
  std::vector<std::thread> readers;
  for (size_t r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      RestSecretsContext ctx;
      while (!stop) {
        CandidateKeys out;
        const bool found =
            rest.lookup("1700000100", "realm", PasswordAlgorithm::Md5, kNow, out, ctx);
        wrong += !found || out.size() != 2u || !(out.keys()[0] == a || out.keys()[0] == c);
        ++lookups[r];
      }
    });
  }
  // Replacements go on until each reader has looked up many times meanwhile (bounded).
  std::thread writer([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int i = 0; i < 500 || ((lookups[0] < 100 || lookups[1] < 100) &&
                                std::chrono::steady_clock::now() < deadline);
         ++i) {
      rest.set_secrets(i % 2 ? std::vector<std::string>{"a", "b"}
                             : std::vector<std::string>{"c", "d"});
    }
    stop = true;
  });
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_GE(lookups[0], 100);
  EXPECT_GE(lookups[1], 100);
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace tern::auth

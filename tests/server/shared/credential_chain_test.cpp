#include "server/shared/credential_chain.h"

#include <gtest/gtest.h>

#include "auth/lookup_scratch.h"
#include "auth/rest_credentials.h"
#include "auth/static_users.h"

namespace tern {
namespace {

using auth::CandidateKeys;
using auth::PasswordAlgorithm;

constexpr int64_t kNow = 1700000000;

CredentialChain chain_of_users_and_secrets(auth::RestSecrets** rest_out) {
  CredentialChain chain;
  auto users = std::make_unique<auth::StaticUsers>("r");
  EXPECT_TRUE(users->add("alice:pw"));
  chain.add(std::move(users));
  auto rest = std::make_unique<auth::RestSecrets>("r");
  rest->set_secrets({"s1", "s2"});
  *rest_out = rest.get();
  chain.add(std::move(rest));
  return chain;
}

TEST(CredentialChain, EverySourceAnswers_WithOrWithoutAWorkersScratch) {
  auth::RestSecrets* rest = nullptr;
  const CredentialChain chain = chain_of_users_and_secrets(&rest);
  auth::LookupScratch scratch;
  for (const bool with_scratch : {false, true}) {
    CandidateKeys user, minted, none;
    const auto lookup = [&](std::string_view name, CandidateKeys& out) {
      return with_scratch
                 ? chain.lookup_for_worker(name, "r", PasswordAlgorithm::Md5, kNow, out, scratch)
                 : chain.lookup(name, "r", PasswordAlgorithm::Md5, kNow, out);
    };
    EXPECT_TRUE(lookup("alice", user));
    EXPECT_EQ(user.size(), 1u);
    EXPECT_TRUE(lookup("1700000600:bob", minted));
    EXPECT_EQ(minted.size(), 2u);  // one key per secret
    EXPECT_FALSE(lookup("1600000000:expired", none));
  }
}

TEST(CredentialChain, LookupForWorker_HandsTheScratchToTheRestSecrets) {
  auth::RestSecrets* rest = nullptr;
  const CredentialChain chain = chain_of_users_and_secrets(&rest);
  auth::LookupScratch scratch;
  CandidateKeys out;
  ASSERT_TRUE(
      chain.lookup_for_worker("1700000600:bob", "r", PasswordAlgorithm::Md5, kNow, out, scratch));
  EXPECT_EQ(scratch.rest.ready(), 2u);
  // A rotation replaces the list; the scratch follows on the next lookup.
  rest->set_secrets({"s3"});
  out.clear();
  ASSERT_TRUE(
      chain.lookup_for_worker("1700000600:bob", "r", PasswordAlgorithm::Md5, kNow, out, scratch));
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(scratch.rest.ready(), 1u);
}

// Revoked is its own reason (tern_auth_failures_total{reason="revoked"}), not an expiry.
TEST(CredentialChain, RevokedUsername_IsKnownToNoSource_AndIsRevokedNotExpired) {
  auth::RestSecrets* rest = nullptr;
  CredentialChain chain = chain_of_users_and_secrets(&rest);
  auth::Revocations revoked;
  chain.set_revocations(&revoked);
  const std::string minted = std::to_string(kNow + 60) + ":bob";
  const std::string other = std::to_string(kNow + 60) + ":carol";
  auth::LookupScratch scratch;
  CandidateKeys before;
  EXPECT_TRUE(chain.lookup(minted, "r", PasswordAlgorithm::Md5, kNow, before));

  EXPECT_TRUE(revoked.set(auth::Revocations::Source::Sqlite,
                          {{minted, kNow + 60}, {"alice", kNow + 600}}, kNow));
  for (const auto& name : {minted, std::string("alice")}) {
    CandidateKeys a, b;
    EXPECT_FALSE(chain.lookup(name, "r", PasswordAlgorithm::Md5, kNow, a)) << name;
    EXPECT_FALSE(chain.lookup_for_worker(name, "r", PasswordAlgorithm::Md5, kNow, b, scratch))
        << name;
    EXPECT_TRUE(a.empty() && b.empty());
    EXPECT_TRUE(chain.is_revoked(name, kNow)) << name;
    EXPECT_FALSE(chain.is_expired(name, kNow)) << name;
  }
  CandidateKeys unaffected;
  EXPECT_TRUE(chain.lookup(other, "r", PasswordAlgorithm::Md5, kNow, unaffected));
  EXPECT_FALSE(chain.is_expired(other, kNow));
  EXPECT_FALSE(chain.is_revoked(other, kNow));
}

}  // namespace
}  // namespace tern

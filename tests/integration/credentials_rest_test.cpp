// TURN REST API credentials (--use-auth-secret, draft-uberti-behave-turn-rest) against a
// real ternd: minted credentials allocate, expired ones and foreign secrets get 401,
// several static secrets are valid at once, and `ternctl credential mint` hands out a
// username and password that work.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/credential_probes.h"
#include "tests/support/rest_mint.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternctl.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

constexpr char kSecret[] = "rest-secret-one";
constexpr char kOtherSecret[] = "rest-secret-two";

class CredentialsRestTest : public TurnTest {
 protected:
  void start_with_secrets(const std::vector<std::string>& secrets) {
    std::vector<std::string> extra{"--use-auth-secret"};
    for (const auto& s : secrets) extra.insert(extra.end(), {"--static-auth-secret", s});
    ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = extra}));
  }
  TransportAddress udp() const { return server(Transport::Udp, IpVersion::V4); }
};

// The test's own minting must be right before ternd is judged by it.
TEST(CredentialsRestMint, Password_MatchesTheDraftsVector) {
  EXPECT_EQ(rest_password("crypt1c", "1256900400"), "uEKlpcME7MNMMVRV8rUFPCTIFEs=");
}

TEST_F(CredentialsRestTest, MintedCredential_Allocates_AndTheSuccessIsSignedWithItsKey) {
  ASSERT_NO_FATAL_FAILURE(start_with_secrets({kSecret}));
  auto c =
      connect(Transport::Udp, IpVersion::V4, rest_credentials(kSecret, unix_now() + 600, "alice"));
  ASSERT_TRUE(c);
  auto r = c->allocate();
  ASSERT_TRUE(IsSuccess(r));
  EXPECT_EQ(r->integrity(), ResponseIntegrity::Sha1) << *r;
  EXPECT_TRUE(IsSuccess(c->refresh(0)));
}

TEST_F(CredentialsRestTest, ExpiredUsername_Is401_WhileAFreshOneFromTheSameSecretAllocates) {
  ASSERT_NO_FATAL_FAILURE(start_with_secrets({kSecret}));
  const int64_t now = unix_now();
  EXPECT_TRUE(IsError(allocate_once(udp(), rest_credentials(kSecret, now - 10, "alice")), 401));
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), rest_credentials(kSecret, now + 600, "alice"))));
}

TEST_F(CredentialsRestTest, CredentialFromASecretTheServerDoesNotHave_Is401) {
  ASSERT_NO_FATAL_FAILURE(start_with_secrets({kSecret}));
  EXPECT_TRUE(IsError(
      allocate_once(udp(), rest_credentials(kOtherSecret, unix_now() + 600, "alice")), 401));
}

TEST_F(CredentialsRestTest, TwoStaticSecrets_ACredentialMintedWithEitherAllocates) {
  ASSERT_NO_FATAL_FAILURE(start_with_secrets({kSecret, kOtherSecret}));
  const int64_t expiry = unix_now() + 600;
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), rest_credentials(kSecret, expiry, "alice"))));
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), rest_credentials(kOtherSecret, expiry, "alice"))));
  EXPECT_TRUE(IsError(allocate_once(udp(), rest_credentials("a-third-one", expiry, "alice")), 401));
}

TEST_F(CredentialsRestTest, TernctlMintJson_UsernameAndPasswordAllocate) {
  ASSERT_TRUE(std::filesystem::exists(ternctl_path()))
      << ternctl_path() << " missing: build the ternctl target";
  ASSERT_NO_FATAL_FAILURE(start_with_secrets({kSecret}));
  TempDir dir;
  const int64_t before = unix_now();
  const auto run = run_ternctl(
      {"credential", "mint", "--secret", kSecret, "--ttl", "600", "--user", "bob", "--json"},
      dir.path());
  const int64_t after = unix_now();
  ASSERT_TRUE(run.status.clean()) << run.status.describe() << "\n" << run.err;
  const auto username = json_string_member(run.out, "username");
  const auto password = json_string_member(run.out, "password");
  ASSERT_TRUE(username && password) << run.out;

  // "<now+600>:bob", the expiry counted from when ternctl ran.
  const auto colon = username->find(':');
  ASSERT_NE(colon, std::string::npos) << *username;
  EXPECT_EQ(username->substr(colon + 1), "bob");
  const int64_t expiry = std::stoll(username->substr(0, colon));
  EXPECT_GE(expiry, before + 600) << *username;
  EXPECT_LE(expiry, after + 600) << *username;

  TurnCredentials minted;
  minted.username = *username;
  minted.password = *password;
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), minted))) << run.out;
}

}  // namespace
}  // namespace tern::test

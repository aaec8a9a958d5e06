// `ternctl credential mint`: TURN REST API credentials a browser can use.
#include <gtest/gtest.h>

#include <ctime>
#include <regex>
#include <string>

#include "auth/rest_credentials.h"
#include "tests/admin/ternctl_fixture.h"

namespace tern::admin {
namespace {

using TernctlMint = Ternctl;

// username, password and expiry of a plain mint.
struct Minted {
  std::string username, password;
  int64_t expiry = 0;
};

std::optional<Minted> parse_plain(const std::string& out) {
  std::smatch m;
  if (!std::regex_match(out, m,
                        std::regex("username: (([0-9]+)[^\n]*)\npassword: ([A-Za-z0-9+/=]+)\n"
                                   "expires:  [0-9T:-]+Z\n"))) {
    return std::nullopt;
  }
  return Minted{m[1], m[3], std::stoll(m[2])};
}

TEST_F(TernctlMint, WithSecret_PasswordIsTheRestHmac_ExpiryIsNowPlusTtl) {
  const auto before = std::time(nullptr);
  const auto run =
      ternctl({"credential", "mint", "--secret", "north-wind", "--ttl", "3600", "--user", "alice"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto minted = parse_plain(run.out);
  ASSERT_TRUE(minted) << run.out;
  EXPECT_GE(minted->expiry, before + 3600);
  EXPECT_LE(minted->expiry, std::time(nullptr) + 3600);
  EXPECT_EQ(minted->username, std::to_string(minted->expiry) + ":alice");
  EXPECT_EQ(minted->password, auth::rest_password("north-wind", minted->username));
}

TEST_F(TernctlMint, WithoutUser_UsernameIsTheExpiryAlone_DefaultTtlADay) {
  const auto run = ternctl({"credential", "mint", "--secret", "s"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto minted = parse_plain(run.out);
  ASSERT_TRUE(minted) << run.out;
  EXPECT_EQ(minted->username, std::to_string(minted->expiry));
  EXPECT_NEAR(static_cast<double>(minted->expiry), static_cast<double>(std::time(nullptr) + 86400),
              5);
  EXPECT_EQ(minted->password, auth::rest_password("s", minted->username));
}

TEST_F(TernctlMint, Json_HasIceServersWithEveryUrl) {
  const auto run = ternctl({"credential", "mint", "--secret", "s", "--user", "bob", "--ttl", "60",
                            "--json", "--url", "turn:relay.example.org:3478", "--url",
                            "turns:relay.example.org:5349?transport=tcp"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto v = JsonValue::parse(run.out);
  ASSERT_TRUE(v) << run.out;
  const std::string username = *v->member("username")->string();
  const std::string password = *v->member("password")->string();
  EXPECT_TRUE(std::regex_match(username, std::regex("[0-9]+:bob")));
  EXPECT_EQ(password, auth::rest_password("s", username));
  EXPECT_EQ(v->integer("ttl"), 60);
  const auto* servers = v->member("iceServers");
  ASSERT_TRUE(servers && servers->array() && servers->array()->size() == 1u) << run.out;
  const auto& server = (*servers->array())[0];
  ASSERT_TRUE(server.member("urls")->array());
  ASSERT_EQ(server.member("urls")->array()->size(), 2u);
  EXPECT_EQ(*(*server.member("urls")->array())[1].string(),
            "turns:relay.example.org:5349?transport=tcp");
  EXPECT_EQ(*server.member("username")->string(), username);
  EXPECT_EQ(*server.member("credential")->string(), password);

  const auto bare =
      JsonValue::parse(ternctl({"credential", "mint", "--secret", "s", "--json"}).out);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->member("iceServers"), nullptr) << "no --url, no iceServers entry";
}

TEST_F(TernctlMint, FromStore_SignsWithTheRealmsNewestSecret) {
  {
    auto store = auth::SqliteStore::open(db());
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->add_secret("x", "old", 1000));
    ASSERT_TRUE(store->add_secret("x", "new", 2000));
  }
  const auto run = ternctl(with_db({"credential", "mint", "--user", "u"}));
  ASSERT_EQ(run.code, 0) << run.err;
  const auto minted = parse_plain(run.out);
  ASSERT_TRUE(minted) << run.out;
  EXPECT_EQ(minted->password, auth::rest_password("new", minted->username));
}

TEST_F(TernctlMint, FromStore_WithoutSecret_Exits1) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "a", "--password", "p", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"credential", "mint"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err,
            "ternctl: realm x has no secret; add one with ternctl secret add, or give --secret\n");
  EXPECT_EQ(run.out, "");
}

TEST_F(TernctlMint, BadInput_Exits2) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--secret", "s", "--ttl", "0"},
           {"--secret", "s", "--ttl", "-5"},
           {"--secret", "s", "--ttl", "soon"},
           {"--secret", "s", "--ttl", "999999999999"},
           {"--secret", ""},
           {"--secret", "s", "--url", "http://example.org"},
       }) {
    std::vector<std::string> full = {"credential", "mint"};
    full.insert(full.end(), args.begin(), args.end());
    const auto run = ternctl(full);
    EXPECT_EQ(run.code, 2) << ::testing::PrintToString(args) << run.err;
    EXPECT_TRUE(one_line(run.err)) << run.err;
    EXPECT_EQ(run.out, "");
  }
}

}  // namespace
}  // namespace tern::admin

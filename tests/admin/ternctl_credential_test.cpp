// `ternctl credential mint`: TURN REST API credentials a browser can use; `credential
// revoke` and `list-revoked`: one revoked before it expires.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <ctime>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "auth/rest_credentials.h"
#include "tests/admin/ternctl_fixture.h"

namespace tern::admin {
namespace {

using TernctlMint = Ternctl;

// username, password and expiry of a plain mint.
struct Minted {
  std::string username, password;
  int64_t expiry = 0;
  std::vector<std::string> urls;
};

std::optional<Minted> parse_plain(const std::string& out) {
  std::smatch m;
  if (!std::regex_match(out, m,
                        std::regex("username: (([0-9]+)[^\n]*)\npassword: ([A-Za-z0-9+/=]+)\n"
                                   "expires:  [0-9T:-]+Z\n"
                                   "urls:     ([^\n]+)\n((?:          [^\n]+\n)*)"))) {
    return std::nullopt;
  }
  Minted minted{m[1], m[3], std::stoll(m[2]), {m[4]}};
  const std::string more = m[5];
  for (size_t at = 0; at < more.size();) {
    const size_t end = more.find('\n', at);
    minted.urls.push_back(more.substr(at + 10, end - at - 10));
    at = end + 1;
  }
  return minted;
}

// The RTCIceServer list of a --json mint, checked against the shape browsers take:
// [{"urls": [strings], "username": string, "credential": string}] and nothing else.
struct IceServer {
  std::vector<std::string> urls;
  std::string username, credential;
};

std::optional<IceServer> only_ice_server(const JsonValue& minted) {
  const JsonValue* servers = minted.member("iceServers");
  if (!servers || !servers->array() || servers->array()->size() != 1) return std::nullopt;
  const JsonValue& server = servers->array()->front();
  if (!server.object() || server.object()->size() != 3) return std::nullopt;
  const JsonValue* urls = server.member("urls");
  const JsonValue* username = server.member("username");
  const JsonValue* credential = server.member("credential");
  if (!urls || !urls->array() || !username || !username->string() || !credential ||
      !credential->string()) {
    return std::nullopt;
  }
  IceServer out{{}, *username->string(), *credential->string()};
  for (const auto& u : *urls->array()) {
    if (!u.string()) return std::nullopt;
    out.urls.push_back(*u.string());
  }
  return out;
}

std::string host_name() {
  std::array<char, 256> name{};
  EXPECT_EQ(::gethostname(name.data(), name.size() - 1), 0);
  return name.data();
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

TEST_F(TernctlMint, Json_WithUrls_IceServersHasExactlyThoseUrls) {
  const auto run = ternctl({"credential", "mint", "--secret", "s", "--user", "bob", "--ttl", "60",
                            "--json", "--url", "turn:relay.example.org:3478", "--url",
                            "turns:relay.example.org:5349?transport=tcp"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_TRUE(one_line(run.out)) << run.out;
  const auto v = JsonValue::parse(run.out);
  ASSERT_TRUE(v) << run.out;
  const std::string username = *v->member("username")->string();
  const std::string password = *v->member("password")->string();
  EXPECT_TRUE(std::regex_match(username, std::regex("[0-9]+:bob")));
  EXPECT_EQ(password, auth::rest_password("s", username));
  EXPECT_EQ(v->integer("ttl"), 60);
  const auto server = only_ice_server(*v);
  ASSERT_TRUE(server) << run.out;
  EXPECT_EQ(server->urls, (std::vector<std::string>{"turn:relay.example.org:3478",
                                                    "turns:relay.example.org:5349?transport=tcp"}));
  EXPECT_EQ(server->username, username);
  EXPECT_EQ(server->credential, password);
}

TEST_F(TernctlMint, Json_WithoutUrl_IceServersHasTheDefaultUrlsOfHost) {
  const auto run = ternctl({"credential", "mint", "--secret", "s", "--user", "alice", "--json",
                            "--host", "turn.example.org"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto v = JsonValue::parse(run.out);
  ASSERT_TRUE(v) << run.out;
  const auto server = only_ice_server(*v);
  ASSERT_TRUE(server) << run.out;
  EXPECT_EQ(server->urls, (std::vector<std::string>{"turn:turn.example.org:3478?transport=udp",
                                                    "turn:turn.example.org:3478?transport=tcp",
                                                    "turns:turn.example.org:5349?transport=tcp"}));
  EXPECT_EQ(server->username, v->text("username"));
  EXPECT_EQ(server->credential, auth::rest_password("s", server->username));
}

TEST_F(TernctlMint, Json_WithoutUrlOrHost_UsesThisMachinesName) {
  const auto run = ternctl({"credential", "mint", "--secret", "s", "--json"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto v = JsonValue::parse(run.out);
  ASSERT_TRUE(v) << run.out;
  const auto server = only_ice_server(*v);
  ASSERT_TRUE(server) << run.out;
  ASSERT_EQ(server->urls.size(), 3u);
  EXPECT_EQ(server->urls[0], "turn:" + host_name() + ":3478?transport=udp");
}

TEST_F(TernctlMint, Ipv6Host_IsBracketedInTheUrls) {
  const auto run =
      ternctl({"credential", "mint", "--secret", "s", "--json", "--host", "2001:db8::1"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto v = JsonValue::parse(run.out);
  ASSERT_TRUE(v) << run.out;
  const auto server = only_ice_server(*v);
  ASSERT_TRUE(server) << run.out;
  EXPECT_EQ(server->urls.at(2), "turns:[2001:db8::1]:5349?transport=tcp");
}

TEST_F(TernctlMint, PlainText_ListsTheUrls) {
  const auto run = ternctl({"credential", "mint", "--secret", "s", "--host", "turn.example.org"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto minted = parse_plain(run.out);
  ASSERT_TRUE(minted) << run.out;
  EXPECT_EQ(minted->urls, (std::vector<std::string>{"turn:turn.example.org:3478?transport=udp",
                                                    "turn:turn.example.org:3478?transport=tcp",
                                                    "turns:turn.example.org:5349?transport=tcp"}));
  const auto given = parse_plain(
      ternctl({"credential", "mint", "--secret", "s", "--url", "stun:stun.example.org"}).out);
  ASSERT_TRUE(given);
  EXPECT_EQ(given->urls, std::vector<std::string>{"stun:stun.example.org"});
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
           {"--secret", "s", "--host", ""},
           {"--secret", "s", "--host", "a b"},
           {"--secret", "s", "--host", "evil.org/x?y"},
           {"--secret", "s", "--host", "h", "--url", "turn:h:3478"},
       }) {
    std::vector<std::string> full = {"credential", "mint"};
    full.insert(full.end(), args.begin(), args.end());
    const auto run = ternctl(full);
    EXPECT_EQ(run.code, 2) << ::testing::PrintToString(args) << run.err;
    EXPECT_TRUE(one_line(run.err)) << run.err;
    EXPECT_EQ(run.out, "");
  }
}

// ---- credential revoke / list-revoked -------------------------------------------------

using TernctlRevoke = Ternctl;

TEST_F(TernctlRevoke, RestUsernameAndUserId_AreListedUntilTheirExpiry) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "a", "--password", "p", "--realm", "x"})).code, 0);
  const int64_t expiry = static_cast<int64_t>(std::time(nullptr)) + 3600;
  const std::string name = std::to_string(expiry) + ":mallory";
  const auto rest = ternctl(with_db({"credential", "revoke", name}));
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_NE(rest.out.find("revoked " + name + " in realm x until "), std::string::npos) << rest.out;
  const auto id = ternctl(with_db({"credential", "revoke", "eve", "--ttl", "600", "--json"}));
  ASSERT_EQ(id.code, 0) << id.err;
  const auto revoked = JsonValue::parse(id.out);
  ASSERT_TRUE(revoked) << id.out;
  const int64_t eve_until = revoked->integer("expiry");
  EXPECT_NEAR(static_cast<double>(eve_until), static_cast<double>(std::time(nullptr) + 600), 60);

  const auto list = ternctl(with_db({"credential", "list-revoked", "--json"}));
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(list.out, fmt::format(R"({{"realm":"x","revoked":[{{"name":"{}","expiry":{}}},)"
                                  R"({{"name":"eve","expiry":{}}}]}})"
                                  "\n",
                                  name, expiry, eve_until));
}

TEST_F(TernctlRevoke, AlreadyExpired_Exits1_NothingStored) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "a", "--password", "p", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"credential", "revoke", "1000:mallory"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find("expired at 1970-01-01"), std::string::npos) << run.err;
  const auto list = ternctl(with_db({"credential", "list-revoked", "--json"}));
  EXPECT_EQ(list.out, "{\"realm\":\"x\",\"revoked\":[]}\n");
}

TEST_F(TernctlRevoke, BadInput_Exits2_OnOneLine) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"credential", "revoke", "a:b"},
           {"credential", "revoke", ""},
           {"credential", "revoke", "12x:alice"},
           {"credential", "revoke", "alice", "--ttl", "0"},
           {"credential", "revoke"},
       }) {
    const auto run = ternctl(with_db(args));
    EXPECT_EQ(run.code, 2) << ::testing::PrintToString(args) << run.err;
    EXPECT_TRUE(one_line(run.err)) << run.err;
  }
  const auto no_store = ternctl({"credential", "revoke", "alice"});
  EXPECT_EQ(no_store.code, 2);
  EXPECT_NE(no_store.err.find("--userdb FILE"), std::string::npos) << no_store.err;
}

}  // namespace
}  // namespace tern::admin

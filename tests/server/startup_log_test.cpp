#include "server/startup_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/base/test_addresses.h"

namespace tern {
namespace {

using test::ip;

ExternalAddresses external(const std::vector<std::string>& entries,
                           const std::vector<TransportAddress>& relays) {
  auto e = ExternalAddresses::parse(entries, relays);
  EXPECT_TRUE(e.ok());
  return e.ok() ? std::move(*e) : ExternalAddresses{};
}

bool any_holds(const std::vector<std::string>& lines, std::string_view part) {
  for (const auto& l : lines) {
    if (l.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(StartupWarnings, APrivateRelayAddressWithoutExternalIp_IsWarned_AndOneWithIt_IsNot) {
  const std::vector<TransportAddress> relays = {ip("10.1.2.3"), ip("fd00::5")};
  Config config;
  const auto none = external({}, relays);
  const auto warnings = startup_warnings(config, {relays, none, 0});
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("relay address 10.1.2.3 is private and no external-ip maps it"),
            std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[1].find("relay address fd00::5 is private"), std::string::npos);

  const auto mapped = external({"203.0.113.5/10.1.2.3"}, relays);
  const auto fewer = startup_warnings(config, {relays, mapped, 0});
  ASSERT_EQ(fewer.size(), 1u);
  EXPECT_NE(fewer[0].find("fd00::5"), std::string::npos);
}

TEST(StartupWarnings, PublicAndLoopbackRelayAddresses_AreNotWarned) {
  const std::vector<TransportAddress> relays = {ip("192.0.2.20"), ip("127.0.0.1"), ip("::1")};
  const auto none = external({}, relays);
  EXPECT_TRUE(startup_warnings(Config{}, {relays, none, 0}).empty());
}

TEST(StartupWarnings, AllowLoopbackPeers_IsWarned) {
  Config config;
  config.allow_loopback_peers = true;
  const auto none = external({}, {});
  EXPECT_TRUE(any_holds(startup_warnings(config, {{}, none, 0}), "allow-loopback-peers is on"));
}

TEST(StartupWarnings, UseAuthSecretWithoutASecret_IsWarned_UnlessRedisMayBringThem) {
  Config config;
  config.use_auth_secret = true;
  const auto none = external({}, {});
  EXPECT_TRUE(
      any_holds(startup_warnings(config, {{}, none, 0}), "use-auth-secret without any secret"));
  EXPECT_TRUE(startup_warnings(config, {{}, none, 1}).empty());
  config.redis_userdb = "ip=127.0.0.1";
  EXPECT_TRUE(startup_warnings(config, {{}, none, 0}).empty());
}

TEST(CredentialSources, NamesEachSourceOrNone) {
  const auto none = external({}, {});
  EXPECT_EQ(credential_sources(Config{}, {{}, none, 0}), "none");
  Config config;
  config.users = {"a:1", "b:2"};
  config.userdb = "/var/lib/tern/turndb";
  config.use_auth_secret = true;
  EXPECT_EQ(credential_sources(config, {{}, none, 3}),
            "2 users (user), userdb /var/lib/tern/turndb, REST secrets (3)");
}

}  // namespace
}  // namespace tern

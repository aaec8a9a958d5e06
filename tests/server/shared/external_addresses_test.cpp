// --external-ip: which relay address a public one stands for, both ways.
#include "server/shared/external_addresses.h"
#include "tests/base/test_addresses.h"

#include <gtest/gtest.h>

namespace tern {
namespace {

using test::ip;

TEST(ExternalAddresses, BarePublic_MapsTheRelayIpOfItsFamily) {
  auto e = ExternalAddresses::parse({"203.0.113.7"}, {ip("10.0.0.5"), ip("fd00::5")});
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->advertised(ip("10.0.0.5", 50000)), ip("203.0.113.7", 50000));
  EXPECT_EQ(e->actual(ip("203.0.113.7", 50000)), ip("10.0.0.5", 50000));
  EXPECT_EQ(e->advertised(ip("fd00::5", 50000)), ip("fd00::5", 50000));  // not mapped
}

TEST(ExternalAddresses, PublicSlashPrivate_MapsThatPrivateIp) {
  auto e = ExternalAddresses::parse({"203.0.113.7/10.0.0.5", "203.0.113.8/10.0.0.6"},
                                    {ip("10.0.0.5"), ip("10.0.0.6")});
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->advertised(ip("10.0.0.6", 50001)), ip("203.0.113.8", 50001));
  EXPECT_EQ(e->actual(ip("203.0.113.7", 50002)), ip("10.0.0.5", 50002));
}

TEST(ExternalAddresses, BarePublic_WithSeveralRelayIpsOfItsFamily_IsRefused) {
  auto e = ExternalAddresses::parse({"203.0.113.7"}, {ip("10.0.0.5"), ip("10.0.0.6")});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("several relay addresses of this family; write PUBLIC/PRIVATE"),
            std::string::npos)
      << e.error();
}

TEST(ExternalAddresses, BarePublic_WithoutARelayIpOfItsFamily_IsRefused) {
  auto e = ExternalAddresses::parse({"2001:db8::7"}, {ip("10.0.0.5")});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("no relay address of the same family"), std::string::npos) << e.error();
}

TEST(ExternalAddresses, FamiliesMustMatch) {
  EXPECT_FALSE(ExternalAddresses::parse({"203.0.113.7/fd00::5"}, {ip("fd00::5")}));
}

}  // namespace
}  // namespace tern

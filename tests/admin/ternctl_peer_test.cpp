// `ternctl peer allow|deny|delete|list`: peer address ranges in the sqlite store.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/admin/ternctl_fixture.h"

namespace tern::admin {
namespace {

using TernctlPeer = Ternctl;

TEST_F(TernctlPeer, AllowAndDeny_AreListedByRealmAndList) {
  auto allow = ternctl(with_db({"peer", "allow", "10.0.0.0/8", "--realm", "x"}));
  EXPECT_EQ(allow.code, 0) << allow.err;
  EXPECT_EQ(allow.out, "added allowed peer range 10.0.0.0/8 in realm x\n");
  EXPECT_EQ(ternctl(with_db({"peer", "deny", " 192.0.2.1-192.0.2.9 ", "--realm", "x"})).code, 0);
  EXPECT_EQ(ternctl(with_db({"peer", "allow", "2001:db8::/32", "--realm", "y"})).code, 0);
  EXPECT_EQ(ternctl(with_db({"peer", "list"})).out,
            "x\tallowed\t10.0.0.0/8\nx\tdenied\t192.0.2.1-192.0.2.9\ny\tallowed\t2001:db8::/32\n");
  EXPECT_EQ(ternctl(with_db({"peer", "list", "--realm", "y"})).out, "y\tallowed\t2001:db8::/32\n");
  const auto json = ternctl(with_db({"peer", "list", "--json", "--realm", "x"}));
  const auto v = JsonValue::parse(json.out);
  ASSERT_TRUE(v && v->array()) << json.out;
  ASSERT_EQ(v->array()->size(), 2u);
  EXPECT_EQ(*(*v->array())[1].member("list")->string(), "denied");
  EXPECT_EQ(*(*v->array())[1].member("range")->string(), "192.0.2.1-192.0.2.9");
}

TEST_F(TernctlPeer, Duplicate_Exits1) {
  ASSERT_EQ(ternctl(with_db({"peer", "allow", "10.1.2.3", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"peer", "allow", "10.1.2.3", "--realm", "x"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err, "ternctl: realm x already has allowed-peer-ip 10.1.2.3\n");
  // The same range may be in the other list.
  EXPECT_EQ(ternctl(with_db({"peer", "deny", "10.1.2.3", "--realm", "x"})).code, 0);
}

TEST_F(TernctlPeer, BadRange_Exits2AndWritesNothing) {
  for (const std::string range :
       {"", "10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/-1", "::1/129", "300.1.1.1", "1.2.3.9-1.2.3.1",
        "1.2.3.4-::1", "example.org", "10.0.0.0/8/8", "1.2.3.4-"}) {
    const auto run = ternctl(with_db({"peer", "allow", range, "--realm", "x"}));
    EXPECT_EQ(run.code, 2) << range << ": " << run.err;
    EXPECT_TRUE(one_line(run.err)) << run.err;
  }
  EXPECT_EQ(ternctl(with_db({"peer", "allow", "10.0.0.1/8", "--realm", "x"})).err,
            "ternctl: \"10.0.0.1/8\": bits are set past the /8 prefix\n");
  EXPECT_FALSE(std::filesystem::exists(db()));
}

TEST_F(TernctlPeer, Delete_RemovesFromTheNamedListOnly) {
  ASSERT_EQ(ternctl(with_db({"peer", "allow", "10.0.0.0/8", "--realm", "x"})).code, 0);
  ASSERT_EQ(ternctl(with_db({"peer", "deny", "10.0.0.0/8", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"peer", "delete", "denied", "10.0.0.0/8"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "deleted denied peer range 10.0.0.0/8 in realm x\n");
  EXPECT_EQ(ternctl(with_db({"peer", "list"})).out, "x\tallowed\t10.0.0.0/8\n");

  const auto again = ternctl(with_db({"peer", "delete", "denied", "10.0.0.0/8"}));
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "ternctl: realm x has no denied-peer-ip 10.0.0.0/8\n");
  EXPECT_EQ(ternctl(with_db({"peer", "delete", "neither", "10.0.0.0/8"})).code, 2);
}

}  // namespace
}  // namespace tern::admin

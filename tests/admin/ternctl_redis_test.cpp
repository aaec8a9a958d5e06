// The store commands with --redis-userdb, against a real redis-server: the same commands,
// outputs and failures as with the sqlite --userdb.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "auth/redis_store.h"
#include "auth/rest_credentials.h"
#include "tests/admin/ternctl_fixture.h"
#include "tests/support/redis_server.h"

namespace tern::admin {
namespace {

class TernctlRedis : public Ternctl {
 protected:
  void SetUp() override {
    std::string error;
    redis_ = test::RedisServer::start({}, error);
    if (!redis_) GTEST_SKIP() << "no redis-server: " << error;
  }

  std::vector<std::string> with_redis(std::vector<std::string> args) const {
    args.insert(args.end(), {"--redis-userdb", redis_->connection_string()});
    return args;
  }

  std::unique_ptr<test::RedisServer> redis_;
};

TEST_F(TernctlRedis, Users_AddListDelete) {
  const auto add = ternctl(with_redis({"user", "add", "alice", "--password", "p", "--realm", "x"}));
  EXPECT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(add.out, "added user alice in realm x\n");
  EXPECT_EQ(ternctl(with_redis({"user", "list"})).out, "x\talice\n");
  const auto duplicate =
      ternctl(with_redis({"user", "add", "alice", "--password", "q", "--realm", "x"}));
  EXPECT_EQ(duplicate.code, 1);
  EXPECT_TRUE(one_line(duplicate.err)) << duplicate.err;
  EXPECT_EQ(ternctl(with_redis({"user", "delete", "alice"})).code, 0);
  EXPECT_EQ(ternctl(with_redis({"user", "delete", "alice", "--realm", "x"})).code, 1);
}

TEST_F(TernctlRedis, Secrets_AddListDelete_AndMintSignsWithTheNewest) {
  ASSERT_EQ(ternctl(with_redis({"secret", "add", "s1", "--realm", "x"})).code, 0);
  const auto list = ternctl(with_redis({"secret", "list", "--json"}));
  ASSERT_EQ(list.code, 0) << list.err;
  const auto v = JsonValue::parse(list.out);
  ASSERT_TRUE(v && v->array() && v->array()->size() == 1u) << list.out;
  EXPECT_EQ(*(*v->array())[0].member("value")->string(), "s1");

  const auto mint = ternctl(with_redis({"credential", "mint", "--user", "u", "--json"}));
  ASSERT_EQ(mint.code, 0) << mint.err;
  const auto m = JsonValue::parse(mint.out);
  ASSERT_TRUE(m) << mint.out;
  EXPECT_EQ(*m->member("password")->string(),
            auth::rest_password("s1", *m->member("username")->string()));

  EXPECT_EQ(ternctl(with_redis({"secret", "delete", "s1"})).code, 0);
  EXPECT_EQ(ternctl(with_redis({"secret", "delete", "s1", "--realm", "x"})).code, 1);
}

TEST_F(TernctlRedis, RealmOptions_SetAndShow) {
  ASSERT_EQ(ternctl(with_redis({"realm", "set", "x", "user-quota=2", "max-bps=500"})).code, 0);
  EXPECT_EQ(ternctl(with_redis({"realm", "show", "x"})).out,
            "realm x: user-quota=2 total-quota=0 max-bps=500\n");
  EXPECT_EQ(ternctl(with_redis({"realm", "set", "x", "nope=1"})).code, 2);
}

TEST_F(TernctlRedis, PeerRanges_AllowDenyListDelete) {
  ASSERT_EQ(ternctl(with_redis({"peer", "allow", "10.0.0.0/8", "--realm", "x"})).code, 0);
  ASSERT_EQ(ternctl(with_redis({"peer", "deny", "10.9.0.0/16", "--realm", "x"})).code, 0);
  EXPECT_EQ(ternctl(with_redis({"peer", "list"})).out,
            "x\tallowed\t10.0.0.0/8\nx\tdenied\t10.9.0.0/16\n");
  // coturn's own keys, so a coturn reading the same Redis sees them too.
  EXPECT_EQ(redis_->call({"SMEMBERS", "turn/realm/x/allowed-peer-ip"}), "10.0.0.0/8");
  const auto duplicate = ternctl(with_redis({"peer", "allow", "10.0.0.0/8", "--realm", "x"}));
  EXPECT_EQ(duplicate.code, 1);
  EXPECT_EQ(duplicate.err, "ternctl: realm x already has allowed-peer-ip 10.0.0.0/8\n");
  EXPECT_EQ(ternctl(with_redis({"peer", "delete", "allowed", "10.0.0.0/8"})).code, 0);
  EXPECT_EQ(ternctl(with_redis({"peer", "list"})).out, "x\tdenied\t10.9.0.0/16\n");
}

TEST_F(TernctlRedis, BothStoresGiven_IsAUsageError) {
  const auto run = ternctl(with_redis(with_db({"user", "list"})));
  EXPECT_EQ(run.code, 2);
  EXPECT_TRUE(one_line(run.err)) << run.err;
}

TEST_F(TernctlRedis, UnreachableRedis_Exits1NamingIt) {
  const std::string conn = redis_->connection_string();
  redis_->stop();
  const auto run = ternctl({"user", "list", "--redis-userdb", conn});
  EXPECT_EQ(run.code, 1);
  EXPECT_TRUE(one_line(run.err)) << run.err;
  EXPECT_NE(run.err.find("redis 127.0.0.1:"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace tern::admin

// The Redis credential store, admin side (auth/redis_store.h), against a real redis-server.
// What it writes is read back with redis-cli, as coturn would see it.
#include "auth/redis_store.h"

#include <gtest/gtest.h>

#include "auth/crypto.h"
#include "auth/redis_keys.h"
#include "tests/support/redis_sentinels.h"
#include "tests/support/redis_server.h"

namespace tern::auth {
namespace {

using Kind = StoreError::Kind;
using PeerList = RedisStore::PeerList;
using test::RedisServer;

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    redis_ = RedisServer::start({}, error);
    ASSERT_NE(redis_, nullptr) << error;
    auto store = RedisStore::connect(redis_->connection_string());
    ASSERT_TRUE(store) << store.error().message;
    store_.emplace(std::move(*store));
  }

  // Writes as another client would: coturn, or an operator (redis-cli itself where the
  // test is about that; it costs a process per command).
  std::string redis(const std::vector<std::string>& args) { return redis_->call(args); }
  std::string redis_cli(const std::vector<std::string>& args) { return redis_->cli_out(args); }

  std::unique_ptr<RedisServer> redis_;
  std::optional<RedisStore> store_;
};

template <typename T>
StoreError error_of(const Result<T, StoreError>& r) {
  EXPECT_FALSE(r);
  return r ? StoreError{} : r.error();
}

std::string md5_hex(const std::string& user_realm_password) {
  return redis_keys::to_hex(md5(as_bytes(user_realm_password)));
}

// ---- connecting ----------------------------------------------------------------------

TEST_F(RedisStoreTest, Connect_NothingListening_IsOpenErrorNamingTheServer) {
  const uint16_t port = redis_->port();
  ASSERT_TRUE(redis_->stop());
  const auto error = error_of(RedisStore::connect("ip=127.0.0.1 port=" + std::to_string(port)));
  EXPECT_EQ(error.kind, Kind::Open);
  EXPECT_EQ(error.message, "redis 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST(RedisStoreSentinelTest, Connect_ThroughSentinel_WritesToTheMasterItNames) {
  std::string error;
  auto set = test::RedisSentinels::start(error, false);
  ASSERT_TRUE(set) << error;
  auto store = RedisStore::connect(set->connection_string());
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE(store->add_secret("example.org", "s3cret", 0));
  EXPECT_EQ(set->first().call({"SMEMBERS", "turn/realm/example.org/secret"}), "s3cret");

  const auto error_of_unknown = error_of(RedisStore::connect(
      "sentinel=127.0.0.1:" + std::to_string(set->sentinel_ports()[0]) + " master=nobody"));
  EXPECT_EQ(error_of_unknown.kind, Kind::Open);
  EXPECT_NE(error_of_unknown.message.find("no sentinel named master nobody"), std::string::npos)
      << error_of_unknown.message;
}

TEST_F(RedisStoreTest, Connect_BadConnectionString_IsOpenError) {
  const auto error = error_of(RedisStore::connect("port=none"));
  EXPECT_EQ(error.kind, Kind::Open);
  EXPECT_EQ(error.message, "redis connection string: port is not a port number from 1 to 65535");
}

TEST_F(RedisStoreTest, Connect_DatabaseOutOfRange_SaysSelect) {
  const auto error = error_of(RedisStore::connect(redis_->connection_string() + " dbname=99999"));
  EXPECT_EQ(error.kind, Kind::Open);
  EXPECT_NE(error.message.find(": SELECT 99999 failed: ERR"), std::string::npos) << error.message;
}

TEST_F(RedisStoreTest, Connect_Dbname_WritesIntoThatDatabase) {
  auto store = RedisStore::connect(redis_->connection_string() + " dbname=3");
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE(store->add_secret("r", "s3", 1));
  EXPECT_EQ(redis_cli({"-n", "3", "SMEMBERS", "turn/realm/r/secret"}), "s3");
  EXPECT_EQ(redis_cli({"-n", "0", "EXISTS", "turn/realm/r/secret"}), "0");
}

TEST(RedisStorePassword, WrongPassword_IsAuthFailure_RightOneWorks) {
  std::string start_error;
  auto redis =
      RedisServer::start({.notify_keyspace_events = "", .password = "letmein"}, start_error);
  ASSERT_NE(redis, nullptr) << start_error;
  const std::string base = "ip=127.0.0.1 port=" + std::to_string(redis->port());
  const auto error = error_of(RedisStore::connect(base + " password=hunter2"));
  EXPECT_EQ(error.kind, Kind::Open);
  EXPECT_NE(error.message.find(": AUTH failed: WRONGPASS"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("hunter2"), std::string::npos) << "never print the password";
  auto store = RedisStore::connect(redis->connection_string());
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_TRUE(store->add_user("r", "alice", "pw"));
}

TEST_F(RedisStoreTest, ServerGone_IsDatabaseErrorNamingTheServer) {
  ASSERT_TRUE(redis_->stop());
  const auto error = error_of(store_->add_user("r", "alice", "pw"));
  EXPECT_EQ(error.kind, Kind::Database);
  EXPECT_TRUE(error.message.starts_with("redis 127.0.0.1:" + std::to_string(redis_->port()) + ": "))
      << error.message;
}

// ---- users ---------------------------------------------------------------------------

TEST_F(RedisStoreTest, AddUser_RedisCliReadsCoturnsHexMd5Key) {
  // RFC 8489 §9.2.2's check value: MD5("user:realm:pass").
  ASSERT_TRUE(store_->add_user("realm", "user", "pass"));
  EXPECT_EQ(redis_cli({"GET", "turn/realm/realm/user/user/key"}),
            "8493fbc53ba582fb4c044c456bdc40eb");
  ASSERT_TRUE(store_->add_user("north.gov", "alice", "hero"));
  EXPECT_EQ(redis_cli({"GET", "turn/realm/north.gov/user/alice/key"}),
            md5_hex("alice:north.gov:hero"));
}

TEST_F(RedisStoreTest, AddUser_WritesTernsSha256KeyBoundToTheMd5Key) {
  ASSERT_TRUE(store_->add_user("realm", "user", "pass"));
  const std::string sha256_hex = redis_keys::to_hex(sha256(as_bytes("user:realm:pass")));
  EXPECT_EQ(redis({"GET", "turn/realm/realm/user/user/sha256-key"}),
            sha256_hex + ":8493fbc53ba582fb4c044c456bdc40eb");
}

TEST_F(RedisStoreTest, AddUser_NamesAreStoredVerbatimNeverAsCommandText) {
  // Spaces, format directives and glob characters: each one argument, never formatted.
  for (std::string name : {"bob smith", "%s%s%n", "x*?[]"}) {
    ASSERT_TRUE(store_->add_user("r", name, "pw %s")) << name;
    EXPECT_EQ(redis({"GET", "turn/realm/r/user/" + name + "/key"}), md5_hex(name + ":r:pw %s"))
        << name;
  }
  EXPECT_EQ(redis({"DBSIZE"}), "6");  // three users, two keys each, nothing else
}

TEST_F(RedisStoreTest, AddUser_Twice_IsExists) {
  ASSERT_TRUE(store_->add_user("r", "alice", "pw"));
  const auto error = error_of(store_->add_user("r", "alice", "other"));
  EXPECT_EQ(error.kind, Kind::Exists);
  EXPECT_EQ(error.message, "user alice already exists in realm r");
  EXPECT_EQ(redis({"GET", "turn/realm/r/user/alice/key"}), md5_hex("alice:r:pw"));
  EXPECT_TRUE(store_->add_user("r2", "alice", "pw"));
}

TEST_F(RedisStoreTest, AddUser_CoturnClearPasswordUser_IsExists) {
  redis({"SET", "turn/realm/r/user/gorst/password", "hero"});
  EXPECT_EQ(error_of(store_->add_user("r", "gorst", "pw")).kind, Kind::Exists);
}

TEST_F(RedisStoreTest, AddUser_BadInput_IsInvalidInputAndWritesNothing) {
  EXPECT_EQ(error_of(store_->add_user("r", "alice", "")).message, "the password is empty");
  EXPECT_EQ(error_of(store_->add_user("a/b", "alice", "pw")).kind, Kind::InvalidInput);
  EXPECT_EQ(error_of(store_->add_user("r", "a\nb", "pw")).kind, Kind::InvalidInput);
  EXPECT_EQ(error_of(store_->add_user("r", "alice", "pw\x07")).kind, Kind::InvalidInput);
  EXPECT_EQ(redis({"DBSIZE"}), "0");
}

TEST_F(RedisStoreTest, DeleteUser_RemovesEveryKey_ThenNotFound) {
  ASSERT_TRUE(store_->add_user("r", "alice", "pw"));
  redis({"SET", "turn/realm/r/user/alice/password", "pw"});
  ASSERT_TRUE(store_->delete_user("r", "alice"));
  EXPECT_EQ(redis({"DBSIZE"}), "0");
  const auto error = error_of(store_->delete_user("r", "alice"));
  EXPECT_EQ(error.kind, Kind::NotFound);
  EXPECT_EQ(error.message, "no user alice in realm r");
}

TEST_F(RedisStoreTest, ListUsers_SortedAcrossRealms_IncludingUsersCoturnWrote) {
  ASSERT_TRUE(store_->add_user("r2", "zed", "pw"));
  ASSERT_TRUE(store_->add_user("r1", "bob", "pw"));
  redis({"SET", "turn/realm/r1/user/alice/key", md5_hex("alice:r1:pw")});  // turnadmin -a
  redis({"SET", "turn/realm/r1/user/carol/password", "pw"});               // coturn's older form
  redis({"SET", "turn/realm/r1/user/gone/sha256-key", std::string(64, 'a')});  // after turnadmin -d
  redis({"SET", "turn/realm/r1/secret-created", "x"});                         // not a user key

  const auto all = store_->list_users();
  ASSERT_TRUE(all) << all.error().message;
  const std::vector<UserRecord> expected = {
      {"r1", "alice", false}, {"r1", "bob", true}, {"r1", "carol", true}, {"r2", "zed", true}};
  EXPECT_EQ(*all, expected);
  const auto r2 = store_->list_users("r2");
  ASSERT_TRUE(r2);
  EXPECT_EQ(*r2, std::vector<UserRecord>({{"r2", "zed", true}}));
}

TEST_F(RedisStoreTest, ListUsers_RealmWithGlobCharacters_MatchesOnlyItself) {
  redis({"SET", "turn/realm/rx/user/alice/key", md5_hex("alice:rx:pw")});
  redis({"SET", "turn/realm/r*/user/bob/key", md5_hex("bob:r*:pw")});
  const auto users = store_->list_users("r*");
  ASSERT_TRUE(users);
  EXPECT_EQ(*users, std::vector<UserRecord>({{"r*", "bob", false}}));
}

// ---- secrets -------------------------------------------------------------------------

TEST_F(RedisStoreTest, Secrets_AreCoturnsSet_ListedNewestFirst) {
  ASSERT_TRUE(store_->add_secret("r", "old", 100));
  ASSERT_TRUE(store_->add_secret("r", "new", 200));
  redis({"SADD", "turn/realm/r/secret", "by-coturn"});
  ASSERT_TRUE(store_->add_secret("q", "other", 50));
  EXPECT_EQ(redis({"SISMEMBER", "turn/realm/r/secret", "new"}), "1");

  const auto r = store_->list_secrets("r");
  ASSERT_TRUE(r) << r.error().message;
  const std::vector<SecretRecord> expected = {
      {"r", "new", 200}, {"r", "old", 100}, {"r", "by-coturn", 0}};
  EXPECT_EQ(*r, expected);
  const auto all = store_->list_secrets();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ(all->front(), (SecretRecord{"q", "other", 50}));
}

TEST_F(RedisStoreTest, Secrets_DuplicateIsExists_MissingIsNotFound_EmptyIsInvalid) {
  ASSERT_TRUE(store_->add_secret("r", "s", 1));
  const auto exists = error_of(store_->add_secret("r", "s", 2));
  EXPECT_EQ(exists.kind, Kind::Exists);
  EXPECT_EQ(exists.message, "realm r already has that secret");
  EXPECT_EQ(error_of(store_->add_secret("r", "", 2)).kind, Kind::InvalidInput);
  ASSERT_TRUE(store_->delete_secret("r", "s"));
  EXPECT_EQ(redis({"EXISTS", "turn/realm/r/secret", "turn/realm/r/secret-created"}), "0");
  const auto missing = error_of(store_->delete_secret("r", "s"));
  EXPECT_EQ(missing.kind, Kind::NotFound);
  EXPECT_EQ(missing.message, "realm r has no such secret");
}

// ---- realm options, peer ranges, realms ----------------------------------------------

TEST_F(RedisStoreTest, RealmOptions_AreCoturnsKeys_ZeroDeletes) {
  ASSERT_TRUE(store_->set_realm_options("r", {10, 12000, 500000}));
  EXPECT_EQ(redis({"GET", "turn/realm/r/user-quota"}), "10");
  EXPECT_EQ(redis({"GET", "turn/realm/r/total-quota"}), "12000");
  EXPECT_EQ(redis({"GET", "turn/realm/r/max-bps"}), "500000");
  const auto read = store_->realm_options("r");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, (RealmOptions{10, 12000, 500000}));

  ASSERT_TRUE(store_->set_realm_options("r", {0, 5, 0}));
  EXPECT_EQ(redis({"EXISTS", "turn/realm/r/user-quota", "turn/realm/r/max-bps"}), "0");
  EXPECT_EQ(*store_->realm_options("r"), (RealmOptions{0, 5, 0}));
  EXPECT_EQ(*store_->realm_options("unset"), RealmOptions{});
}

TEST_F(RedisStoreTest, RealmOptions_HandWrittenNonNumber_IsDatabaseErrorNamingTheKey) {
  redis({"SET", "turn/realm/r/max-bps", "fast"});
  const auto error = error_of(store_->realm_options("r"));
  EXPECT_EQ(error.kind, Kind::Database);
  EXPECT_NE(error.message.find("turn/realm/r/max-bps is not a number"), std::string::npos);
}

TEST_F(RedisStoreTest, PeerRanges_AreCoturnsSets) {
  ASSERT_TRUE(store_->add_peer_range("r", PeerList::Allowed, "10.0.0.0/8"));
  ASSERT_TRUE(store_->add_peer_range("r", PeerList::Allowed, "172.17.13.200"));
  ASSERT_TRUE(store_->add_peer_range("r", PeerList::Denied, "123::45"));
  EXPECT_EQ(redis({"SISMEMBER", "turn/realm/r/allowed-peer-ip", "10.0.0.0/8"}), "1");
  EXPECT_EQ(redis({"SMEMBERS", "turn/realm/r/denied-peer-ip"}), "123::45");
  EXPECT_EQ(*store_->peer_ranges("r", PeerList::Allowed),
            std::vector<std::string>({"10.0.0.0/8", "172.17.13.200"}));

  EXPECT_EQ(error_of(store_->add_peer_range("r", PeerList::Denied, "123::45")).kind, Kind::Exists);
  EXPECT_EQ(error_of(store_->add_peer_range("r", PeerList::Denied, "1.2.3.4 5")).kind,
            Kind::InvalidInput);
  ASSERT_TRUE(store_->delete_peer_range("r", PeerList::Denied, "123::45"));
  const auto missing = error_of(store_->delete_peer_range("r", PeerList::Denied, "123::45"));
  EXPECT_EQ(missing.kind, Kind::NotFound);
  EXPECT_EQ(missing.message, "realm r has no denied-peer-ip 123::45");
}

TEST_F(RedisStoreTest, Realms_EveryRealmWithAnyKey) {
  ASSERT_TRUE(store_->add_user("b.org", "alice", "pw"));
  ASSERT_TRUE(store_->add_secret("a.org", "s", 1));
  ASSERT_TRUE(store_->set_realm_options("c.org", {1, 0, 0}));
  ASSERT_TRUE(store_->add_peer_range("d.org", PeerList::Allowed, "10.0.0.1"));
  redis({"SET", "turn/origin/https://x", "a.org"});
  const auto realms = store_->realms();
  ASSERT_TRUE(realms);
  EXPECT_EQ(*realms, std::vector<std::string>({"a.org", "b.org", "c.org", "d.org"}));
}

}  // namespace
}  // namespace tern::auth

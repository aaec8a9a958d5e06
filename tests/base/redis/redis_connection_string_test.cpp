// coturn's Redis connection string (base/redis/redis_connection_string.h).
#include "base/redis/redis_connection_string.h"

#include <gtest/gtest.h>

namespace tern {
namespace {

RedisConnectionConfig parse_ok(std::string_view text) {
  auto config = parse_redis_connection_string(text);
  EXPECT_TRUE(config) << text << ": " << (config ? "" : config.error());
  return config ? *config : RedisConnectionConfig{};
}

std::string parse_error(std::string_view text) {
  auto config = parse_redis_connection_string(text);
  EXPECT_FALSE(config) << text;
  return config ? "" : config.error();
}

TEST(RedisConnectionString, Empty_IsCoturnsDefaults) {
  const auto c = parse_ok("");
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 6379);
  EXPECT_EQ(c.db, 0u);
  EXPECT_EQ(c.user, "");
  EXPECT_EQ(c.password, "");
  EXPECT_EQ(c.connect_timeout, std::chrono::seconds(5));
}

TEST(RedisConnectionString, CoturnDocumentedExample_Parses) {
  const auto c = parse_ok("ip=127.0.0.1 dbname=2 password=turn connect_timeout=30");
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.db, 2u);
  EXPECT_EQ(c.password, "turn");
  EXPECT_EQ(c.connect_timeout, std::chrono::seconds(30));
}

TEST(RedisConnectionString, CoturnAliases_AndAclUser_Parse) {
  const auto c =
      parse_ok("  host=redis.internal  p=6390 database=7 username=turn pwd=x timeout=2 ");
  EXPECT_EQ(c.host, "redis.internal");
  EXPECT_EQ(c.port, 6390);
  EXPECT_EQ(c.db, 7u);
  EXPECT_EQ(c.user, "turn");
  EXPECT_EQ(c.password, "x");
  EXPECT_EQ(c.connect_timeout, std::chrono::seconds(2));
  EXPECT_EQ(parse_ok("hostaddr=::1 secret=y").password, "y");
}

TEST(RedisConnectionString, PasswordMayContainEqualsSigns) {
  EXPECT_EQ(parse_ok("password=a=b==").password, "a=b==");
}

TEST(RedisConnectionString, ZeroTimeout_MeansTheDefault) {
  EXPECT_EQ(parse_ok("connect_timeout=0").connect_timeout, std::chrono::seconds(5));
}

TEST(RedisConnectionString, UnknownKey_IsNamed) {
  const auto error = parse_error("ip=127.0.0.1 colour=blue");
  EXPECT_NE(error.find("unknown key \"colour\""), std::string::npos) << error;
}

TEST(RedisConnectionString, BadPort_IsRejected) {
  for (const char* text : {"port=abc", "port=0", "port=65536", "port=-1", "port=", "port=80x"}) {
    const auto error = parse_error(text);
    EXPECT_NE(error.find("port is not a port number"), std::string::npos) << text << ": " << error;
  }
  EXPECT_NE(parse_error("p=99999").find("p is not a port number"), std::string::npos);
}

TEST(RedisConnectionString, BadDbAndTimeout_AreRejected) {
  EXPECT_NE(parse_error("dbname=two").find("dbname is not a database number"), std::string::npos);
  EXPECT_NE(parse_error("connect_timeout=5s").find("connect_timeout is not a number"),
            std::string::npos);
  EXPECT_NE(parse_error("ip=").find("ip is empty"), std::string::npos);
}

TEST(RedisConnectionString, ItemWithoutEquals_IsRejectedWithoutEchoingIt) {
  // A password with a space splits into a stray token: the error must not print it.
  const auto error = parse_error("password=open sesame");
  EXPECT_EQ(error, "item 2 is not key=value");
  EXPECT_EQ(parse_error("=x"), "item 1 is not key=value");
}

TEST(RedisConnectionString, UnknownKeyWithControlCharacters_IsNotEchoed) {
  const auto error = parse_error("a\nb=1");
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(RedisConnectionString, Address_BracketsIpv6) {
  EXPECT_EQ(parse_ok("ip=10.0.0.1 port=7000").address(), "10.0.0.1:7000");
  EXPECT_EQ(parse_ok("ip=::1").address(), "[::1]:6379");
}

TEST(RedisConnectionString, Sentinel_ListMasterAndPasswords_Parse) {
  const auto c = parse_ok(
      "sentinel=127.0.0.1:26380,[::1]:26381,sentinel.internal master=mymaster password=m "
      "user=turn sentinel-password=s");
  ASSERT_EQ(c.sentinels.size(), 3u);
  EXPECT_EQ(c.sentinels[0], (RedisHostPort{"127.0.0.1", 26380}));
  EXPECT_EQ(c.sentinels[1], (RedisHostPort{"::1", 26381}));
  EXPECT_EQ(c.sentinels[2], (RedisHostPort{"sentinel.internal", 26379}));
  EXPECT_TRUE(c.uses_sentinel());
  EXPECT_EQ(c.master, "mymaster");
  EXPECT_EQ(c.password, "m");
  EXPECT_EQ(c.user, "turn");
  EXPECT_EQ(c.sentinel_password, "s");
  EXPECT_EQ(c.address(), "master mymaster");
  EXPECT_EQ(parse_ok("sentinel=10.0.0.1 master=m sentinel_password=x").sentinel_password, "x");
  EXPECT_FALSE(parse_ok("ip=10.0.0.1").uses_sentinel());
}

TEST(RedisConnectionString, SentinelWithoutMaster_OrMasterWithoutSentinel_IsRejected) {
  EXPECT_NE(parse_error("sentinel=127.0.0.1:26379").find("sentinel= needs master=NAME"),
            std::string::npos);
  EXPECT_NE(parse_error("master=mymaster").find("master= needs sentinel="), std::string::npos);
  EXPECT_NE(parse_error("ip=127.0.0.1 sentinel-password=x").find("sentinel-password= needs"),
            std::string::npos);
  EXPECT_NE(parse_error("master=").find("master is empty"), std::string::npos);
}

TEST(RedisConnectionString, SentinelAndFixedHost_AreRejected) {
  for (const char* text :
       {"ip=127.0.0.1 sentinel=127.0.0.1 master=m", "sentinel=127.0.0.1 master=m port=6380"}) {
    EXPECT_NE(parse_error(text).find("exclude each other"), std::string::npos) << text;
  }
}

TEST(RedisConnectionString, BadSentinelItems_AreNamedByPosition) {
  const std::pair<const char*, const char*> cases[] = {
      {"sentinel= master=m", "sentinel is empty"},
      {"sentinel=127.0.0.1:0 master=m", "sentinel 1 port is not a port number"},
      {"sentinel=127.0.0.1:1,10.0.0.1:x master=m", "sentinel 2 port is not a port number"},
      {"sentinel=127.0.0.1:1,,10.0.0.1 master=m", "sentinel 2 has no host"},
      {"sentinel=:26379 master=m", "sentinel 1 has no host"},
      {"sentinel=127.0.0.1: master=m", "sentinel 1 has an empty port"},
      {"sentinel=::1:26379 master=m", "sentinel 1 is an IPv6 address without [ ]"},
      {"sentinel=[::1 master=m", "sentinel 1 has no closing ]"},
      {"sentinel=[::1]x master=m", "sentinel 1 is not [ADDRESS]:PORT"},
      {"sentinel=[]:1 master=m", "sentinel 1 has no host"},
  };
  for (const auto& [text, expected] : cases) {
    const auto error = parse_error(text);
    EXPECT_NE(error.find(expected), std::string::npos) << text << ": " << error;
  }
}

TEST(RedisConnectionString, Tls_Coturn414Keys_Parse) {
  const auto c = parse_ok(
      "host=redis.example.com port=6390 password=turn tls=true ca=/etc/tern/ca.pem "
      "cert=/etc/tern/client.pem clientkey=/etc/tern/client.key sni=redis.internal");
  EXPECT_TRUE(c.tls.enabled);
  EXPECT_EQ(c.tls.ca, "/etc/tern/ca.pem");
  EXPECT_EQ(c.tls.cert, "/etc/tern/client.pem");
  EXPECT_EQ(c.tls.key, "/etc/tern/client.key");
  EXPECT_EQ(c.tls.sni, "redis.internal");
  EXPECT_TRUE(c.tls.verify) << "verifying is the default";
  EXPECT_EQ(c.password, "turn");
}

TEST(RedisConnectionString, Tls_AliasesAndVerifyNone_Parse) {
  const auto c = parse_ok(
      "ssl=1 tls-ca=/a.pem tls-capath=/certs tls-cert=/c.pem key=/k.pem servername=r "
      "verify=none");
  EXPECT_TRUE(c.tls.enabled);
  EXPECT_EQ(c.tls.ca, "/a.pem");
  EXPECT_EQ(c.tls.capath, "/certs");
  EXPECT_EQ(c.tls.key, "/k.pem");
  EXPECT_EQ(c.tls.sni, "r");
  EXPECT_FALSE(c.tls.verify);
  EXPECT_FALSE(parse_ok("tls=0").tls.enabled);
  EXPECT_FALSE(parse_ok("").tls.enabled) << "plain TCP unless asked";
}

TEST(RedisConnectionString, Tls_BadValues_AreNamed) {
  EXPECT_NE(parse_error("tls=maybe").find("tls is not 1/0"), std::string::npos);
  EXPECT_NE(parse_error("tls=1 verify=sometimes").find("verify is not peer or none"),
            std::string::npos);
  EXPECT_NE(parse_error("tls=1 ca=").find("ca is empty"), std::string::npos);
  EXPECT_NE(parse_error("tls=1 cert=/c.pem").find("cert= and clientkey= go together"),
            std::string::npos);
  EXPECT_NE(parse_error("ca=/a.pem").find("need tls=1"), std::string::npos)
      << "a CA without tls=1 is a forgotten tls=1, not plain TCP";
}

TEST(RedisConnectionString, Tls_WithSentinel_AppliesToBoth) {
  const auto c = parse_ok("sentinel=127.0.0.1:26379 master=m tls=1 ca=/a.pem");
  EXPECT_TRUE(c.uses_sentinel());
  EXPECT_TRUE(c.tls.enabled);
}

}  // namespace
}  // namespace tern

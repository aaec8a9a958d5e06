// Redis over TLS (tls=1 ca=... in the connection string, coturn 4.14's keys): a real
// redis-server with a TLS port and a certificate from a CA made here. ternd reads REST
// secrets and publishes allocation status through it, ternctl (the same base/redis code)
// administers it, and a server whose certificate the CA did not sign, or that does not
// name the host, is refused with a line that says so; so is a server that demands a client
// certificate (cert=, clientkey=) ternd does not have or the server's CA did not sign.
// (Failover over TLS: credentials_redis_sentinel_test.cpp.)

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/certs.h"
#include "tests/support/eventually.h"
#include "tests/support/process.h"
#include "tests/support/redis_sentinels.h"
#include "tests/support/redis_server.h"
#include "tests/support/rest_mint.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternctl.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

constexpr char kSecret[] = "tls-rest-secret";
constexpr char kSecretKey[] = "turn/realm/tern.test/secret";

class RedisTlsTest : public TurnTest {
 protected:
  void SetUp() override {
    auto ca = make_test_ca(dir_.path());
    ASSERT_TRUE(ca) << ca.error();
    ca_ = *ca;
    auto cert = make_ca_signed_cert(ca_, dir_.path(), "redis", "redis.tern.test");
    ASSERT_TRUE(cert) << cert.error();
    std::string error;
    redis_ = RedisServer::start({.notify_keyspace_events = "",
                                 .password = "",
                                 .tls_cert = cert->cert.string(),
                                 .tls_key = cert->key.string(),
                                 .tls_ca = ca_.cert.string(),
                                 .tls_auth_clients = auth_clients()},
                                error);
    ASSERT_TRUE(redis_) << error;
    ASSERT_NE(redis_->call({"SADD", kSecretKey, kSecret}), "");
  }

  // redis-server's tls-auth-clients.
  virtual std::string auth_clients() const { return "optional"; }

  // The certificate names localhost (DNS), so that is the host to reach it as.
  std::string conn(const std::string& ca, const std::string& host = "localhost") const {
    return "host=" + host + " port=" + std::to_string(redis_->tls_port()) + " tls=1 ca=" + ca;
  }
  std::string good() const { return conn(ca_.cert.string()); }
  CommandResult ternctl(const std::vector<std::string>& args) {
    return run_ternctl(args, dir_.path());
  }

  TempDir dir_;
  CertFiles ca_;
  std::unique_ptr<RedisServer> redis_;
};

TEST_F(RedisTlsTest, Ternd_ReadsSecretsAndPublishesStatusOverTls) {
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false,
             .extra = {"--use-auth-secret", "--redis-userdb", good(), "--redis-statsdb", good()}}));
  const auto carol = rest_credentials(kSecret, unix_now() + 3600, "carol");
  std::optional<TurnClient> c;
  ASSERT_TRUE(eventually([&] {
    c = connected_client(Transport::Udp, server(Transport::Udp, IpVersion::V4), carol);
    return c && IsSuccess(c->allocate());
  })) << "the secret never came over TLS\n"
      << ternd().diagnostics();
  const std::string pattern = "turn/realm/tern.test/user/*:carol/allocation/*/status";
  EXPECT_TRUE(eventually([&] {
    return !redis_->call({"KEYS", pattern}).empty();
  })) << "no status key published over TLS\n"
      << ternd().diagnostics();
}

TEST_F(RedisTlsTest, Ternd_ServerCertificateFromAnotherCa_RefusedWithALogLineAndRetried) {
  std::filesystem::create_directories(dir_ / "other");
  auto other = make_test_ca(dir_ / "other");
  ASSERT_TRUE(other) << other.error();
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false,
             .extra = {"--use-auth-secret", "--redis-userdb", conn(other->cert.string())}}));
  EXPECT_TRUE(eventually([&] {
    return ternd().log().find("server certificate refused") != std::string::npos;
  })) << ternd().diagnostics();
  EXPECT_TRUE(ternd().running()) << ternd().diagnostics();
  const auto carol = rest_credentials(kSecret, unix_now() + 3600, "carol");
  auto c = connected_client(Transport::Udp, server(Transport::Udp, IpVersion::V4), carol);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->allocate(), 401)) << "a secret read from an unverified server";
}

TEST_F(RedisTlsTest, Ternctl_SameConnectionString_Works) {
  const auto added =
      ternctl({"secret", "add", "second-secret", "--redis-userdb", good(), "--realm", kRealm});
  ASSERT_TRUE(added.status.clean()) << added.status.describe() << "\n" << added.err;
  const auto list = ternctl({"secret", "list", "--redis-userdb", good(), "--realm", kRealm});
  ASSERT_TRUE(list.status.clean()) << list.status.describe() << "\n" << list.err;
  EXPECT_NE(list.out.find(kSecret), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("second-secret"), std::string::npos) << list.out;
}

TEST_F(RedisTlsTest, Ternctl_BadTlsSetup_ClearErrorNoCrash) {
  std::filesystem::create_directories(dir_ / "other");
  auto other = make_test_ca(dir_ / "other");
  ASSERT_TRUE(other) << other.error();
  struct Case {
    std::string conn;
    std::string says;
  };
  const Case cases[] = {
      {conn(other->cert.string()), "server certificate refused"},
      // The certificate names localhost, not the address.
      {conn(ca_.cert.string(), "127.0.0.1"), "server certificate refused"},
      {conn((dir_ / "missing.pem").string()), "cannot load CA"},
      // Plain RESP to a TLS port, and TLS to a plain one.
      {"ip=127.0.0.1 connect_timeout=1 port=" + std::to_string(redis_->port()) +
           " tls=1 ca=" + ca_.cert.string(),
       "TLS"},
  };
  for (const auto& c : cases) {
    const auto list = ternctl({"secret", "list", "--redis-userdb", c.conn, "--realm", kRealm});
    EXPECT_TRUE(list.status.exited) << c.conn << ": " << list.status.describe();
    EXPECT_NE(list.status.code, 0) << c.conn;
    EXPECT_NE(list.err.find(c.says), std::string::npos) << c.conn << ": " << list.err;
  }
}

// A redis-server with tls-auth-clients yes: only a client with a certificate its CA signed
// gets in. ternd and ternctl present one with cert= and clientkey=; without it, or with one
// from another CA, the server hangs up and the line says that it wants (or refused) our
// client certificate, while ternd goes on serving and tries again.
class RedisClientCertTest : public RedisTlsTest {
 protected:
  std::string auth_clients() const override { return "yes"; }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RedisTlsTest::SetUp());
    auto client = make_ca_signed_cert(ca_, dir_.path(), "ternd", "ternd.tern.test");
    ASSERT_TRUE(client) << client.error();
    client_ = *client;
    std::filesystem::create_directories(dir_ / "other");
    auto other = make_test_ca(dir_ / "other");
    ASSERT_TRUE(other) << other.error();
    auto stranger = make_ca_signed_cert(*other, dir_ / "other", "stranger", "stranger.tern.test");
    ASSERT_TRUE(stranger) << stranger.error();
    stranger_ = *stranger;
  }

  std::string with_cert(const CertFiles& cert) const {
    return good() + " cert=" + cert.cert.string() + " clientkey=" + cert.key.string();
  }

  // ternd on `conn`, verbose so that its retries show; the Redis line `says` is logged,
  // and again on a retry, while a static user still allocates.
  void expect_refused_and_retried(const std::string& conn, const std::string& says) {
    ASSERT_NO_FATAL_FAILURE(
        start({.ipv6_relay = false,
               .extra = {"--use-auth-secret", "--redis-userdb", conn, "--verbose"}}));
    EXPECT_TRUE(eventually([&] {
      return ternd().log().find("unavailable (TLS: " + says) != std::string::npos;
    })) << ternd().diagnostics();
    EXPECT_TRUE(eventually([&] {
      return ternd().log().find("still down (TLS: " + says) != std::string::npos;
    })) << "no retry\n"
        << ternd().diagnostics();
    EXPECT_TRUE(ternd().running()) << ternd().diagnostics();
    const auto carol = rest_credentials(kSecret, unix_now() + 3600, "carol");
    auto c = connected_client(Transport::Udp, server(Transport::Udp, IpVersion::V4), carol);
    ASSERT_TRUE(c);
    EXPECT_TRUE(IsError(c->allocate(), 401)) << "a secret read without a client certificate";
  }

  CertFiles client_, stranger_;
};

TEST_F(RedisClientCertTest, Ternd_WithClientCertificate_ReadsSecrets) {
  ASSERT_NO_FATAL_FAILURE(start(
      {.ipv6_relay = false, .extra = {"--use-auth-secret", "--redis-userdb", with_cert(client_)}}));
  const auto carol = rest_credentials(kSecret, unix_now() + 3600, "carol");
  std::optional<TurnClient> c;
  EXPECT_TRUE(eventually([&] {
    c = connected_client(Transport::Udp, server(Transport::Udp, IpVersion::V4), carol);
    return c && IsSuccess(c->allocate());
  })) << "the secret never came over mutual TLS\n"
      << ternd().diagnostics();
}

TEST_F(RedisClientCertTest, Ternd_NoClientCertificate_RefusedWithALogLineAndRetried) {
  expect_refused_and_retried(good(), "the server wants a client certificate");
}

TEST_F(RedisClientCertTest, Ternd_ClientCertificateFromAnotherCa_RefusedWithALogLineAndRetried) {
  expect_refused_and_retried(with_cert(stranger_), "the server refused our client certificate");
}

TEST_F(RedisClientCertTest, Ternctl_WithClientCertificate_Works_WithoutOne_SaysWhy) {
  const auto list =
      ternctl({"secret", "list", "--redis-userdb", with_cert(client_), "--realm", kRealm});
  ASSERT_TRUE(list.status.clean()) << list.status.describe() << "\n" << list.err;
  EXPECT_NE(list.out.find(kSecret), std::string::npos) << list.out;
  struct Case {
    std::string conn;
    std::string says;
  };
  const Case cases[] = {
      {good(), "the server wants a client certificate"},
      {with_cert(stranger_), "the server refused our client certificate"},
      // The key of another certificate.
      {good() + " cert=" + client_.cert.string() + " clientkey=" + stranger_.key.string(),
       "cannot load key"},
  };
  for (const auto& c : cases) {
    const auto run = ternctl({"secret", "list", "--redis-userdb", c.conn, "--realm", kRealm});
    EXPECT_TRUE(run.status.exited) << c.conn << ": " << run.status.describe();
    EXPECT_NE(run.status.code, 0) << c.conn;
    EXPECT_NE(run.err.find(c.says), std::string::npos) << c.conn << ": " << run.err;
  }
}

// The sentinels answer over TLS and watch the master's TLS port (tls-replication), so they
// name that port: both the sentinels and the master are reached over TLS, the master
// (named by its address) verified as sni=localhost.
TEST_F(RedisTlsTest, Sentinel_SentinelAndMasterOverTls_TernctlAndTerndWork) {
  std::string error;
  const auto sentinels = RedisSentinels::start(error, false, true, redis_->options());
  ASSERT_TRUE(sentinels) << error;
  ASSERT_NE(sentinels->first().call({"SADD", kSecretKey, kSecret}), "");
  const std::string via = sentinels->connection_string();
  const auto list = ternctl({"secret", "list", "--redis-userdb", via, "--realm", kRealm});
  ASSERT_TRUE(list.status.clean()) << list.status.describe() << "\n" << list.err;
  EXPECT_NE(list.out.find(kSecret), std::string::npos) << list.out;

  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false, .extra = {"--use-auth-secret", "--redis-userdb", via}}));
  const auto carol = rest_credentials(kSecret, unix_now() + 3600, "carol");
  std::optional<TurnClient> c;
  EXPECT_TRUE(eventually([&] {
    c = connected_client(Transport::Udp, server(Transport::Udp, IpVersion::V4), carol);
    return c && IsSuccess(c->allocate());
  })) << ternd().diagnostics();
}

}  // namespace
}  // namespace tern::test

// Which configuration changes a reload applies in place and which need a restart.

#include "server/reload.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tern {
namespace {

Config with_tls() {
  Config c;
  c.cert = "/etc/tern/cert.pem";
  c.pkey = "/etc/tern/key.pem";
  return c;
}

TEST(NeedsRestart, LiveChanges_NeedNone) {
  const Config before = with_tls();
  Config after = before;
  after.cert = "/etc/tern/new-cert.pem";
  after.cipher_list = "ECDHE+AESGCM";
  after.users = {"bob:pw"};
  after.static_auth_secrets = {"s"};
  after.user_quota = 3;
  after.total_quota = 9;
  after.max_bps = 1000;
  after.max_allocate_lifetime = 60;
  after.permission_lifetime = 100;
  after.channel_lifetime = 200;
  after.denied_peer_ips = {"10.0.0.1"};
  after.allowed_peer_ips = {"10.0.0.2"};
  after.allow_loopback_peers = true;
  after.log_file = "/var/log/tern.log";
  after.verbose = true;
  EXPECT_TRUE(needs_restart(before, after).empty());
}

TEST(NeedsRestart, ListenerRelayAndAlternateChanges_NeedNone) {
  const Config before = with_tls();
  Config after = before;
  after.listening_port = 3479;
  after.tls_listening_port = 5350;
  after.listening_ips = {"127.0.0.2"};
  after.aux_servers = {"127.0.0.1:3480"};
  after.tcp_proxy_port = 3481;
  after.no_tcp = true;
  after.relay_ips = {"127.0.0.1", "127.0.0.2"};
  after.external_ips = {"192.0.2.1"};
  after.min_port = 50000;
  after.max_port = 50100;
  after.alternate_servers = {"192.0.2.1:3478"};
  after.tls_alternate_servers = {"192.0.2.1:5349"};
  after.alt_listening_port = 3490;
  after.alt_tls_listening_port = 5360;
  after.no_rfc5780 = true;
  EXPECT_EQ(needs_restart(before, after), std::vector<std::string>{});
}

TEST(NeedsRestart, AdminAndMetricsListenersAdminTokenItsFileAndWebAdmin_NeedNone) {
  const Config before;
  Config after = before;
  after.admin_listen = "127.0.0.1:9999";
  after.admin_token = "new-token";
  after.admin_token_file = "/var/lib/tern/admin-token";
  after.prometheus_listen = "127.0.0.1:9641";
  after.web_admin = true;
  EXPECT_EQ(needs_restart(before, after), std::vector<std::string>{});
}

TEST(NeedsRestart, RealmAndStoreChanges_AreNamed) {
  const Config before;
  Config after = before;
  after.realm = "example.org";
  after.userdb = "/var/lib/tern/tern.db";
  after.no_auth = true;
  const std::vector<std::string> expected = {"realm", "userdb", "no-auth"};
  const std::vector<std::string> named = needs_restart(before, after);
  for (const auto& name : expected) {
    EXPECT_NE(std::ranges::find(named, name), named.end()) << name;
  }
}

TEST(NeedsRestart, LogFormat_IsNamed) {
  Config json;
  json.log_json = true;
  EXPECT_EQ(needs_restart(Config{}, json), std::vector<std::string>{"log-format"});
}

TEST(NeedsRestart, TlsTurnedOnOrOff_NeedsNone) {
  EXPECT_TRUE(needs_restart(Config{}, with_tls()).empty());
  EXPECT_TRUE(needs_restart(with_tls(), Config{}).empty());
  Config no_tls = with_tls();
  no_tls.no_tls = true;
  EXPECT_TRUE(needs_restart(with_tls(), no_tls).empty());
}

}  // namespace
}  // namespace tern

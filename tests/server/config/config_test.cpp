#include "server/config/config.h"
#include "tests/server/config/config_test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace tern {
namespace {

namespace fs = std::filesystem;

using test::parse;
using test::TempFile;

Result<CommandLine, std::string> parse_file(const TempFile& file,
                                            std::vector<std::string> flags = {}) {
  flags.insert(flags.begin(), {"-c", file.path()});
  return parse(flags);
}

Config parsed(std::vector<std::string> args) {
  auto r = parse(std::move(args));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? r->config : Config{};
}

Config parsed_file(std::string_view text, std::vector<std::string> flags = {}) {
  TempFile file(text);
  auto r = parse_file(file, std::move(flags));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? r->config : Config{};
}

std::string error_of(std::vector<std::string> args) {
  auto r = parse(std::move(args));
  return r.ok() ? "(accepted)" : r.error();
}

// The error for a file holding `text`, with "FILE" standing for its path.
std::string file_error(std::string_view text) {
  TempFile file(text);
  auto r = parse_file(file);
  if (r.ok()) return "(accepted)";
  auto e = r.error();
  if (auto at = e.find(file.path()); at != std::string::npos)
    e.replace(at, file.path().size(), "FILE");
  return e;
}

using Strings = std::vector<std::string>;

// ---- every option, by flag and by file ----------------------------------------------

struct OptionCase {
  std::string name;
  std::optional<std::string> value;  // nullopt: a bare flag
  std::function<bool(const Config&)> holds;
};

const std::vector<OptionCase>& option_cases() {
  static const std::vector<OptionCase> cases = {
      {"listening-ip", "192.0.2.1",
       [](auto& c) { return c.listening_ips == Strings{"192.0.2.1"}; }},
      {"listening-port", "4000", [](auto& c) { return c.listening_port == 4000; }},
      {"tls-listening-port", "5350", [](auto& c) { return c.tls_listening_port == 5350; }},
      {"tcp-proxy-port", "3480", [](auto& c) { return c.tcp_proxy_port == 3480; }},
      {"tls-proxy-port", "5351", [](auto& c) { return c.tls_proxy_port == 5351; }},
      {"proxy-trusted", "10.0.0.0/8",
       [](auto& c) { return c.proxy_trusted == std::vector<std::string>{"10.0.0.0/8"}; }},
      {"udp-proxy-trusted", "192.0.2.5",
       [](auto& c) { return c.udp_proxy_trusted == std::vector<std::string>{"192.0.2.5"}; }},
      {"aux-server", "[2001:db8::1]:33478",
       [](auto& c) { return c.aux_servers == Strings{"[2001:db8::1]:33478"}; }},
      {"relay-threads", "8", [](auto& c) { return c.relay_threads == 8u; }},
      {"cert", "/etc/tern/cert.pem", [](auto& c) { return c.cert == "/etc/tern/cert.pem"; }},
      {"pkey", "/etc/tern/key.pem", [](auto& c) { return c.pkey == "/etc/tern/key.pem"; }},
      {"cipher-list", "HIGH:!aNULL", [](auto& c) { return c.cipher_list == "HIGH:!aNULL"; }},
      {"no-udp", std::nullopt, [](auto& c) { return c.no_udp; }},
      {"no-tcp", std::nullopt, [](auto& c) { return c.no_tcp; }},
      {"no-tls", std::nullopt, [](auto& c) { return c.no_tls; }},
      {"no-dtls", std::nullopt, [](auto& c) { return c.no_dtls; }},
      {"no_dtls", std::nullopt, [](auto& c) { return c.no_dtls; }},
      {"dtls-handshake-timeout", "3", [](auto& c) { return c.dtls_handshake_timeout == 3u; }},
      {"dtls-max-half-open", "16", [](auto& c) { return c.dtls_max_half_open == 16u; }},
      {"no-tlsv1_2", std::nullopt, [](auto& c) { return c.no_tlsv1_2; }},
      {"pkey-pwd", "pass#word", [](auto& c) { return c.pkey_pwd == "pass#word"; }},
      {"CA-file", "/etc/tern/ca.pem", [](auto& c) { return c.ca_file == "/etc/tern/ca.pem"; }},
      {"stun-only", std::nullopt, [](auto& c) { return c.stun_only; }},
      {"no-stun", std::nullopt, [](auto& c) { return c.no_stun; }},
      {"secure-stun", std::nullopt, [](auto& c) { return c.secure_stun; }},
      {"server-name", "turn.example.org",
       [](auto& c) { return c.server_name == "turn.example.org"; }},
      {"prod", std::nullopt, [](auto& c) { return !c.software_attribute; }},
      {"allocation-default-address-family", "ipv6",
       [](auto& c) { return c.allocation_default_address_family == "ipv6"; }},
      {"keep-address-family", std::nullopt,
       [](auto& c) { return c.allocation_default_address_family == "keep"; }},
      {"bps-capacity", "0", [](auto& c) { return c == Config{}; }},
      {"log-file", "/var/log/ternd.log",
       [](auto& c) { return c.log_file == "/var/log/ternd.log"; }},
      {"syslog", std::nullopt, [](auto& c) { return c.log_file == "syslog"; }},
      {"log-format", "json", [](auto& c) { return c.log_json; }},
      {"verbose", std::nullopt, [](auto& c) { return c.verbose; }},
      {"Verbose", std::nullopt, [](auto& c) { return c.verbose; }},
      {"realm", "example.org", [](auto& c) { return c.realm == "example.org"; }},
      {"software-attribute", "off", [](auto& c) { return !c.software_attribute; }},
      {"no-software-attribute", std::nullopt, [](auto& c) { return !c.software_attribute; }},
      {"pidfile", "/run/ternd.pid", [](auto& c) { return c.pidfile == "/run/ternd.pid"; }},
      {"stun-backward-compatibility", std::nullopt,
       [](auto& c) { return c.stun_backward_compatibility; }},
      {"no-stun-backward-compatibility", "off",
       [](auto& c) { return c.stun_backward_compatibility; }},
      {"relay-ip", "2001:db8::7", [](auto& c) { return c.relay_ips == Strings{"2001:db8::7"}; }},
      {"external-ip", "203.0.113.5/10.0.0.5",
       [](auto& c) { return c.external_ips == Strings{"203.0.113.5/10.0.0.5"}; }},
      {"min-port", "50000", [](auto& c) { return c.min_port == 50000; }},
      {"max-port", "60000", [](auto& c) { return c.max_port == 60000; }},
      {"max-allocate-lifetime", "1800", [](auto& c) { return c.max_allocate_lifetime == 1800u; }},
      {"channel-lifetime", "300", [](auto& c) { return c.channel_lifetime == 300u; }},
      {"permission-lifetime", "120", [](auto& c) { return c.permission_lifetime == 120u; }},
      {"user-quota", "10", [](auto& c) { return c.user_quota == 10u; }},
      {"total-quota", "4294967295", [](auto& c) { return c.total_quota == 4294967295u; }},
      {"max-bps", "10000000000", [](auto& c) { return c.max_bps == 10000000000u; }},
      {"user", "alice:pa:ss", [](auto& c) { return c.users == Strings{"alice:pa:ss"}; }},
      {"userdb", "/var/lib/tern/tern.db",
       [](auto& c) { return c.userdb == "/var/lib/tern/tern.db"; }},
      {"db", "/var/lib/tern/tern.db", [](auto& c) { return c.userdb == "/var/lib/tern/tern.db"; }},
      {"lt-cred-mech", std::nullopt, [](auto& c) { return c.lt_cred_mech && !c.no_auth; }},
      {"no-auth", std::nullopt, [](auto& c) { return c.no_auth && !c.lt_cred_mech; }},
      {"stale-nonce", "300", [](auto& c) { return c.stale_nonce == 300u; }},
      {"node-id", "turn-eu-1", [](auto& c) { return c.node_id == "turn-eu-1"; }},
      {"stateless-nonce-secret", "k3y", [](auto& c) { return c.stateless_nonce_secret == "k3y"; }},
      {"stateless-nonce-secret-file", "/etc/tern/nonce-secret",
       [](auto& c) { return c.stateless_nonce_secret_file == "/etc/tern/nonce-secret"; }},
      {"auth-failures-per-connection", "10",
       [](auto& c) { return c.auth_failures_per_connection == 10u; }},
      {"auth-failures-per-source", "0", [](auto& c) { return c.auth_failures_per_source == 0u; }},
      {"auth-failure-hold", "300", [](auto& c) { return c.auth_failure_hold == 300u; }},
      {"allowed-peer-ip", "10.0.0.1-10.0.0.9",
       [](auto& c) { return c.allowed_peer_ips == Strings{"10.0.0.1-10.0.0.9"}; }},
      {"denied-peer-ip", "fd00::1",
       [](auto& c) { return c.denied_peer_ips == Strings{"fd00::1"}; }},
      {"allow-loopback-peers", std::nullopt, [](auto& c) { return c.allow_loopback_peers; }},
      {"strict-channel-numbers", std::nullopt, [](auto& c) { return c.strict_channel_numbers; }},
      {"challenge-rate", "100", [](auto& c) { return c.challenge_rate == 100u; }},
      {"binding-rate", "5000", [](auto& c) { return c.binding_rate == 5000u; }},
      {"no-multicast-peers", std::nullopt, [](auto& c) { return c.no_multicast_peers; }},
      {"use-auth-secret", std::nullopt, [](auto& c) { return c.use_auth_secret; }},
      {"static-auth-secret", "north#wind",
       [](auto& c) { return c.static_auth_secrets == Strings{"north#wind"} && c.use_auth_secret; }},
      {"static-auth-secret-file", "/etc/tern/auth-secrets",
       [](auto& c) {
         return c.static_auth_secret_files == Strings{"/etc/tern/auth-secrets"} &&
                c.use_auth_secret && c.static_auth_secrets.empty();
       }},
      {"user-file", "/etc/tern/users",
       [](auto& c) { return c.user_files == Strings{"/etc/tern/users"} && c.users.empty(); }},
      {"redis-userdb", "ip=127.0.0.1 dbname=0",
       [](auto& c) { return c.redis_userdb == "ip=127.0.0.1 dbname=0"; }},
      {"redis-statsdb", "ip=127.0.0.1 dbname=1",
       [](auto& c) { return c.redis_statsdb == "ip=127.0.0.1 dbname=1"; }},
      {"rest-api-separator", "-", [](auto& c) { return c.rest_api_separator == '-'; }},
      {"max-allocate-timeout", "5", [](auto& c) { return c.max_allocate_timeout == 5u; }},
      {"max-unallocated-streams-per-ip", "7",
       [](auto& c) { return c.max_unallocated_streams_per_ip == 7u; }},
      {"max-unallocated-streams", "0", [](auto& c) { return c.max_unallocated_streams == 0u; }},
      {"stream-write-timeout", "4", [](auto& c) { return c.stream_write_timeout == 4u; }},
      {"stream-frame-timeout", "3", [](auto& c) { return c.stream_frame_timeout == 3u; }},
      {"no-tcp-relay", std::nullopt, [](auto& c) { return c.no_tcp_relay; }},
      {"no-udp-relay", std::nullopt, [](auto& c) { return c.no_udp_relay; }},
      {"offload", "tc", [](auto& c) { return c.offload == "tc"; }},
      {"tcp-connection-bind-timeout", "5",
       [](auto& c) { return c.tcp_connection_bind_timeout == 5u; }},
      {"tcp-connect-timeout", "2", [](auto& c) { return c.tcp_connect_timeout == 2u; }},
      {"mobility", std::nullopt, [](auto& c) { return c.mobility; }},
      {"web-admin", std::nullopt, [](auto& c) { return c.web_admin; }},
      {"admin-listen", "[::1]:9000", [](auto& c) { return c.admin_listen == "[::1]:9000"; }},
      {"admin-token", "t0ken", [](auto& c) { return c.admin_token == "t0ken"; }},
      {"admin-token-file", "/var/lib/tern/admin-token",
       [](auto& c) { return c.admin_token_file == "/var/lib/tern/admin-token"; }},
      {"prometheus-listen", "127.0.0.1:9100",
       [](auto& c) { return c.prometheus_listen == "127.0.0.1:9100"; }},
      {"prometheus", std::nullopt, [](auto& c) { return c.prometheus_listen == "127.0.0.1:9641"; }},
      // coturn: the port or address alone does not turn the endpoint on
      {"prometheus-port", "9000", [](auto& c) { return c.prometheus_listen.empty(); }},
      {"prometheus-address", "::1", [](auto& c) { return c.prometheus_listen.empty(); }},
      {"admin-max-connections", "16", [](auto& c) { return c.admin_max_connections == 16u; }},
      {"admin-request-timeout", "5", [](auto& c) { return c.admin_request_timeout == 5u; }},
      {"alternate-server", "[2001:db8::30]:3478",
       [](auto& c) { return c.alternate_servers == Strings{"[2001:db8::30]:3478"}; }},
      {"tls-alternate-server", "192.0.2.30:5349",
       [](auto& c) { return c.tls_alternate_servers == Strings{"192.0.2.30:5349"}; }},
      {"drain-timeout", "3600", [](auto& c) { return c.drain_timeout == 3600u; }},
      {"alt-listening-port", "4000", [](auto& c) { return c.alt_listening_port == 4000; }},
      {"alt-tls-listening-port", "5360", [](auto& c) { return c.alt_tls_listening_port == 5360; }},
      {"no-rfc5780", std::nullopt, [](auto& c) { return c.no_rfc5780; }},
  };
  return cases;
}

TEST(Config, EveryOptionHasACase) {
  std::set<std::string> covered;
  for (const auto& c : option_cases()) covered.insert(c.name);
  for (const auto& o : config::options()) {
    if (config::is_command_line_only(o) || std::holds_alternative<config::Ignored>(o.action) ||
        std::holds_alternative<config::Refused>(o.action))
      continue;
    EXPECT_TRUE(covered.count(std::string(o.name))) << o.name << " has no test case";
  }
}

TEST(Config, EveryOption_ByLongFlag) {
  for (const auto& c : option_cases()) {
    SCOPED_TRACE(c.name);
    auto arg = "--" + c.name + (c.value ? "=" + *c.value : "");
    EXPECT_TRUE(c.holds(parsed({arg})));
    if (c.value && config::arity(*config::find_option(c.name)) == config::Arity::Required) {
      EXPECT_TRUE(c.holds(parsed({"--" + c.name, *c.value})));
    }
  }
}

TEST(Config, EveryOption_ByShortFlag) {
  for (const auto& c : option_cases()) {
    char flag = config::find_option(c.name)->short_flag;
    if (flag == 0) continue;
    SCOPED_TRACE(c.name);
    auto short_flag = std::string("-") + flag;
    if (!c.value) {
      EXPECT_TRUE(c.holds(parsed({short_flag})));
      continue;
    }
    EXPECT_TRUE(c.holds(parsed({short_flag, *c.value})));
    EXPECT_TRUE(c.holds(parsed({short_flag + *c.value})));
  }
}

TEST(Config, EveryOption_ByFile) {
  for (const auto& c : option_cases()) {
    SCOPED_TRACE(c.name);
    if (!c.value) {
      EXPECT_TRUE(c.holds(parsed_file(c.name + "\n")));
      EXPECT_TRUE(c.holds(parsed_file(c.name + "=on\n")));
      continue;
    }
    EXPECT_TRUE(c.holds(parsed_file(c.name + "=" + *c.value + "\n")));
    EXPECT_TRUE(c.holds(parsed_file(c.name + " " + *c.value + "\n")));
    EXPECT_TRUE(c.holds(parsed_file(c.name + " = \"" + *c.value + "\"\n")));
  }
}

TEST(Config, NoArguments_GiveDefaults) {
  auto r = parse({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->config, Config{});
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_TRUE(r->config_file.empty());
  EXPECT_FALSE(r->show_help);
  EXPECT_EQ(r->config.listening_port, 3478);
  EXPECT_EQ(r->config.log_file, "stdout");
  EXPECT_TRUE(r->config.lt_cred_mech);
}

// ---- file syntax ----------------------------------------------------------------------

TEST(ConfigFile, CommentsBlankLinesWhitespaceQuotesAndDashes_AreTolerated) {
  auto c = parsed_file(
      "# a whole-line comment\n"
      "\n"
      "   \t\n"
      "  listening-port = 4000   # trailing comment\n"
      "--realm=example.org\n"
      "\tverbose\t\n"
      "cipher-list \"HIGH:!aNULL\"\n"
      "   # indented comment\n");
  EXPECT_EQ(c.listening_port, 4000);
  EXPECT_EQ(c.realm, "example.org");
  EXPECT_TRUE(c.verbose);
  EXPECT_EQ(c.cipher_list, "HIGH:!aNULL");
}

TEST(ConfigFile, HashInsideAValue_IsNotAComment) {
  auto c = parsed_file(
      "user=bob:pa#ss\n"
      "static-auth-secret=\"a # b\"   # the secret has a hash and spaces\n");
  EXPECT_EQ(c.users, Strings{"bob:pa#ss"});
  EXPECT_EQ(c.static_auth_secrets, Strings{"a # b"});
}

TEST(ConfigFile, CrlfLineEndingsAndByteOrderMark_AreTolerated) {
  auto c = parsed_file("\xEF\xBB\xBFlistening-port=4000\r\nrealm=example.org\r\n");
  EXPECT_EQ(c.listening_port, 4000);
  EXPECT_EQ(c.realm, "example.org");
}

TEST(ConfigFile, LastLineWithoutNewline_IsRead) {
  EXPECT_EQ(parsed_file("listening-port=4000").listening_port, 4000);
}

TEST(ConfigFile, FlagValues_AcceptCoturnBooleans) {
  for (auto on : {"1", "yes", "true", "on", "ON", "True", ""})
    EXPECT_TRUE(parsed_file(std::string("no-udp=") + on).no_udp) << on;
  for (auto off : {"0", "no", "false", "off", "OFF"})
    EXPECT_FALSE(parsed_file(std::string("no-udp=") + off).no_udp) << off;
}

TEST(ConfigFile, ValueEndingInSemicolon_IsKeptWithAWarning) {
  TempFile file("realm=example.org;\n");
  auto r = parse_file(file);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->config.realm, "example.org;");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0],
            file.path() + ":1: realm: the value ends with ';', which is kept as part of it");
}

TEST(ConfigFile, PathIsReported) {
  TempFile file("verbose\n");
  auto r = parse_file(file);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->config_file, file.path());
}

// ---- file and command line together ---------------------------------------------------

TEST(Config, CommandLine_OverridesTheFile) {
  auto c = parsed_file("listening-port=4000\nrealm=file.org\n", {"-p", "5000"});
  EXPECT_EQ(c.listening_port, 5000);
  EXPECT_EQ(c.realm, "file.org");
}

// coturn appends command-line occurrences of a repeatable option to the file's list.
TEST(Config, RepeatableOptions_AppendFileThenCommandLine) {
  auto c = parsed_file("listening-ip=192.0.2.1\nlistening-ip=192.0.2.2\nuser=a:1\n",
                       {"-L", "::1", "--user", "b:2", "-u", "c:3"});
  EXPECT_EQ(c.listening_ips, (Strings{"192.0.2.1", "192.0.2.2", "::1"}));
  EXPECT_EQ(c.users, (Strings{"a:1", "b:2", "c:3"}));
}

TEST(Config, LastConfigFlag_ChoosesTheFile) {
  TempFile first("realm=first.org\n"), second("realm=second.org\n");
  auto r = parse({"-c", first.path(), "--config", second.path()});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->config.realm, "second.org");
  EXPECT_EQ(r->config_file, second.path());
}

TEST(Config, ConfigFlag_AcceptsEqualsAndAttachedForms) {
  TempFile file("realm=example.org\n");
  EXPECT_EQ(parsed({"--config=" + file.path()}).realm, "example.org");
  EXPECT_EQ(parsed({"-c" + file.path()}).realm, "example.org");
}

TEST(Config, DashN_SkipsTheConfigFile) {
  auto r = parse({"-c", "/nonexistent/ternd.conf", "-n"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->config_file.empty());
  EXPECT_EQ(r->config, Config{});
}

TEST(Config, Help_SkipsEverythingElse) {
  for (auto flag : {"-h", "--help"}) {
    auto r = parse({"-c", "/nonexistent/ternd.conf", flag});
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_TRUE(r->show_help);
  }
}

TEST(Config, Version_SkipsEverythingElse) {
  auto r = parse({"-c", "/nonexistent/ternd.conf", "--version"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->show_version);
  EXPECT_FALSE(r->show_help);
  EXPECT_NE(help_text().find("  --version "), std::string::npos);
}

// ---- options with their own rules -----------------------------------------------------

TEST(Config, DefaultUserdb_IsUsedOnlyWhenItExistsAndNoStoreIsNamed) {
  TempFile db("");  // any existing file stands in for /var/lib/tern/tern.db
  const fs::path missing = db.path() + ".missing";

  Config bare = parsed({});
  EXPECT_FALSE(apply_default_userdb(bare, missing)) << "a bare ternd creates no file";
  EXPECT_EQ(bare.userdb, "");
  EXPECT_TRUE(apply_default_userdb(bare, db.path()));
  EXPECT_EQ(bare.userdb, db.path());

  Config named = parsed({"--userdb", "/elsewhere.db"});
  EXPECT_FALSE(apply_default_userdb(named, db.path()));
  EXPECT_EQ(named.userdb, "/elsewhere.db");

  Config redis = parsed({"--redis-userdb", "ip=127.0.0.1"});
  EXPECT_FALSE(apply_default_userdb(redis, db.path()));
  EXPECT_EQ(redis.userdb, "");
  EXPECT_EQ(std::string(auth::kDefaultUserdb), "/var/lib/tern/tern.db");  // where ternctl writes
}

TEST(Config, StaleNonce_BareMeans600) {
  EXPECT_EQ(parsed({"--stale-nonce=0", "--stale-nonce"}).stale_nonce, 600u);
  EXPECT_EQ(parsed_file("stale-nonce=0\nstale-nonce\n").stale_nonce, 600u);
  EXPECT_EQ(parsed({"--stale-nonce=0"}).stale_nonce, 0u);
}

// getopt's optional_argument: the next argument is never taken as the value.
TEST(Config, StaleNonce_DoesNotTakeTheNextArgument) {
  EXPECT_EQ(error_of({"--stale-nonce", "300"}), "command line: \"300\": unexpected argument");
}

TEST(Config, FlagsNeverTakeTheNextArgument) {
  EXPECT_EQ(error_of({"--verbose", "yes"}), "command line: \"yes\": unexpected argument");
  EXPECT_FALSE(parsed({"--verbose=off"}).verbose);
}

TEST(Config, ValueStartingWithDash_IsTakenLikeGetopt) {
  EXPECT_EQ(parsed({"-C", "-"}).rest_api_separator, '-');
}

TEST(Config, LogFileDash_MeansStdout) {
  EXPECT_EQ(parsed({"-l", "-"}).log_file, "stdout");
}

TEST(Config, LtCredMech_AfterNoAuth_TurnsAuthenticationBackOn) {
  auto c = parsed_file("no-auth\n", {"-a"});
  EXPECT_TRUE(c.lt_cred_mech);
  EXPECT_FALSE(c.no_auth);
}

TEST(Config, NoAuthOff_KeepsLongTermCredentials) {
  auto c = parsed({"--no-auth=off"});
  EXPECT_TRUE(c.lt_cred_mech);
  EXPECT_FALSE(c.no_auth);
}

TEST(Config, Prometheus_UsesPortAndAddressGivenInAnyOrder) {
  EXPECT_EQ(parsed({"--prometheus-port", "9000", "--prometheus"}).prometheus_listen,
            "127.0.0.1:9000");
  EXPECT_EQ(parsed({"--prometheus", "--prometheus-address", "::1"}).prometheus_listen,
            "[::1]:9641");
}

TEST(Config, PrometheusListen_WinsOverCoturnsPrometheus) {
  EXPECT_EQ(parsed({"--prometheus", "--prometheus-listen", "127.0.0.1:9100"}).prometheus_listen,
            "127.0.0.1:9100");
}

TEST(Config, NoMulticastPeersOff_IsIgnoredWithAWarning) {
  auto r = parse({"--no-multicast-peers=off"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->config.no_multicast_peers);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0],
            "command line: ignored: no-multicast-peers=off (multicast peers are always denied)");
}

TEST(Config, AdminListen_AcceptsAUnixSocket) {
  EXPECT_EQ(parsed({"--admin-listen", "/run/tern/admin.sock"}).admin_listen,
            "/run/tern/admin.sock");
}

// The peer policy reads these lists with IpRange::parse; the config accepts what it does.
TEST(Config, PeerIpRanges_AcceptIpRangeAndCidr) {
  auto c = parsed({"--allowed-peer-ip", "10.0.0.5", "--allowed-peer-ip", "10.0.0.0/24",
                   "--denied-peer-ip", "2001:db8::/32"});
  EXPECT_EQ(c.allowed_peer_ips, (Strings{"10.0.0.5", "10.0.0.0/24"}));
  EXPECT_EQ(c.denied_peer_ips, Strings{"2001:db8::/32"});
}

TEST(Config, Ipv6Addresses_AreAccepted) {
  auto c = parsed({"-L", "::", "-E", "2001:db8::1", "--allowed-peer-ip", "fd00::1-fd00::ff", "-X",
                   "2001:db8::1/fd00::1"});
  EXPECT_EQ(c.listening_ips, Strings{"::"});
  EXPECT_EQ(c.allowed_peer_ips, Strings{"fd00::1-fd00::ff"});
}

// ---- coturn compatibility -------------------------------------------------------------

TEST(Config, IgnoredCoturnOptions_WarnWithWhere) {
  TempFile file("fingerprint\nno-cli\ncli-password=qwerty\n");
  auto r = parse_file(file, {"-f", "--proc-user", "turnserver", "-v"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->config.verbose);  // --proc-user took its value, not -v
  ASSERT_EQ(r->warnings.size(), 5u);
  EXPECT_EQ(r->warnings[0],
            file.path() + ":1: ignored: fingerprint (FINGERPRINT is not configurable in tern)");
  EXPECT_EQ(r->warnings[2],
            file.path() + ":3: ignored: cli-password (tern has no telnet CLI; see admin-token)");
  EXPECT_EQ(r->warnings[3],
            "command line: ignored: fingerprint (FINGERPRINT is not configurable in tern)");
  EXPECT_EQ(r->warnings[4], "command line: ignored: proc-user (let systemd choose the user)");
}

TEST(Config, CoturnSampleConfig_Parses) {
  // The shape of a WebRTC deployment's turnserver.conf.
  TempFile file(R"(# TURN server for meet.example.org
listening-port=3478
tls-listening-port=5349
listening-ip=10.0.0.5
relay-ip=10.0.0.5
external-ip=203.0.113.5/10.0.0.5
min-port=49160
max-port=49200
verbose
fingerprint
lt-cred-mech
use-auth-secret
static-auth-secret=9aUQ2dn0rWvXi8yMvtmFxMTRaQYtHeDu
realm=meet.example.org
total-quota=100
stale-nonce=600
cert=/etc/coturn/certs/meet.example.org.crt
pkey=/etc/coturn/certs/meet.example.org.key
cipher-list="ECDHE-RSA-AES256-GCM-SHA512:DHE-RSA-AES256-GCM-SHA512"
no-multicast-peers
no-cli
no-tlsv1
no-tlsv1_1
dh2066
denied-peer-ip=10.0.0.0-10.255.255.255
denied-peer-ip=192.168.0.0-192.168.255.255
allowed-peer-ip=10.0.0.5
syslog
pidfile="/var/run/turnserver.pid"
simple-log
no-software-attribute
)");
  auto r = parse_file(file);
  ASSERT_TRUE(r.ok()) << r.error();
  const Config& c = r->config;
  EXPECT_EQ(c.listening_ips, Strings{"10.0.0.5"});
  EXPECT_EQ(c.external_ips, Strings{"203.0.113.5/10.0.0.5"});
  EXPECT_EQ(c.min_port, 49160);
  EXPECT_EQ(c.max_port, 49200);
  EXPECT_TRUE(c.use_auth_secret);
  EXPECT_EQ(c.static_auth_secrets, Strings{"9aUQ2dn0rWvXi8yMvtmFxMTRaQYtHeDu"});
  EXPECT_EQ(c.realm, "meet.example.org");
  EXPECT_EQ(c.total_quota, 100u);
  EXPECT_EQ(c.cipher_list, "ECDHE-RSA-AES256-GCM-SHA512:DHE-RSA-AES256-GCM-SHA512");
  EXPECT_EQ(c.denied_peer_ips.size(), 2u);
  EXPECT_EQ(c.log_file, "syslog");
  EXPECT_EQ(c.pidfile, "/var/run/turnserver.pid");
  EXPECT_FALSE(c.software_attribute);
  EXPECT_EQ(r->warnings.size(),
            6u);  // fingerprint, no-cli, no-tlsv1, no-tlsv1_1, dh2066, simple-log
}

// Debian's coturn package ships this file; its active lines must start ternd too.
TEST(Config, DebianTurnserverConf_Parses) {
  if (!fs::exists("/etc/turnserver.conf")) GTEST_SKIP() << "coturn is not installed";
  auto r = parse({"-c", "/etc/turnserver.conf"});
  ASSERT_TRUE(r.ok()) << r.error();
}

// ---- refusals, each with its exact message --------------------------------------------

TEST(ConfigErrors, FileErrors_NameFileLineKeyAndReason) {
  EXPECT_EQ(file_error("verbose\n\nfrobnicate=1\n"), "FILE:3: frobnicate: unknown option");
  EXPECT_EQ(file_error("# comment\n\n\n\n\n\n\n\n\n\n\nlistening-port=70000\n"),
            "FILE:12: listening-port: \"70000\" is not a port (1-65535)");
  EXPECT_EQ(file_error("realm\n"), "FILE:1: realm: needs a value");
  EXPECT_EQ(file_error("realm=\"\"\n"), "FILE:1: realm: needs a value");
  EXPECT_EQ(file_error("log-file=\n"), "FILE:1: log-file: needs a value");
  EXPECT_EQ(file_error("log-format=xml\n"), "FILE:1: log-format: \"xml\" is not text or json");
  EXPECT_EQ(file_error("offload=ebpf\n"), "FILE:1: offload: \"ebpf\" is not auto, xdp, tc or off");
  EXPECT_EQ(file_error("config=/etc/other.conf\n"),
            "FILE:1: config: only valid on the command line");
  EXPECT_EQ(file_error("no-udp=maybe\n"),
            "FILE:1: no-udp: \"maybe\" is not a boolean (on/off, yes/no, true/false, 1/0)");
}

TEST(ConfigErrors, MissingFile_IsAnError) {
  EXPECT_EQ(error_of({"-c", "/nonexistent/ternd.conf"}),
            "/nonexistent/ternd.conf: cannot read: No such file or directory");
}

TEST(ConfigErrors, CommandLineErrors_SayCommandLine) {
  EXPECT_EQ(error_of({"--frobnicate"}), "command line: --frobnicate: unknown option");
  EXPECT_EQ(error_of({"-y"}), "command line: -y: unknown option");
  EXPECT_EQ(error_of({"extra"}), "command line: \"extra\": unexpected argument");
  EXPECT_EQ(error_of({"-va"}),
            "command line: -va: unknown option (short flags cannot be combined)");
  EXPECT_EQ(error_of({"--realm"}), "command line: --realm: needs a value");
  EXPECT_EQ(error_of({"-p"}), "command line: -p: needs a value");
  EXPECT_EQ(error_of({"-p", "0"}), "command line: -p: \"0\" is not a port (1-65535)");
  EXPECT_EQ(error_of({"--listening-port=3478x"}),
            "command line: --listening-port: \"3478x\" is not a port (1-65535)");
}

TEST(ConfigErrors, ProxyOptions_RefuseBadPortsAndRanges) {
  EXPECT_EQ(error_of({"--tcp-proxy-port", "70000"}),
            "command line: --tcp-proxy-port: \"70000\" is not a port (0-65535)");
  EXPECT_NE(error_of({"--proxy-trusted", "10.0.0.1/8"}).find("proxy-trusted"), std::string::npos);
  EXPECT_NE(error_of({"--udp-proxy-trusted", "balancer"}).find("udp-proxy-trusted"),
            std::string::npos);
}

TEST(ConfigErrors, Numbers_RefuseGarbageSignsAndOverflow) {
  EXPECT_EQ(error_of({"--user-quota", "10x"}),
            "command line: --user-quota: \"10x\" is not a number");
  EXPECT_EQ(error_of({"--user-quota", "-1"}), "command line: --user-quota: \"-1\" is not a number");
  EXPECT_EQ(error_of({"--user-quota", "+1"}), "command line: --user-quota: \"+1\" is not a number");
  EXPECT_EQ(error_of({"--user-quota", " 1"}), "command line: --user-quota: \" 1\" is not a number");
  EXPECT_EQ(error_of({"--user-quota", ""}), "command line: --user-quota: \"\" is not a number");
  EXPECT_EQ(error_of({"--user-quota", "4294967296"}),
            "command line: --user-quota: \"4294967296\" is out of range (0-4294967295)");
  EXPECT_EQ(error_of({"--max-bps", "18446744073709551616"}),
            "command line: --max-bps: \"18446744073709551616\" is out of range "
            "(0-18446744073709551615)");
  EXPECT_EQ(error_of({"--channel-lifetime", "0"}),
            "command line: --channel-lifetime: \"0\" is out of range (1-4294967295)");
}

TEST(ConfigErrors, RelayThreads_Within0To1024) {
  EXPECT_EQ(parsed({"-m", "0"}).relay_threads, 0u);
  EXPECT_EQ(parsed({"-m", "1024"}).relay_threads, 1024u);
  EXPECT_EQ(error_of({"-m", "1025"}), "command line: -m: \"1025\" is out of range (0-1024)");
}

// Each half-open DTLS handshake holds an OpenSSL session: no bound (0) or one no memory
// could hold is refused at startup, with the range.
TEST(ConfigErrors, DtlsMaxHalfOpen_Within1To65536) {
  EXPECT_EQ(parsed({}).dtls_max_half_open, 256u);
  EXPECT_EQ(parsed({"--dtls-max-half-open", "1"}).dtls_max_half_open, 1u);
  EXPECT_EQ(parsed({"--dtls-max-half-open", "65536"}).dtls_max_half_open, 65536u);
  EXPECT_EQ(error_of({"--dtls-max-half-open", "0"}),
            "command line: --dtls-max-half-open: \"0\" is out of range (1-65536)");
  EXPECT_EQ(error_of({"--dtls-max-half-open", "-5"}),
            "command line: --dtls-max-half-open: \"-5\" is not a number");
  EXPECT_EQ(error_of({"--dtls-max-half-open", "1000000"}),
            "command line: --dtls-max-half-open: \"1000000\" is out of range (1-65536)");
}

TEST(ConfigErrors, MinPortAboveMaxPort_BlamesTheOneSetLast) {
  EXPECT_EQ(error_of({"--max-port", "50000", "--min-port", "60000"}),
            "command line: --min-port: 60000 is above max-port 50000");
  EXPECT_EQ(file_error("max-port=40000\n"), "FILE:1: max-port: 40000 is below min-port 49152");
  EXPECT_EQ(error_of({"--min-port", "1000", "--max-port", "2000", "--min-port", "1500",
                      "--max-port", "1200"}),
            "command line: --max-port: 1200 is below min-port 1500");
  EXPECT_EQ(parsed({"--min-port", "50000", "--max-port", "50000"}).max_port, 50000);
}

TEST(ConfigErrors, Addresses_MustParse) {
  EXPECT_EQ(error_of({"-L", "1.2.3"}), "command line: -L: \"1.2.3\" is not an IP address");
  EXPECT_EQ(error_of({"-E", "[::1]"}), "command line: -E: \"[::1]\" is not an IP address");
  EXPECT_EQ(error_of({"-L", "localhost"}), "command line: -L: \"localhost\" is not an IP address");
  EXPECT_EQ(error_of({"-X", "203.0.113.5/"}),
            "command line: -X: \"203.0.113.5/\" is not public-IP or public-IP/private-IP");
  EXPECT_EQ(error_of({"--denied-peer-ip", "10.0.0.1-::1"}),
            "command line: --denied-peer-ip: \"10.0.0.1-::1\": the range mixes IPv4 and IPv6");
  EXPECT_EQ(error_of({"--allowed-peer-ip", "10.0.0.9-10.0.0.1"}),
            "command line: --allowed-peer-ip: \"10.0.0.9-10.0.0.1\": the first address is above "
            "the last");
  EXPECT_EQ(error_of({"--admin-listen", "127.0.0.1"}),
            "command line: --admin-listen: \"127.0.0.1\" is not IP:port (IPv6 as [addr]:port)");
  EXPECT_EQ(error_of({"--prometheus-listen", "::1:9641"}),
            "command line: --prometheus-listen: \"::1:9641\" is not IP:port (IPv6 as "
            "[addr]:port)");
  EXPECT_EQ(error_of({"--prometheus-listen", "127.0.0.1:0"}),
            "command line: --prometheus-listen: \"127.0.0.1:0\" is not IP:port (IPv6 as "
            "[addr]:port)");
}

TEST(ConfigErrors, AlternateServers_AreIpColonPort) {
  EXPECT_EQ(error_of({"--alternate-server", "turn.example.org:3478"}),
            "command line: --alternate-server: \"turn.example.org:3478\" is not IP:port (IPv6 "
            "as [addr]:port)");
  EXPECT_EQ(error_of({"--tls-alternate-server", "2001:db8::1:5349"}),
            "command line: --tls-alternate-server: \"2001:db8::1:5349\" is not IP:port (IPv6 "
            "as [addr]:port)");
  EXPECT_EQ(error_of({"--drain-timeout", "-1"}),
            "command line: --drain-timeout: \"-1\" is not a number");
  EXPECT_EQ(parsed({"--alternate-server", "192.0.2.1:3478", "--alternate-server=[::1]:3479"})
                .alternate_servers,
            (Strings{"192.0.2.1:3478", "[::1]:3479"}));
}

TEST(ConfigErrors, User_NeedsNameColonPassword) {
  EXPECT_EQ(error_of({"-u", "alice"}), "command line: -u: \"alice\" is not name:password");
  EXPECT_EQ(error_of({"-u", ":pw"}), "command line: -u: \":pw\" is not name:password");
}

TEST(ConfigErrors, RestApiSeparator_IsOneCharacter) {
  EXPECT_EQ(error_of({"-C", "::"}), "command line: -C: \"::\" is not a single character");
}

TEST(ConfigErrors, LtCredMechOff_IsRefused) {
  EXPECT_EQ(error_of({"--lt-cred-mech=off"}),
            "command line: --lt-cred-mech: cannot be turned off; use no-auth to allow anonymous "
            "relaying");
}

TEST(ConfigErrors, NoAuthWithAuthSecret_IsRefused) {
  EXPECT_EQ(file_error("static-auth-secret=s\nno-auth\n"),
            "FILE:2: no-auth: cannot be combined with use-auth-secret or static-auth-secret");
  EXPECT_EQ(error_of({"-z", "--use-auth-secret"}),
            "command line: -z: cannot be combined with use-auth-secret or static-auth-secret");
}

// ---- help and the sample config -------------------------------------------------------

TEST(ConfigHelp, MentionsEveryOptionWithItsShortFlagAndDefault) {
  auto help = help_text();
  auto mentions = [&](const std::string& flag) {
    for (auto at = help.find(flag); at != std::string::npos; at = help.find(flag, at + 1)) {
      char next = at + flag.size() < help.size() ? help[at + flag.size()] : ' ';
      if (next == ' ' || next == ',' || next == '[') return true;  // not a longer name
    }
    return false;
  };
  for (const auto& o : config::options()) {
    if (!o.name.empty()) {
      EXPECT_TRUE(mentions("--" + std::string(o.name))) << o.name;
    }
    if (o.short_flag != 0) {
      EXPECT_TRUE(mentions(std::string("  -") + o.short_flag)) << o.short_flag;
    }
    if (!o.default_text.empty() && !std::holds_alternative<config::Ignored>(o.action)) {
      EXPECT_NE(help.find("(default: " + std::string(o.default_text) + ")"), std::string::npos)
          << o.name;
    }
  }
}

TEST(ConfigHelp, OneLinePerOption) {
  auto help = help_text();
  size_t option_lines = 0;
  std::istringstream in(help);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("  -")) ++option_lines;
  EXPECT_EQ(option_lines, config::options().size());
}

// Defaults in the table feed --help and the sample config; they must be Config's.
TEST(ConfigHelp, NumericDefaults_MatchConfig) {
  for (const auto& o : config::options()) {
    if (!std::holds_alternative<config::Number>(o.action)) continue;
    auto number = std::string(o.default_text.substr(0, o.default_text.find(' ')));
    SCOPED_TRACE(o.name);
    EXPECT_EQ(parsed({"--" + std::string(o.name), number}), Config{});
  }
}

std::string sample_config() {
  std::ifstream in(std::string(TERN_SOURCE_DIR) + "/etc/ternd.conf");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every option is in etc/ternd.conf as "#name" or "#name=example" at the start of a line,
// and each such line, uncommented, is accepted on its own.
TEST(SampleConfig, ListsEveryOptionAndEachLineParses) {
  auto sample = sample_config();
  ASSERT_FALSE(sample.empty());
  std::set<std::string> seen;
  std::istringstream in(sample);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("#") || line.size() < 2 || line[1] == ' ' || line[1] == '#') continue;
    auto body = line.substr(1);
    auto key = body.substr(0, body.find('='));
    if (config::find_option(key) == nullptr) continue;
    seen.insert(key);
    SCOPED_TRACE(line);
    TempFile file(body + "\n");
    auto r = parse_file(file);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  }
  for (const auto& o : config::options()) {
    if (config::is_command_line_only(o) || std::holds_alternative<config::Refused>(o.action))
      continue;
    EXPECT_TRUE(seen.count(std::string(o.name))) << o.name << " is missing from etc/ternd.conf";
  }
}

// The file as shipped (everything commented out) gives the defaults.
TEST(SampleConfig, AsShipped_GivesDefaults) {
  auto r = parse({"-c", std::string(TERN_SOURCE_DIR) + "/etc/ternd.conf"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->config, Config{});
  EXPECT_TRUE(r->warnings.empty());
}

}  // namespace
}  // namespace tern

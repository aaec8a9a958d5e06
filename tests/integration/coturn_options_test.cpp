// coturn's options that tern implements, seen from outside: --check-config on Debian's own
// turnserver.conf, and what stun-only, no-stun, no-tlsv1_2, pkey-pwd, CA-file and
// allocation-default-address-family change for a client.

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "tests/support/certs.h"
#include "tests/support/free_ports.h"
#include "tests/support/process.h"
#include "tests/support/stun_client.h"
#include "tests/support/stun_expect.h"
#include "tests/support/stun_requests.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternd_process.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Debian's file with every commented-out option line ("#name", "#name=value") made active.
std::string debian_conf_all_uncommented() {
  const std::regex option_line(R"(^#([A-Za-z][A-Za-z0-9_-]*)(=.*| ".*")?$)");
  std::istringstream in(read_text("/etc/turnserver.conf"));
  std::string out;
  for (std::string line; std::getline(in, line);)
    out += (std::regex_match(line, option_line) ? line.substr(1) : line) + "\n";
  return out;
}

// The Binding error code, or 0 for a success; nullopt without an answer.
std::optional<uint16_t> binding_answer(StunClient& client) {
  auto request = binding_request();
  auto response = client.exchange(request);
  if (!response) return std::nullopt;
  auto m = stun::MessageView::parse(*response);
  if (!m || m->transaction_id_copy() != transaction_id_of(request)) return std::nullopt;
  if (m->message_class() == stun::Class::SuccessResponse) return 0;
  TurnResponse r(*response, ResponseIntegrity::None);
  return r.code();
}

// ---- --check-config ---------------------------------------------------------------------

TEST(CheckConfig, DebiansTurnserverConf_EveryOptionUncommented_HasNoUnknownOption) {
  if (!std::filesystem::exists("/etc/turnserver.conf")) GTEST_SKIP() << "coturn not installed";
  TempDir dir;
  auto conf = dir / "turnserver.conf";
  ASSERT_TRUE(write_file(conf, debian_conf_all_uncommented()));
  auto r = run_ternd({"--check-config", "-c", conf.string()}, dir);
  // Refused: psql-userdb, mysql-userdb, mongo-userdb, oauth, secure-stun, ...; each said.
  EXPECT_TRUE(r.status.exited && r.status.code == 2) << r.status.describe() << "\n" << r.err;
  EXPECT_EQ(r.err.find("unknown option"), std::string::npos) << r.err;
  for (const char* refused :
       {":299: psql-userdb: PostgreSQL", ": oauth: oAuth", ": server-relay: tern always"}) {
    EXPECT_NE(r.err.find(refused), std::string::npos) << refused << " in:\n" << r.err;
  }
}

TEST(CheckConfig, DebiansTurnserverConf_AsShipped_IsGood) {
  if (!std::filesystem::exists("/etc/turnserver.conf")) GTEST_SKIP() << "coturn not installed";
  TempDir dir;
  auto r = run_ternd({"--check-config", "-c", "/etc/turnserver.conf"}, dir);
  EXPECT_TRUE(r.status.clean()) << r.status.describe() << "\n" << r.err;
  EXPECT_EQ(r.out, "ternd: configuration OK: /etc/turnserver.conf\n");
}

// A good file exits 0 without opening anything: its port is held here, and ternd would
// fail to start on it.
TEST(CheckConfig, GoodFile_ExitsZeroWithoutStarting) {
  TempDir dir;
  PortLock lock = PortLock::acquire();
  auto ports = pick_server_ports(false);
  ASSERT_TRUE(ports);
  FileDescriptor held(::socket(AF_INET, SOCK_DGRAM, 0));
  SockAddr at = to_sockaddr(loopback(IpVersion::V4, ports->main));
  ASSERT_EQ(::bind(held.get(), at.get(), at.length), 0);
  auto conf = dir / "ternd.conf";
  ASSERT_TRUE(
      write_file(conf, "listening-ip=127.0.0.1\nlistening-port=" + std::to_string(ports->main) +
                           "\nrealm=a.example\n" + "realm=b.example\nudp-self-balance\n"));
  auto r = run_ternd({"--check-config", "-c", conf.string()}, dir);
  EXPECT_TRUE(r.status.clean()) << r.status.describe() << "\n" << r.err;
  EXPECT_EQ(r.out, "ternd: configuration OK: " + conf.string() + "\n");
  EXPECT_NE(r.err.find("ternd: warning: " + conf.string() + ":4: realm: given again (first at " +
                       conf.string() + ":3)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("ternd: warning: " + conf.string() + ":5: ignored: udp-self-balance"),
            std::string::npos)
      << r.err;
}

TEST(CheckConfig, BadFile_ExitsTwoWithEveryErrorOnItsOwnLine) {
  TempDir dir;
  auto conf = dir / "ternd.conf";
  ASSERT_TRUE(write_file(conf, "listen-port=3478\nmin-port=0\nsql-userdb=x\n"));
  auto r = run_ternd({"--check-config", "-c", conf.string()}, dir);
  EXPECT_TRUE(r.status.exited && r.status.code == 2) << r.status.describe();
  EXPECT_EQ(r.err, "ternd: " + conf.string() +
                       ":1: listen-port: unknown option (did you mean listening-port?)\n"
                       "ternd: " +
                       conf.string() + ":2: min-port: \"0\" is not a port (1-65535)\n" +
                       "ternd: " + conf.string() +
                       ":3: sql-userdb: PostgreSQL user databases are not supported; use "
                       "userdb or redis-userdb\n");
  EXPECT_EQ(r.out, "");
}

// The files the configuration names are read too: a certificate that is not there is
// found before a restart would meet it.
TEST(CheckConfig, MissingCertificate_ExitsTwoNamingIt) {
  TempDir dir;
  auto cert = dir / "missing-cert.pem";
  auto key = dir / "missing-key.pem";
  auto r =
      run_ternd({"--check-config", "-n", "--cert", cert.string(), "--pkey", key.string()}, dir);
  EXPECT_TRUE(r.status.exited && r.status.code == 2) << r.status.describe();
  EXPECT_TRUE(r.err.starts_with("ternd: TLS: cert " + cert.string() + ": ")) << r.err;
  EXPECT_EQ(r.out, "");
}

// ---- stun-only and no-stun ---------------------------------------------------------------

class CoturnOptionsTest : public TurnTest {};

TEST_F(CoturnOptionsTest, StunOnly_AnswersBindingButNotAllocate) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--stun-only"}}));
  for (auto transport : {Transport::Udp, Transport::Tcp}) {
    SCOPED_TRACE(to_string(transport));
    auto stun = StunClient::connect(transport, server(transport, IpVersion::V4));
    ASSERT_TRUE(stun) << stun.error();
    EXPECT_EQ(binding_answer(*stun), 0);
    auto c = connect(transport, IpVersion::V4);
    ASSERT_TRUE(c);
    EXPECT_TRUE(IsError(c->allocate(), 400));
  }
}

TEST_F(CoturnOptionsTest, NoStun_RefusesBindingButRelays) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--no-stun"}}));
  auto stun = StunClient::connect(Transport::Udp, server(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(stun) << stun.error();
  EXPECT_EQ(binding_answer(*stun), 400);
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsSuccess(c->allocate()));
}

TEST(CoturnServerName, IsInTheStartupLog) {
  auto ternd = TerndProcess::start({.args = {"--server-name", "turn.example.org"}});
  ASSERT_TRUE(ternd) << ternd.error();
  EXPECT_NE(ternd->log().find(" starting: server-name turn.example.org"), std::string::npos)
      << ternd->diagnostics();
}

TEST_F(CoturnOptionsTest, SecureStun_BindingNeedsCredentialsAndItsAnswerIsSigned) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--secure-stun"}}));
  auto stun = StunClient::connect(Transport::Udp, server(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(stun) << stun.error();
  EXPECT_EQ(binding_answer(*stun), 401);
  for (auto transport : {Transport::Udp, Transport::Tcp}) {
    SCOPED_TRACE(to_string(transport));
    auto c = connect(transport, IpVersion::V4);  // alice's credentials
    ASSERT_TRUE(c);
    // The client refuses an unsigned success, so a success here was signed.
    auto r = c->request(stun::Method::Binding, [](stun::MessageBuilder&) {});
    ASSERT_TRUE(IsSuccess(r));
    EXPECT_NE(r->integrity(), ResponseIntegrity::None) << *r;
    EXPECT_EQ(r->mapped(), c->local_address()) << *r;
  }
}

// An aux-server is one more listener, UDP and TCP, beside the listening-ip ones.
TEST(CoturnAuxServer, AnswersOverUdpAndTcp) {
  std::optional<ServerPorts> aux;
  {
    // Released before start(), which takes the same lock for its own ports.
    PortLock lock = PortLock::acquire();
    aux = pick_server_ports(false);
  }
  ASSERT_TRUE(aux);
  auto aux_address = loopback(IpVersion::V4, aux->main);
  auto ternd = TerndProcess::start({.args = {"--aux-server", aux_address.to_string()}});
  ASSERT_TRUE(ternd) << ternd.error();
  for (auto transport : {Transport::Udp, Transport::Tcp}) {
    SCOPED_TRACE(to_string(transport));
    auto client = StunClient::connect(transport, aux_address);
    ASSERT_TRUE(client) << client.error();
    EXPECT_EQ(binding_answer(*client), 0);
  }
}

// ---- allocation-default-address-family ---------------------------------------------------

TEST_F(CoturnOptionsTest, AllocationDefaultAddressFamilyIpv6_RelaysOverIpv6ForAnIpv4Client) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback";
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--allocation-default-address-family", "ipv6"}}));
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->allocate();
  ASSERT_TRUE(IsSuccess(r));
  ASSERT_EQ(r->relayed().size(), 1u) << *r;
  EXPECT_EQ(r->relayed()[0].family, Family::V6) << *r;
}

TEST_F(CoturnOptionsTest, KeepAddressFamily_RelaysInTheClientsFamily) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback";
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--keep-address-family"}}));
  for (auto version : {IpVersion::V4, IpVersion::V6}) {
    auto c = connect(Transport::Udp, version);
    ASSERT_TRUE(c);
    auto r = c->allocate();
    ASSERT_TRUE(IsSuccess(r));
    ASSERT_EQ(r->relayed().size(), 1u) << *r;
    EXPECT_EQ(r->relayed()[0].family, family_of(version)) << *r;
  }
}

// ---- TLS: no-tlsv1_2, pkey-pwd, CA-file --------------------------------------------------

Result<StunClient, std::string> tls_client(const TerndProcess& ternd,
                                           TlsClientOptions options = {}) {
  auto at = ternd.address(Transport::Tls, IpVersion::V4);
  return StunClient::connect_from(Transport::Tls, TransportAddress{.family = at.family}, at,
                                  Millis(5000), options);
}

TEST(CoturnTlsOptions, NoTlsv1_2_RefusesATls12HandshakeAndAcceptsTls13) {
  auto ternd = TerndProcess::start({.args = {"--no-tlsv1_2"}, .tls = true});
  ASSERT_TRUE(ternd) << ternd.error();
  auto tls12 = tls_client(*ternd, {.max_version = TLS1_2_VERSION});
  EXPECT_FALSE(tls12) << "a TLS 1.2 handshake succeeded";
  auto tls13 = tls_client(*ternd);
  ASSERT_TRUE(tls13) << tls13.error();
  EXPECT_EQ(binding_answer(*tls13), 0);
}

TEST(CoturnTlsOptions, WithoutNoTlsv1_2_Tls12IsAccepted) {
  auto ternd = TerndProcess::start({.tls = true});
  ASSERT_TRUE(ternd) << ternd.error();
  auto tls12 = tls_client(*ternd, {.max_version = TLS1_2_VERSION});
  ASSERT_TRUE(tls12) << tls12.error();
  EXPECT_EQ(binding_answer(*tls12), 0);
}

// The test's own certificate, its key encrypted with `password`.
Result<CertFiles, std::string> encrypted_cert(const TempDir& dir, const std::string& password) {
  auto plain = make_self_signed_cert(dir.path());
  if (!plain) return plain;
  auto encrypted = dir / "encrypted-key.pem";
  auto r = run_command({"/usr/bin/openssl", "pkey", "-in", plain->key.string(), "-aes256",
                        "-passout", "pass:" + password, "-out", encrypted.string()},
                       dir.path());
  if (!r.status.clean()) return unexpected("openssl pkey: " + r.err);
  return CertFiles{plain->cert, encrypted};
}

TEST(CoturnTlsOptions, PkeyPwd_UnlocksAnEncryptedKey) {
  TempDir keys;
  auto files = encrypted_cert(keys, "open sesame");
  ASSERT_TRUE(files) << files.error();
  auto ternd = TerndProcess::start({.args = {"--cert", files->cert.string(), "--pkey",
                                             files->key.string(), "--pkey-pwd", "open sesame"},
                                    .tls = true});
  ASSERT_TRUE(ternd) << ternd.error();
  auto client = tls_client(*ternd);
  ASSERT_TRUE(client) << client.error();
  EXPECT_EQ(binding_answer(*client), 0);
}

// Without the password OpenSSL would ask on the terminal; ternd must fail at once instead.
TEST(CoturnTlsOptions, EncryptedKeyWithoutPkeyPwd_FailsNamingTheKey) {
  TempDir keys;
  auto files = encrypted_cert(keys, "open sesame");
  ASSERT_TRUE(files) << files.error();
  auto r = run_ternd({"--listening-ip", "127.0.0.1", "--listening-port", "1", "--no-udp",
                      "--no-tcp", "--cert", files->cert.string(), "--pkey", files->key.string()},
                     keys);
  EXPECT_TRUE(r.status.exited && r.status.code == 1) << r.status.describe();
  EXPECT_NE(r.err.find("TLS: pkey " + files->key.string() + ": "), std::string::npos) << r.err;
}

// A CA and a client certificate it signed, made with the openssl CLI.
struct ClientPki {
  std::filesystem::path ca, cert, key;
};

Result<ClientPki, std::string> make_client_pki(const TempDir& dir) {
  ClientPki pki{dir / "ca.pem", dir / "client.pem", dir / "client-key.pem"};
  auto ca_key = dir / "ca-key.pem";
  auto csr = dir / "client.csr";
  const std::vector<std::vector<std::string>> steps = {
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=tern test CA",
       "-keyout", ca_key.string(), "-out", pki.ca.string()},
      {"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-subj", "/CN=client", "-keyout", pki.key.string(), "-out", csr.string()},
      {"/usr/bin/openssl", "x509", "-req", "-in", csr.string(), "-CA", pki.ca.string(), "-CAkey",
       ca_key.string(), "-CAcreateserial", "-days", "1", "-out", pki.cert.string()},
  };
  for (const auto& step : steps) {
    auto r = run_command(step, dir.path());
    if (!r.status.clean()) return unexpected("openssl " + step[1] + ": " + r.err);
  }
  return pki;
}

TEST(CoturnTlsOptions, CaFile_OnlyClientsWithACertificateItSignedAreServed) {
  TempDir dir;
  auto pki = make_client_pki(dir);
  ASSERT_TRUE(pki) << pki.error();
  auto ternd = TerndProcess::start({.args = {"--CA-file", pki->ca.string()}, .tls = true});
  ASSERT_TRUE(ternd) << ternd.error();

  auto with_cert = tls_client(*ternd, {.cert = pki->cert.string(), .key = pki->key.string()});
  ASSERT_TRUE(with_cert) << with_cert.error();
  EXPECT_EQ(binding_answer(*with_cert), 0);

  // TLS 1.3 finishes the client's handshake before the server has judged its certificate:
  // the refusal shows as the connection failing, at the handshake or at the first read.
  auto without = tls_client(*ternd);
  if (without) {
    EXPECT_EQ(binding_answer(*without), std::nullopt);
  }
}

}  // namespace
}  // namespace tern::test

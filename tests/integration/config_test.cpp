// ternd's configuration as an operator meets it: a mistake in a file or a flag stops it
// with the place and the reason, before it serves anything; --help lists the options.

#include <gtest/gtest.h>

#include "tern/version.h"
#include "tests/support/free_ports.h"
#include "tests/support/stun_client.h"
#include "tests/support/stun_expect.h"
#include "tests/support/stun_requests.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternd_process.h"

namespace tern::test {
namespace {

// A ternd that should refuse to start must not grab a real port if it starts after all.
std::vector<std::string> on_a_free_port() {
  PortLock lock = PortLock::acquire();
  auto ports = pick_server_ports(false);
  if (!ports) return {};
  return {"--listening-ip", "127.0.0.1", "--listening-port", std::to_string(ports->main)};
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(Config, UnknownKeyInFile_ExitsNonZeroNamingFileAndLine) {
  TempDir dir;
  auto conf = dir / "ternd.conf";
  ASSERT_TRUE(write_file(conf, "# a comment\nlistening-port=3478\nno-such-option=1\n"));
  auto r = run_ternd(plus({"-c", conf.string()}, on_a_free_port()), dir);
  EXPECT_TRUE(r.status.exited && r.status.code != 0) << r.status.describe();
  EXPECT_NE(r.err.find(conf.string() + ":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no-such-option"), std::string::npos) << r.err;
}

TEST(Config, BadPortInFile_ExitsNonZeroNamingFileAndLine) {
  TempDir dir;
  auto conf = dir / "ternd.conf";
  ASSERT_TRUE(write_file(conf, "listening-port=99999\n"));
  auto r = run_ternd({"-c", conf.string(), "--listening-ip", "127.0.0.1"}, dir);
  EXPECT_TRUE(r.status.exited && r.status.code != 0) << r.status.describe();
  EXPECT_NE(r.err.find(conf.string() + ":1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("listening-port"), std::string::npos) << r.err;
}

TEST(Config, BadPortOnCommandLine_ExitsNonZeroNamingTheOption) {
  TempDir dir;
  auto r = run_ternd({"--listening-ip", "127.0.0.1", "--listening-port", "65536"}, dir);
  EXPECT_TRUE(r.status.exited && r.status.code != 0) << r.status.describe();
  EXPECT_NE(r.err.find("listening-port"), std::string::npos) << r.err;
}

TEST(Config, MissingCertFile_ExitsNonZeroNamingTheFile) {
  TempDir dir;
  auto cert = dir / "missing-cert.pem";
  auto key = dir / "missing-key.pem";
  auto r =
      run_ternd(plus({"--cert", cert.string(), "--pkey", key.string()}, on_a_free_port()), dir);
  EXPECT_TRUE(r.status.exited && r.status.code != 0) << r.status.describe();
  // With no --log-file the log is stdout; the reason may be on either stream.
  EXPECT_NE((r.out + r.err).find(cert.string()), std::string::npos) << "stdout:\n"
                                                                    << r.out << "stderr:\n"
                                                                    << r.err;
}

TEST(Config, Help_ExitsZeroListingTheOptions) {
  TempDir dir;
  auto r = run_ternd({"--help"}, dir);
  EXPECT_TRUE(r.status.clean()) << r.status.describe();
  for (const char* option : {"listening-port", "listening-ip", "tls-listening-port", "cert", "pkey",
                             "relay-threads", "log-file", "no-software-attribute"}) {
    EXPECT_NE(r.out.find(option), std::string::npos) << option << " missing from:\n" << r.out;
  }
}

TEST(Config, Version_ExitsZeroPrintingTheProjectVersion) {
  TempDir dir;
  auto r = run_ternd({"--version"}, dir);
  EXPECT_TRUE(r.status.clean()) << r.status.describe();
  EXPECT_EQ(r.out, version_line("ternd") + "\n");
  EXPECT_TRUE(r.out.starts_with("ternd " + std::string(kVersion) + "\n") ||
              r.out.starts_with("ternd " + std::string(kVersion) + " (git "))
      << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(Config, Startup_LogsTheVersion) {
  auto server = TerndProcess::start();
  ASSERT_TRUE(server.ok()) << server.error();
  EXPECT_NE(server->log().find(version_line("ternd") + " starting"), std::string::npos)
      << server->diagnostics();
}

TEST(Config, FileSettings_AreApplied) {
  TempDir conf_dir;
  auto conf = conf_dir / "ternd.conf";
  ASSERT_TRUE(write_file(conf,
                         "# the same names as the flags, without dashes\n"
                         "no-software-attribute\n"));
  auto ternd = TerndProcess::start({.args = {"-c", conf.string()}});
  ASSERT_TRUE(ternd) << ternd.error();
  auto client = StunClient::connect(Transport::Udp, ternd->address(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(client) << client.error();
  auto request = binding_request();
  auto response = client->exchange(request);
  ASSERT_TRUE(IsBindingSuccessFor(request, response));
  EXPECT_FALSE(stun::MessageView::parse(*response)->has(stun::attr::Software))
      << describe(*response);
}

}  // namespace
}  // namespace tern::test

// Interop with a third-party client: coturn's turnutils_stunclient (Debian package
// coturn) does a Binding against ternd and must print its reflexive address.

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "tests/support/temp_dir.h"
#include "tests/support/ternd_process.h"
#include "tests/support/test_params.h"

namespace tern::test {
namespace {

constexpr const char* kStunClient = "/usr/bin/turnutils_stunclient";

class StunclientInterop : public ::testing::TestWithParam<IpVersion> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kStunClient)) {
      GTEST_SKIP() << kStunClient << " not installed (apt-get install coturn; make test does)";
    }
    if (GetParam() == IpVersion::V6 && !ipv6_loopback_available()) {
      GTEST_SKIP() << "no IPv6 loopback on this machine";
    }
  }
};

TEST_P(StunclientInterop, Binding_ExitsZeroAndPrintsTheLoopbackAddress) {
  auto ternd = TerndProcess::start();
  ASSERT_TRUE(ternd) << ternd.error();
  auto server = ternd->address(Transport::Udp, GetParam());
  TempDir dir;
  auto r =
      run_command({kStunClient, "-p", std::to_string(server.port), server.ip_string()}, dir.path());
  ASSERT_TRUE(r.status.clean()) << r.status.describe() << "\nstdout:\n"
                                << r.out << "stderr:\n"
                                << r.err << "\n"
                                << ternd->diagnostics();
  // Its line reads "0: : IPv4. UDP reflexive addr: 127.0.0.1:56798".
  std::string ip = GetParam() == IpVersion::V4 ? "127\\.0\\.0\\.1" : "::1";
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("UDP reflexive addr: " + ip + ":([0-9]+)")))
      << r.out;
  int port = std::stoi(m[1].str());
  EXPECT_TRUE(port > 0 && port < 65536) << m[0];
}

INSTANTIATE_TEST_SUITE_P(IpVersions, StunclientInterop, both_ip_versions(), ParamName());

}  // namespace
}  // namespace tern::test

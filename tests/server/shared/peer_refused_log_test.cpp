#include "server/shared/peer_refused_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/log.h"
#include "tests/base/test_addresses.h"
#include "tests/server/shared/file_log_test.h"

namespace tern {
namespace {

using test::ip;

constexpr int64_t kT0 = 5'000'000;  // steady ms

class PeerRefusedLogTest : public test::FileLogTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(FileLogTest::SetUp());
    log_ = std::make_unique<PeerRefusedLog>(logger_.get());
  }
  void note(const TransportAddress& client, const TransportAddress& peer, int64_t now) {
    log_->note({.session = "001000000000000007",
                .user = "alice",
                .client = client,
                .peer = peer,
                .rule = "default-denied"},
               now);
  }

  std::unique_ptr<PeerRefusedLog> log_;
};

TEST_F(PeerRefusedLogTest, Line_NamesPeerRuleSessionUserAndClient_AtWarning) {
  note(ip("192.0.2.1", 4321), ip("169.254.169.254", 80), kT0);
  auto l = lines();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_NE(l[0].find(" WARNING peer refused peer=169.254.169.254:80 rule=default-denied "
                      "session=001000000000000007 user=\"alice\" client=192.0.2.1:4321"),
            std::string::npos)
      << l[0];
}

TEST_F(PeerRefusedLogTest, AProbeFromOneClient_IsAFewLines_ThenOneSuppressedLine) {
  const auto client = ip("192.0.2.9", 1000);
  for (int i = 0; i < 1000; ++i) note(client, ip("10.0.0.1", static_cast<uint16_t>(i)), kT0 + i);
  EXPECT_EQ(lines().size(), PeerRefusedLog::kLinesPerSource);
  log_->flush(kT0 + 61'000);
  auto l = lines();
  ASSERT_EQ(l.size(), PeerRefusedLog::kLinesPerSource + 1);
  const auto skipped = std::to_string(1000 - PeerRefusedLog::kLinesPerSource);
  EXPECT_NE(l.back().find(" WARNING suppressed " + skipped +
                          " similar lines: peer refused source=192.0.2.9 window=60s"),
            std::string::npos)
      << l.back();
}

}  // namespace
}  // namespace tern

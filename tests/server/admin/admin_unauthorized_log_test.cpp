#include "server/admin/admin_unauthorized_log.h"

#include <gtest/gtest.h>

#include <string>

#include "base/log.h"
#include "base/socket_address.h"
#include "tests/base/test_addresses.h"
#include "tests/server/shared/file_log_test.h"

namespace tern {
namespace {

using test::ip;

constexpr int64_t kT0 = 5'000'000;  // steady ms

class AdminUnauthorizedLogTest : public test::FileLogTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(FileLogTest::SetUp());
    log_ = std::make_unique<AdminUnauthorizedLog>(*logger_);
  }
  void note(const std::string& source, std::string_view path, bool token, int64_t now) {
    const SockAddr peer = to_sockaddr(ip(source.c_str(), 5555));
    log_->note({.peer = peer.get(), .path = path, .token_given = token}, now);
  }

  std::unique_ptr<AdminUnauthorizedLog> log_;
};

TEST_F(AdminUnauthorizedLogTest, Line_NamesSourcePathAndWhetherATokenCame) {
  note("192.0.2.1", "/v1/stats", true, kT0);
  note("192.0.2.2", "/v1/sessions\n2026 INFO forged", false, kT0);
  log_->note({.peer = nullptr, .path = "/v1/drain", .token_given = false}, kT0);
  auto l = lines();
  ASSERT_EQ(l.size(), 3u);
  EXPECT_TRUE(
      l[0].ends_with(" WARNING admin API unauthorized source=192.0.2.1 path=\"/v1/stats\" "
                     "token=wrong"))
      << l[0];
  EXPECT_TRUE(
      l[1].ends_with(" source=192.0.2.2 path=\"/v1/sessions?2026 INFO forged\" "
                     "token=missing"))
      << l[1];
  EXPECT_TRUE(l[2].ends_with(" source=local path=\"/v1/drain\" token=missing")) << l[2];
}

TEST_F(AdminUnauthorizedLogTest, AGuesserIsAFewLines_AnotherSourceStillLogs_ThenASummary) {
  for (int i = 0; i < 100; ++i) note("192.0.2.1", "/v1/stats", true, kT0 + i);
  EXPECT_EQ(lines().size(), AdminUnauthorizedLog::kLinesPerSource);
  note("192.0.2.2", "/v1/stats", true, kT0 + 200);
  EXPECT_EQ(lines().size(), AdminUnauthorizedLog::kLinesPerSource + 1);
  log_->flush(kT0 + 61'000);
  auto l = lines();
  ASSERT_EQ(l.size(), AdminUnauthorizedLog::kLinesPerSource + 2);
  EXPECT_NE(l.back().find(" WARNING suppressed " +
                          std::to_string(100 - AdminUnauthorizedLog::kLinesPerSource) +
                          " similar lines: admin API unauthorized source=192.0.2.1 window=60s"),
            std::string::npos)
      << l.back();
}

}  // namespace
}  // namespace tern

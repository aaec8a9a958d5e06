#include "server/shared/auth_failure_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/log.h"
#include "tests/base/test_addresses.h"
#include "tests/server/shared/file_log_test.h"

namespace tern {
namespace {

using auth::AuthFailure;
using test::ip;

constexpr int64_t kT0 = 5'000'000;  // steady ms

class AuthFailureLogTest : public test::FileLogTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(FileLogTest::SetUp());
    log_ = std::make_unique<AuthFailureLog>(logger_.get());
  }
  void note(const TransportAddress& source, std::string_view user, AuthFailure why, int64_t now,
            Transport t = Transport::Tcp) {
    log_->note(
        {.user = user, .realm = "tern.test", .source = source, .transport = t, .reason = why}, now);
  }

  std::unique_ptr<AuthFailureLog> log_;
};

TEST_F(AuthFailureLogTest, Line_NamesUserRealmSourceTransportAndReason_AtWarning) {
  note(ip("192.0.2.1", 4321), "alice", AuthFailure::BadIntegrity, kT0);
  auto l = lines();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_NE(l[0].find(" WARNING "), std::string::npos) << l[0];
  EXPECT_NE(l[0].find(" authentication failed user=\"alice\" realm=\"tern.test\" "
                      "source=192.0.2.1:4321 transport=TCP reason=\"bad integrity"),
            std::string::npos)
      << l[0];
}

TEST_F(AuthFailureLogTest, EachReason_HasItsOwnWords) {
  note(ip("192.0.2.1"), "mallory", AuthFailure::UnknownUser, kT0);
  note(ip("192.0.2.2"), "1:bob", AuthFailure::ExpiredCredential, kT0);
  note(ip("192.0.2.3"), "alice", AuthFailure::WrongRealm, kT0);
  note(ip("192.0.2.4"), "alice", AuthFailure::HeldBack, kT0);
  auto l = lines();
  ASSERT_EQ(l.size(), 4u);
  EXPECT_NE(l[0].find("unknown user"), std::string::npos) << l[0];
  EXPECT_NE(l[1].find("expired REST credential"), std::string::npos) << l[1];
  EXPECT_NE(l[2].find("wrong realm"), std::string::npos) << l[2];
  EXPECT_NE(l[3].find("held back"), std::string::npos) << l[3];
}

TEST_F(AuthFailureLogTest, AFloodFromOneSource_IsAFewLinesAMinute_ThenASummary) {
  const auto source = ip("192.0.2.9", 1000);
  for (int i = 0; i < 10'000; ++i) note(source, "alice", AuthFailure::BadIntegrity, kT0 + i);
  EXPECT_EQ(lines().size(), AuthFailureLog::kLinesPerSource);
  // The next minute's first failure says first how many the last one did not log.
  note(source, "alice", AuthFailure::BadIntegrity, kT0 + 61'000);
  auto l = lines();
  ASSERT_EQ(l.size(), AuthFailureLog::kLinesPerSource + 2);
  const auto skipped = std::to_string(10'000 - AuthFailureLog::kLinesPerSource);
  EXPECT_NE(l[AuthFailureLog::kLinesPerSource].find(
                " WARNING suppressed " + skipped +
                " similar lines: authentication failed source=192.0.2.9 window=60s"),
            std::string::npos)
      << l[AuthFailureLog::kLinesPerSource];
  // ...and the tick says nothing more of it.
  log_->flush(kT0 + 200'000);
  EXPECT_EQ(lines().size(), AuthFailureLog::kLinesPerSource + 2);
}

TEST_F(AuthFailureLogTest, AFloodThatStops_IsSummedUpByTheTickOnceItsMinuteEnds) {
  const auto source = ip("192.0.2.9", 1000);
  for (int i = 0; i < 1000; ++i) note(source, "alice", AuthFailure::BadIntegrity, kT0 + i);
  log_->flush(kT0 + 30'000);  // the minute is not over: nothing yet
  EXPECT_EQ(lines().size(), AuthFailureLog::kLinesPerSource);
  log_->flush(kT0 + 61'000);
  auto l = lines();
  ASSERT_EQ(l.size(), AuthFailureLog::kLinesPerSource + 1);
  const auto skipped = std::to_string(1000 - AuthFailureLog::kLinesPerSource);
  EXPECT_NE(l.back().find(" WARNING suppressed " + skipped +
                          " similar lines: authentication failed source=192.0.2.9 window=60s"),
            std::string::npos)
      << l.back();
  // Said once; the next failure starts a fresh minute with no summary of its own.
  log_->flush(kT0 + 200'000);
  note(source, "alice", AuthFailure::BadIntegrity, kT0 + 201'000);
  l = lines();
  ASSERT_EQ(l.size(), AuthFailureLog::kLinesPerSource + 2);
  EXPECT_NE(l.back().find(" authentication failed user="), std::string::npos) << l.back();
}

TEST_F(AuthFailureLogTest, AFloodFromManySources_IsBoundedAsAWhole) {
  for (int i = 0; i < 5000; ++i) {
    auto source =
        ip(("10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".1").c_str());
    note(source, "alice", AuthFailure::UnknownUser, kT0 + i);
  }
  EXPECT_EQ(lines().size(), AuthFailureLog::kLinesPerMinute);
}

TEST_F(AuthFailureLogTest, Usernames_AreClippedAndEscaped) {
  const std::string huge(500, 'u');
  note(ip("192.0.2.1"), huge + "\n", AuthFailure::UnknownUser, kT0);
  note(ip("192.0.2.2"), "eve\nFORGED ERROR line", AuthFailure::UnknownUser, kT0);
  auto l = lines();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_NE(l[0].find("\"" + std::string(AuthFailureLog::kMaxUserChars, 'u') + "\""),
            std::string::npos);
  EXPECT_LT(l[0].size(), 300u);
  EXPECT_NE(l[1].find("eve\\x0aFORGED"), std::string::npos) << l[1];
}

TEST_F(AuthFailureLogTest, Hold_IsSaidWithItsLength_AndUdpHoldsNameTheUser) {
  log_->note_hold({.user = "alice",
                   .realm = "tern.test",
                   .source = ip("192.0.2.1", 9),
                   .transport = Transport::Tls,
                   .reason = AuthFailure::BadIntegrity},
                  60, kT0);
  log_->note_hold({.user = "bob",
                   .realm = "tern.test",
                   .source = ip("192.0.2.2", 9),
                   .transport = Transport::Udp,
                   .reason = AuthFailure::BadIntegrity},
                  60, kT0);
  auto l = lines();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_NE(l[0].find("from 192.0.2.1:"), std::string::npos) << l[0];
  EXPECT_NE(l[0].find("60 s"), std::string::npos) << l[0];
  EXPECT_NE(l[1].find("192.0.2.2 for user \"bob\" over UDP"), std::string::npos) << l[1];
}

}  // namespace
}  // namespace tern

#include "server/shared/tls_failure_log.h"

#include <gtest/gtest.h>

#include <string>

#include "base/log.h"
#include "tests/base/test_addresses.h"
#include "tests/server/shared/file_log_test.h"

namespace tern {
namespace {

using test::ip;

constexpr int64_t kT0 = 5'000'000;  // steady ms

class TlsFailureLogTest : public test::FileLogTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(FileLogTest::SetUp());
    log_ = std::make_unique<TlsFailureLog>(logger_.get());
  }
  void note(const TransportAddress& source, std::string_view reason, int64_t now) {
    log_->note({.source = source, .listener = ip("192.0.2.100", 5349), .reason = reason}, now);
  }

  std::unique_ptr<TlsFailureLog> log_;
};

TEST_F(TlsFailureLogTest, Line_NamesSourceListenerAndOpenSslReason_AtWarning) {
  note(ip("198.51.100.7", 40000), "tlsv1 alert unknown ca", kT0);
  auto l = lines();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_NE(l[0].find(" WARNING TLS handshake failed source=198.51.100.7:40000 "
                      "listener=192.0.2.100:5349 reason=\"tlsv1 alert unknown ca\""),
            std::string::npos)
      << l[0];
}

TEST_F(TlsFailureLogTest, AScannerIsAFewLinesAMinute_ThenOneSuppressedLine) {
  const auto scanner = ip("203.0.113.5", 1);
  for (int i = 0; i < 500; ++i) note(scanner, "wrong version number", kT0 + i);
  EXPECT_EQ(lines().size(), TlsFailureLog::kLinesPerSource);
  note(ip("203.0.113.6", 2), "no shared cipher", kT0 + 600);  // another source still logs
  EXPECT_EQ(lines().size(), TlsFailureLog::kLinesPerSource + 1);
  log_->flush(kT0 + 61'000);
  auto l = lines();
  ASSERT_EQ(l.size(), TlsFailureLog::kLinesPerSource + 2);
  EXPECT_NE(
      l.back().find(" WARNING suppressed " + std::to_string(500 - TlsFailureLog::kLinesPerSource) +
                    " similar lines: TLS handshake failed source=203.0.113.5 window=60s"),
      std::string::npos)
      << l.back();
}

TEST_F(TlsFailureLogTest, AReasonCannotForgeAField) {
  note(ip("198.51.100.7", 1), "x\" source=\"forged", kT0);
  auto l = lines();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_NE(l[0].find("reason=\"x\\\" source=\\\"forged\""), std::string::npos) << l[0];
}

}  // namespace
}  // namespace tern

// The test client itself: its long-term key must be the one RFC 8489 defines, or every
// TURN test would be checking ternd against a client that is wrong in the same way.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "tests/support/turn_client.h"

namespace tern::test {
namespace {

std::string hex(const Bytes& bytes) {
  std::string s;
  char b[3];
  for (uint8_t v : bytes) {
    std::snprintf(b, sizeof b, "%02x", v);
    s += b;
  }
  return s;
}

TEST(TurnClientKey, Md5_MatchesTheRfc8489CheckValue) {
  // RFC 8489 §9.2.2 (and RFC-NOTES): user:realm:pass.
  EXPECT_EQ(hex(long_term_key("user", "realm", "pass", false)), "8493fbc53ba582fb4c044c456bdc40eb");
}

TEST(TurnClientKey, Sha256_IsSha256OfTheSameString) {
  // python3 -c "import hashlib; print(hashlib.sha256(b'alice:tern.test:secret').hexdigest())"
  EXPECT_EQ(hex(long_term_key("alice", "tern.test", "secret", true)),
            "b5bd87119c45f0c4d786d123b9ec7e1ecdd4395ac3c459b683bcd017e9aed205");
}

}  // namespace
}  // namespace tern::test

#include "server/core/request_context.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tern {
namespace {

TEST(Transport, NamedAsOperatorsWriteThem) {
  EXPECT_STREQ(to_string(Transport::Udp), "UDP");
  EXPECT_STREQ(to_string(Transport::Tcp), "TCP");
  EXPECT_STREQ(to_string(Transport::Tls), "TLS");
}

// Test parameters print through operator<< (gtest's "GetParam() = (TLS, IPv6)").
TEST(Transport, StreamsItsName) {
  std::ostringstream os;
  os << Transport::Tls << '/' << Transport::Udp;
  EXPECT_EQ(os.str(), "TLS/UDP");
}

}  // namespace
}  // namespace tern

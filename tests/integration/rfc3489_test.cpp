// RFC 3489 clients (no magic cookie) are answered only with --stun-backward-compatibility,
// and then with MAPPED-ADDRESS, which they can read, and the whole 128-bit id echoed.

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/message.h"
#include "protocol/plain_address.h"
#include "protocol/xor_address.h"
#include "tests/support/stun_client.h"
#include "tests/support/ternd_process.h"

namespace tern::test {
namespace {

// A classic Binding request: type 0x0001, length 0, then a 128-bit transaction id where
// RFC 5389 has the cookie.
std::vector<uint8_t> classic_binding_request() {
  std::vector<uint8_t> m(20, 0);
  store_u16(m.data(), 0x0001);
  for (size_t i = 4; i < 20; ++i) m[i] = static_cast<uint8_t>(0xA0 + i);
  return m;
}

TEST(Rfc3489, WithBackwardCompatibility_AnsweredWithMappedAddressAndWholeId) {
  auto ternd = TerndProcess::start({{"--stun-backward-compatibility"}});
  ASSERT_TRUE(ternd.ok()) << ternd.error();
  auto client = StunClient::connect(Transport::Udp, ternd->address(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(client.ok()) << client.error();
  const auto request = classic_binding_request();
  auto response = client->exchange(request);
  ASSERT_TRUE(response.ok()) << ternd->diagnostics();
  auto m = stun::MessageView::parse(*response, {.allow_rfc3489 = true});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->message_class(), stun::Class::SuccessResponse);
  EXPECT_FALSE(m->has_magic_cookie());
  EXPECT_TRUE(std::equal(request.begin() + 4, request.end(), response->begin() + 4));
  auto mapped = stun::MappedAddress::get_from(*m);
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(mapped->address, client->local_address());
  EXPECT_FALSE(m->has(stun::attr::XorMappedAddress));
}

TEST(Rfc3489, WithoutBackwardCompatibility_IsDroppedAndCounted) {
  auto ternd = TerndProcess::start();
  ASSERT_TRUE(ternd.ok()) << ternd.error();
  auto client = StunClient::connect(Transport::Udp, ternd->address(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(client.ok()) << client.error();
  auto response = client->exchange(classic_binding_request(), Millis(300));
  EXPECT_FALSE(response.ok());
  ternd->stop();
  auto counters = parse_counters(ternd->log());
  ASSERT_TRUE(counters.has_value());
  EXPECT_GE(counters->at("dropped_not_stun"), 1u);
}

}  // namespace
}  // namespace tern::test

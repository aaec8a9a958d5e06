#include "bench/turn_requests.h"

#include <gtest/gtest.h>

#include "auth/rest_credentials.h"
#include "protocol/error_code.h"
#include "protocol/integrity.h"
#include "protocol/message_builder.h"
#include "protocol/text_attributes.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"

namespace tern::bench {
namespace {

using stun::MessageView;

TEST(TransactionId, CarriesSendTimeAndTag) {
  const auto id = make_transaction_id(0x0123456789abcdefLL, 0xdeadbeef);
  EXPECT_EQ(sent_time_of(id), 0x0123456789abcdefLL);
  EXPECT_EQ(tag_of(id), 0xdeadbeefu);
}

TEST(Requests, Binding_IsAHeaderOnlyRequest) {
  std::array<uint8_t, 64> buf{};
  const auto id = make_transaction_id(1, 2);
  const size_t n = build_binding(buf, id);
  ASSERT_EQ(n, 20u);
  const auto m = MessageView::parse(std::span(buf).first(n));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->method(), stun::Method::Binding);
  EXPECT_EQ(m->message_class(), stun::Class::Request);
  EXPECT_EQ(m->transaction_id_copy(), id);
}

TEST(Requests, SignedAllocate_VerifiesWithTheLongTermKey) {
  auto creds = Credentials::long_term("user", "pass");
  const auto key = creds.key_for("realm");
  // RFC 8489 §9.2.2's check value for user:realm:pass.
  const std::array<uint8_t, 16> expected = {0x84, 0x93, 0xfb, 0xc5, 0x3b, 0xa5, 0x82, 0xfb,
                                            0x4c, 0x04, 0x4c, 0x45, 0x6b, 0xdc, 0x40, 0xeb};
  ASSERT_TRUE(std::ranges::equal(key, expected));

  const Auth auth{.username = "user", .realm = "realm", .nonce = "n0nce", .key = key};
  std::array<uint8_t, 512> buf{};
  const size_t n = build_allocate(buf, make_transaction_id(1, 2), &auth);
  const auto m = MessageView::parse(std::span(buf).first(n));
  ASSERT_TRUE(m);
  EXPECT_EQ(stun::RequestedTransport::get_from(*m)->protocol, stun::RequestedTransport::kUdp);
  EXPECT_EQ(stun::Username::get_from(*m)->value, "user");
  EXPECT_EQ(stun::Nonce::get_from(*m)->value, "n0nce");
  EXPECT_TRUE(stun::verify_message_integrity(*m, key));
}

TEST(Requests, UnsignedAllocate_HasNoIntegrity) {
  std::array<uint8_t, 512> buf{};
  const size_t n = build_allocate(buf, make_transaction_id(1, 2), nullptr);
  const auto m = MessageView::parse(std::span(buf).first(n));
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->has(stun::attr::MessageIntegrity));
}

TEST(Requests, RefreshPermissionChannelBindAndSend_CarryTheirAttributes) {
  const std::array<uint8_t, 16> key{};
  const Auth auth{.username = "u", .realm = "r", .nonce = "n", .key = key};
  const auto peer = TransportAddress::v4({127, 0, 0, 1}, 9000);
  std::array<uint8_t, 512> buf{};
  const auto id = make_transaction_id(1, 2);

  auto m = MessageView::parse(std::span(buf).first(build_refresh(buf, id, 0, auth)));
  ASSERT_TRUE(m);
  EXPECT_EQ(stun::Lifetime::get_from(*m)->seconds, 0u);

  m = MessageView::parse(std::span(buf).first(build_create_permission(buf, id, peer, auth)));
  ASSERT_TRUE(m);
  EXPECT_EQ(stun::XorPeerAddress::get_from(*m)->address, peer);

  m = MessageView::parse(std::span(buf).first(build_channel_bind(buf, id, 0x4001, peer, auth)));
  ASSERT_TRUE(m);
  EXPECT_EQ(stun::ChannelNumber::get_from(*m)->number, 0x4001);
  EXPECT_TRUE(stun::verify_message_integrity(*m, key));

  const std::array<uint8_t, 3> data{1, 2, 3};
  m = MessageView::parse(std::span(buf).first(build_send_indication(buf, id, peer, data)));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->message_class(), stun::Class::Indication);
  EXPECT_TRUE(std::ranges::equal(stun::DataAttribute::get_from(*m)->bytes, data));
}

TEST(Reply, Challenge_GivesCodeNonceAndRealm) {
  std::array<uint8_t, 256> buf{};
  stun::MessageBuilder b(buf, stun::Method::Allocate, stun::Class::ErrorResponse,
                         make_transaction_id(1, 2));
  stun::ErrorCodeAttribute::of(stun::ErrorCode::Unauthorized).add_to(b);
  stun::Realm{"example.org"}.add_to(b);
  stun::Nonce{"abc"}.add_to(b);
  const auto r = read_reply(*MessageView::parse(b.bytes()));
  EXPECT_TRUE(r.is_response());
  EXPECT_EQ(r.error, 401);
  EXPECT_EQ(r.nonce, "abc");
  EXPECT_EQ(r.realm, "example.org");
}

TEST(Reply, AllocateSuccess_GivesRelayedAddressAndLifetime) {
  std::array<uint8_t, 256> buf{};
  stun::MessageBuilder b(buf, stun::Method::Allocate, stun::Class::SuccessResponse,
                         make_transaction_id(1, 2));
  const auto relayed = TransportAddress::v4({127, 0, 0, 1}, 50000);
  stun::XorRelayedAddress{relayed}.add_to(b);
  stun::Lifetime{600}.add_to(b);
  const auto r = read_reply(*MessageView::parse(b.bytes()));
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.relayed, relayed);
  EXPECT_EQ(r.lifetime, 600u);
}

TEST(Reply, ErrorWithoutCode_IsAFailureAnyway) {
  std::array<uint8_t, 64> buf{};
  stun::MessageBuilder b(buf, stun::Method::Refresh, stun::Class::ErrorResponse,
                         make_transaction_id(1, 2));
  EXPECT_EQ(read_reply(*MessageView::parse(b.bytes())).error, 500);
}

TEST(Credentials, Rest_UsernameIsExpiryColonUserAndPasswordTheHmac) {
  const auto c = Credentials::rest("crypt1c", "bob", 1000);
  EXPECT_EQ(c.username(), "87400:bob");
  EXPECT_EQ(c.password(), auth::rest_password("crypt1c", "87400:bob"));
  // draft-uberti-behave-turn-rest's vector, through the same function.
  EXPECT_EQ(auth::rest_password("crypt1c", "1256900400"), "uEKlpcME7MNMMVRV8rUFPCTIFEs=");
}

}  // namespace
}  // namespace tern::bench

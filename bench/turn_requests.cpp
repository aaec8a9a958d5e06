#include "bench/turn_requests.h"

#include <cstring>

#include "auth/rest_credentials.h"
#include "protocol/byte_order.h"
#include "protocol/error_code.h"
#include "protocol/integrity.h"
#include "protocol/message_builder.h"
#include "protocol/text_attributes.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"

namespace tern::bench {
namespace {

using stun::Class;
using stun::MessageBuilder;
using stun::Method;

void add_auth(MessageBuilder& b, const Auth& auth) {
  stun::Username{auth.username}.add_to(b);
  stun::Realm{auth.realm}.add_to(b);
  stun::Nonce{auth.nonce}.add_to(b);
  stun::add_message_integrity(b, auth.key);
}

size_t finish(const MessageBuilder& b) {
  return b.ok() ? b.size() : 0;
}

}  // namespace

stun::TransactionId make_transaction_id(int64_t sent_ns, uint32_t tag) {
  stun::TransactionId id{};
  const auto t = static_cast<uint64_t>(sent_ns);
  for (int i = 0; i < 8; ++i) id[i] = static_cast<uint8_t>(t >> (56 - 8 * i));
  store_u32(id.data() + 8, tag);
  return id;
}

int64_t sent_time_of(std::span<const uint8_t, stun::kTransactionIdSize> id) {
  uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = (t << 8) | id[i];
  return static_cast<int64_t>(t);
}

uint32_t tag_of(std::span<const uint8_t, stun::kTransactionIdSize> id) {
  return load_u32(id.data() + 8);
}

size_t build_binding(std::span<uint8_t> out, const stun::TransactionId& id) {
  MessageBuilder b(out, Method::Binding, Class::Request, id);
  return finish(b);
}

size_t build_allocate(std::span<uint8_t> out, const stun::TransactionId& id, const Auth* auth) {
  MessageBuilder b(out, Method::Allocate, Class::Request, id);
  stun::RequestedTransport{stun::RequestedTransport::kUdp}.add_to(b);
  if (auth) add_auth(b, *auth);
  return finish(b);
}

size_t build_refresh(std::span<uint8_t> out, const stun::TransactionId& id, uint32_t lifetime,
                     const Auth& auth) {
  MessageBuilder b(out, Method::Refresh, Class::Request, id);
  stun::Lifetime{lifetime}.add_to(b);
  add_auth(b, auth);
  return finish(b);
}

size_t build_create_permission(std::span<uint8_t> out, const stun::TransactionId& id,
                               const TransportAddress& peer, const Auth& auth) {
  MessageBuilder b(out, Method::CreatePermission, Class::Request, id);
  stun::XorPeerAddress{peer}.add_to(b);
  add_auth(b, auth);
  return finish(b);
}

size_t build_channel_bind(std::span<uint8_t> out, const stun::TransactionId& id, uint16_t channel,
                          const TransportAddress& peer, const Auth& auth) {
  MessageBuilder b(out, Method::ChannelBind, Class::Request, id);
  stun::ChannelNumber{channel}.add_to(b);
  stun::XorPeerAddress{peer}.add_to(b);
  add_auth(b, auth);
  return finish(b);
}

size_t build_send_indication(std::span<uint8_t> out, const stun::TransactionId& id,
                             const TransportAddress& peer, std::span<const uint8_t> data) {
  MessageBuilder b(out, Method::Send, Class::Indication, id);
  stun::XorPeerAddress{peer}.add_to(b);
  stun::DataAttribute{data}.add_to(b);
  return finish(b);
}

Reply read_reply(const stun::MessageView& m) {
  Reply r;
  r.method = m.method();
  r.cls = m.message_class();
  if (r.cls == Class::ErrorResponse) {
    const auto e = stun::ErrorCodeAttribute::get_from(m);
    // An error response without a readable code is still a failure: call it 500.
    r.error = e ? e->code : static_cast<uint16_t>(stun::ErrorCode::ServerError);
    if (const auto n = stun::Nonce::get_from(m)) r.nonce = std::string(n->value);
    if (const auto realm = stun::Realm::get_from(m)) r.realm = std::string(realm->value);
    return r;
  }
  if (const auto a = stun::XorRelayedAddress::get_from(m)) r.relayed = a->address;
  if (const auto l = stun::Lifetime::get_from(m)) r.lifetime = l->seconds;
  return r;
}

Credentials Credentials::long_term(std::string username, std::string password) {
  Credentials c;
  c.username_ = std::move(username);
  c.password_ = std::move(password);
  return c;
}

Credentials Credentials::rest(std::string_view secret, std::string_view user, int64_t now_unix) {
  Credentials c;
  c.username_ = std::to_string(now_unix + 86400);
  if (!user.empty()) c.username_ += ":" + std::string(user);
  c.password_ = auth::rest_password(secret, c.username_);
  return c;
}

std::span<const uint8_t> Credentials::key_for(std::string_view realm) {
  if (key_.empty() || realm != realm_) {
    realm_ = std::string(realm);
    key_ = auth::derive_key(auth::PasswordAlgorithm::Md5, username_, realm_, password_)
               .value_or(auth::Key());
  }
  return key_.bytes();
}

}  // namespace tern::bench

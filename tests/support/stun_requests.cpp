#include "tests/support/stun_requests.h"

#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <cstring>

#include "protocol/byte_order.h"
#include "protocol/fingerprint.h"
#include "protocol/message_builder.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"

namespace tern::test {

stun::TransactionId random_transaction_id() {
  stun::TransactionId id{};
  // RAND_bytes only fails without an entropy source; a fixed id would still work for a
  // single client, so this is not worth failing the test over.
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) id.fill(0x5a);
  return id;
}

std::vector<uint8_t> binding_request(const BindingOptions& options) {
  std::vector<uint8_t> buf(2048);
  auto id = random_transaction_id();
  stun::MessageBuilder b(buf, stun::Method::Binding, stun::Class::Request, id);
  for (const auto& a : options.extra) b.add(a.type, std::span<const uint8_t>(a.value));
  if (options.fingerprint) stun::add_fingerprint(b);
  buf.resize(b.ok() ? b.size() : 0);
  return buf;
}

std::vector<uint8_t> allocate_without_credentials() {
  std::vector<uint8_t> buf(512);
  stun::MessageBuilder b(buf, stun::Method::Allocate, stun::Class::Request,
                         random_transaction_id());
  stun::RequestedTransport{}.add_to(b);
  buf.resize(b.ok() ? b.size() : 0);
  return buf;
}

std::vector<uint8_t> truncated_attribute_request() {
  std::vector<uint8_t> buf(stun::kHeaderSize + 8, 0);
  store_u16(&buf[0], stun::message_type(stun::Method::Binding, stun::Class::Request));
  store_u16(&buf[2], 8);
  store_u32(&buf[4], stun::kMagicCookie);
  auto id = random_transaction_id();
  std::memcpy(&buf[8], id.data(), id.size());
  // SOFTWARE claiming 64 value bytes, with 4 present.
  store_u16(&buf[20], stun::attr::Software);
  store_u16(&buf[22], 64);
  std::memcpy(&buf[24], "tern", 4);
  return buf;
}

stun::TransactionId transaction_id_of(std::span<const uint8_t> message) {
  stun::TransactionId id{};
  if (message.size() >= stun::kHeaderSize) std::memcpy(id.data(), &message[8], id.size());
  return id;
}

namespace {

const char* method_name(stun::Method m) {
  switch (m) {
    case stun::Method::Binding:
      return "Binding";
    case stun::Method::Allocate:
      return "Allocate";
    case stun::Method::Refresh:
      return "Refresh";
    case stun::Method::Send:
      return "Send";
    case stun::Method::Data:
      return "Data";
    case stun::Method::CreatePermission:
      return "CreatePermission";
    case stun::Method::ChannelBind:
      return "ChannelBind";
    default:
      return "method";
  }
}

const char* class_name(stun::Class c) {
  switch (c) {
    case stun::Class::Request:
      return "request";
    case stun::Class::Indication:
      return "indication";
    case stun::Class::SuccessResponse:
      return "success response";
    case stun::Class::ErrorResponse:
      return "error response";
  }
  return "?";
}

}  // namespace

std::string describe(std::span<const uint8_t> message) {
  auto m = stun::MessageView::parse(message);
  if (!m) {
    return std::to_string(message.size()) + " bytes that do not parse as STUN (" +
           stun::to_string(m.error()) + ")";
  }
  std::string d = std::string(method_name(m->method())) + " " + class_name(m->message_class()) +
                  ", " + std::to_string(m->attribute_count()) + " attributes:";
  for (size_t i = 0; i < m->attribute_count(); ++i) {
    auto a = m->attribute(i);
    char type[16];
    std::snprintf(type, sizeof type, " 0x%04X(%zu)", a.type, a.value.size());
    d += type;
  }
  return d;
}

std::optional<TransportAddress> mapped_in(std::span<const uint8_t> response) {
  auto view = stun::MessageView::parse(response);
  if (!view) return std::nullopt;
  auto mapped = stun::XorMappedAddress::get_from(*view);
  if (!mapped) return std::nullopt;
  return mapped->address;
}

}  // namespace tern::test

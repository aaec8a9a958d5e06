#include "protocol/plain_address.h"

#include "protocol/byte_order.h"

namespace tern::stun {
namespace {
constexpr size_t kAddressHeader = 4;  // reserved byte, family, port
}

Result<TransportAddress, AttrError> decode_plain_address(std::span<const uint8_t> value) {
  if (value.size() < kAddressHeader) return unexpected(AttrError::Malformed);
  // value[0] is reserved: "MUST be ignored by receivers" (RFC 8489 §14.1).
  const uint8_t family = value[1];
  if (family != static_cast<uint8_t>(Family::V4) && family != static_cast<uint8_t>(Family::V6)) {
    return unexpected(AttrError::UnsupportedFamily);
  }
  TransportAddress a;
  a.family = static_cast<Family>(family);
  if (value.size() != kAddressHeader + a.ip_size()) return unexpected(AttrError::Malformed);
  a.port = load_u16(value.data() + 2);
  for (size_t i = 0; i < a.ip_size(); ++i) a.ip[i] = value[kAddressHeader + i];
  return a;
}

void add_plain_address(MessageBuilder& b, uint16_t type, const TransportAddress& address) {
  auto out = b.append(type, kAddressHeader + address.ip_size());
  if (!b.ok()) return;
  out[0] = 0;
  out[1] = static_cast<uint8_t>(address.family);
  store_u16(out.data() + 2, address.port);
  for (size_t i = 0; i < address.ip_size(); ++i) out[kAddressHeader + i] = address.ip[i];
}

}  // namespace tern::stun

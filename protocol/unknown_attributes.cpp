#include "protocol/unknown_attributes.h"

#include "protocol/byte_order.h"

namespace tern::stun {

bool UnknownAttributes::add(uint16_t type) {
  if (count == kMax) return false;
  types[count++] = type;
  return true;
}

Result<UnknownAttributes, AttrError> UnknownAttributes::parse(std::span<const uint8_t> value) {
  // RFC 3489 padded an odd list by repeating the last type; RFC 8489 uses ordinary
  // attribute padding, so the value length itself is always even.
  if (value.size() % 2 != 0) return unexpected(AttrError::Malformed);
  UnknownAttributes u;
  for (size_t i = 0; i + 1 < value.size() && u.count < kMax; i += 2) {
    u.types[u.count++] = load_u16(value.data() + i);
  }
  return u;
}

void UnknownAttributes::add_to(MessageBuilder& b) const {
  auto out = b.append(kType, 2 * count);
  if (!b.ok()) return;
  for (size_t i = 0; i < count; ++i) store_u16(out.data() + 2 * i, types[i]);
}

}  // namespace tern::stun

#include "protocol/turn_address_family.h"

#include "protocol/error_code.h"

namespace tern::stun {

Result<AddressErrorCode, AttrError> AddressErrorCode::parse(std::span<const uint8_t> v) {
  if (v.size() < 4) return unexpected(AttrError::Malformed);
  if (v[0] != static_cast<uint8_t>(Family::V4) && v[0] != static_cast<uint8_t>(Family::V6)) {
    return unexpected(AttrError::UnsupportedFamily);
  }
  auto c = decode_code_and_reason(v);
  if (!c) return unexpected(c.error());
  return AddressErrorCode{static_cast<Family>(v[0]), c->code, c->reason};
}

void AddressErrorCode::add_to(MessageBuilder& b) const {
  auto out = b.append(kType, 4 + reason.size());
  if (!b.ok()) return;
  out[0] = static_cast<uint8_t>(family);
  encode_code_and_reason(out, code, reason);
}

}  // namespace tern::stun

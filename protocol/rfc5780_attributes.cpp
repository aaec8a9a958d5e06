#include "protocol/rfc5780_attributes.h"

#include <algorithm>

#include "protocol/byte_order.h"

namespace tern::stun {

Result<ChangeRequest, AttrError> ChangeRequest::parse(std::span<const uint8_t> v) {
  if (v.size() != 4) return unexpected(AttrError::Malformed);
  const uint32_t flags = load_u32(v.data());
  return ChangeRequest{(flags & kChangeIp) != 0, (flags & kChangePort) != 0};
}

Result<ResponsePort, AttrError> ResponsePort::parse(std::span<const uint8_t> v) {
  if (v.size() != 2 && v.size() != 4) return unexpected(AttrError::Malformed);
  return ResponsePort{load_u16(v.data())};
}

void ResponsePort::add_to(MessageBuilder& b) const {
  auto out = b.append(kType, 2);
  if (b.ok()) store_u16(out.data(), port);
}

void PaddingAttribute::add_to(MessageBuilder& b) const {
  auto out = b.append(kType, length);
  if (b.ok()) std::ranges::fill(out, uint8_t{0});
}

}  // namespace tern::stun

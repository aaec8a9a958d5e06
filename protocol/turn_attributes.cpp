#include "protocol/turn_attributes.h"

#include <algorithm>

#include "protocol/byte_order.h"

namespace tern::stun {

Result<ChannelNumber, AttrError> ChannelNumber::parse(std::span<const uint8_t> v) {
  if (v.size() != 4) return unexpected(AttrError::Malformed);
  return ChannelNumber{load_u16(v.data())};
}

void ChannelNumber::add_to(MessageBuilder& b) const {
  b.add_u32(kType, uint32_t{number} << 16);
}

Result<Lifetime, AttrError> Lifetime::parse(std::span<const uint8_t> v) {
  if (v.size() != 4) return unexpected(AttrError::Malformed);
  return Lifetime{load_u32(v.data())};
}

Result<EvenPort, AttrError> EvenPort::parse(std::span<const uint8_t> v) {
  if (v.size() != 1) return unexpected(AttrError::Malformed);
  return EvenPort{(v[0] & 0x80) != 0};
}

void EvenPort::add_to(MessageBuilder& b) const {
  auto out = b.append(kType, 1);
  if (b.ok()) out[0] = reserve_next ? 0x80 : 0x00;
}

Result<RequestedTransport, AttrError> RequestedTransport::parse(std::span<const uint8_t> v) {
  if (v.size() != 4) return unexpected(AttrError::Malformed);
  return RequestedTransport{v[0]};
}

void RequestedTransport::add_to(MessageBuilder& b) const {
  b.add_u32(kType, uint32_t{protocol} << 24);
}

Result<DontFragment, AttrError> DontFragment::parse(std::span<const uint8_t> v) {
  if (!v.empty()) return unexpected(AttrError::Malformed);
  return DontFragment{};
}

Result<ReservationToken, AttrError> ReservationToken::parse(std::span<const uint8_t> v) {
  ReservationToken t;
  if (v.size() != t.token.size()) return unexpected(AttrError::Malformed);
  std::ranges::copy(v, t.token.begin());
  return t;
}

Result<Icmp, AttrError> Icmp::parse(std::span<const uint8_t> v) {
  if (v.size() != 8) return unexpected(AttrError::Malformed);
  return Icmp{v[2], v[3], load_u32(v.data() + 4)};
}

void Icmp::add_to(MessageBuilder& b) const {
  auto out = b.append(kType, 8);
  if (!b.ok()) return;
  store_u16(out.data(), 0);
  out[2] = icmp_type;
  out[3] = icmp_code;
  store_u32(out.data() + 4, error_data);
}

Result<ConnectionId, AttrError> ConnectionId::parse(std::span<const uint8_t> v) {
  if (v.size() != 4) return unexpected(AttrError::Malformed);
  return ConnectionId{load_u32(v.data())};
}

}  // namespace tern::stun

#include "protocol/xor_address.h"

#include <array>

#include "protocol/byte_order.h"
#include "protocol/plain_address.h"

namespace tern::stun {
namespace {

// What an address is XORed with: the cookie, then the transaction id (IPv4 uses only the
// cookie part, and the port its top 16 bits).
TransportAddress apply_mask(TransportAddress a,
                            std::span<const uint8_t, kTransactionIdSize> transaction_id) {
  std::array<uint8_t, 16> mask{};
  store_u32(mask.data(), kMagicCookie);
  for (size_t i = 0; i < kTransactionIdSize; ++i) mask[4 + i] = transaction_id[i];
  a.port = static_cast<uint16_t>(a.port ^ (kMagicCookie >> 16));
  for (size_t i = 0; i < a.ip_size(); ++i) a.ip[i] ^= mask[i];
  return a;
}

}  // namespace

Result<TransportAddress, AttrError> decode_xor_address(
    std::span<const uint8_t> value, std::span<const uint8_t, kTransactionIdSize> transaction_id) {
  auto a = decode_plain_address(value);
  if (!a) return a;
  return apply_mask(*a, transaction_id);
}

void add_xor_address(MessageBuilder& b, uint16_t type, const TransportAddress& address) {
  add_plain_address(b, type, apply_mask(address, b.transaction_id()));
}

template <uint16_t Type>
Result<XorAddressAttribute<Type>, AttrError> XorAddressAttribute<Type>::get_from(
    const MessageView& m) {
  return parse_first<XorAddressAttribute>(
      m, Type, [&](std::span<const uint8_t> v) -> Result<XorAddressAttribute, AttrError> {
        auto a = decode_xor_address(v, m.transaction_id());
        if (!a) return unexpected(a.error());
        return XorAddressAttribute{*a};
      });
}

template <uint16_t Type>
Result<size_t, AttrError> XorAddressAttribute<Type>::get_all(const MessageView& m,
                                                             std::span<XorAddressAttribute> out) {
  size_t found = 0;
  for (size_t i = 0; i < m.attribute_count(); ++i) {
    const Attribute at = m.attribute(i);
    if (at.type != Type) continue;
    auto a = decode_xor_address(at.value, m.transaction_id());
    if (!a) return unexpected(a.error());
    if (found < out.size()) out[found] = XorAddressAttribute{*a};
    ++found;
  }
  if (found == 0) return unexpected(AttrError::Missing);
  return found;
}

template struct XorAddressAttribute<attr::XorMappedAddress>;
template struct XorAddressAttribute<attr::XorPeerAddress>;
template struct XorAddressAttribute<attr::XorRelayedAddress>;

}  // namespace tern::stun

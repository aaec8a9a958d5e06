#pragma once
// Addresses carried as they are, without XOR: MAPPED-ADDRESS and ALTERNATE-SERVER
// (RFC 8489 §14.1, §14.15), RESPONSE-ORIGIN and OTHER-ADDRESS (RFC 5780 §7.3, §7.4), and
// their RFC 3489 forebears SOURCE-ADDRESS and CHANGED-ADDRESS (RFC 3489 §11.2.5, §11.2.3).

#include <cstddef>
#include <span>

#include "protocol/attr_error.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/transport_address.h"

namespace tern::stun {

namespace attr {
// RFC 3489's, sent only in answers to its clients: nothing else names them.
inline constexpr uint16_t SourceAddress = 0x0004;
inline constexpr uint16_t ChangedAddress = 0x0005;
}  // namespace attr

Result<TransportAddress, AttrError> decode_plain_address(std::span<const uint8_t> value);
void add_plain_address(MessageBuilder& b, uint16_t type, const TransportAddress& address);

template <uint16_t Type>
struct PlainAddressAttribute {
  static constexpr uint16_t kType = Type;
  TransportAddress address;

  static Result<PlainAddressAttribute, AttrError> get_from(const MessageView& m) {
    return parse_first<PlainAddressAttribute>(
        m, Type, [](std::span<const uint8_t> v) -> Result<PlainAddressAttribute, AttrError> {
          auto a = decode_plain_address(v);
          if (!a) return unexpected(a.error());
          return PlainAddressAttribute{*a};
        });
  }
  void add_to(MessageBuilder& b) const { add_plain_address(b, Type, address); }

  friend bool operator==(const PlainAddressAttribute&, const PlainAddressAttribute&) = default;
};

using MappedAddress = PlainAddressAttribute<attr::MappedAddress>;
using AlternateServer = PlainAddressAttribute<attr::AlternateServer>;
using ResponseOrigin = PlainAddressAttribute<attr::ResponseOrigin>;
using OtherAddress = PlainAddressAttribute<attr::OtherAddress>;
using SourceAddress = PlainAddressAttribute<attr::SourceAddress>;
using ChangedAddress = PlainAddressAttribute<attr::ChangedAddress>;

}  // namespace tern::stun

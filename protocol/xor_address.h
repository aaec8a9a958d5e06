#pragma once
// XOR-MAPPED-ADDRESS (RFC 8489 §14.2), XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS
// (RFC 8656 §18.3, §18.5): an address XORed with the magic cookie and, for IPv6, the
// transaction id, so that NATs rewriting addresses in payloads leave it alone.

#include <cstddef>
#include <span>

#include "protocol/attr_error.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/transport_address.h"

namespace tern::stun {

Result<TransportAddress, AttrError> decode_xor_address(
    std::span<const uint8_t> value, std::span<const uint8_t, kTransactionIdSize> transaction_id);
void add_xor_address(MessageBuilder& b, uint16_t type, const TransportAddress& address);

template <uint16_t Type>
struct XorAddressAttribute {
  static constexpr uint16_t kType = Type;
  TransportAddress address;

  static Result<XorAddressAttribute, AttrError> get_from(const MessageView& m);
  // Every attribute of this type, in order: CreatePermission carries several peers and a
  // dual-stack Allocate response two relayed addresses. Writes at most out.size() and
  // returns how many the message holds (more than out.size() means some were not
  // written); Missing when there is none, else the error of the first bad one.
  static Result<size_t, AttrError> get_all(const MessageView& m,
                                           std::span<XorAddressAttribute> out);
  void add_to(MessageBuilder& b) const { add_xor_address(b, Type, address); }

  friend bool operator==(const XorAddressAttribute&, const XorAddressAttribute&) = default;
};

using XorMappedAddress = XorAddressAttribute<attr::XorMappedAddress>;
using XorPeerAddress = XorAddressAttribute<attr::XorPeerAddress>;
using XorRelayedAddress = XorAddressAttribute<attr::XorRelayedAddress>;

extern template struct XorAddressAttribute<attr::XorMappedAddress>;
extern template struct XorAddressAttribute<attr::XorPeerAddress>;
extern template struct XorAddressAttribute<attr::XorRelayedAddress>;

}  // namespace tern::stun

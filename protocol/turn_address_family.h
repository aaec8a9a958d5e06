#pragma once
// The dual-stack TURN attributes (RFC 8656 §18.7, §18.11, §18.12; RFC 6156):
// REQUESTED-ADDRESS-FAMILY, ADDITIONAL-ADDRESS-FAMILY and ADDRESS-ERROR-CODE.

#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/attr_error.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/transport_address.h"

namespace tern::stun {

// A family byte followed by three RFFU bytes. A family other than 0x01/0x02 is
// UnsupportedFamily: the server answers 440 (§7.2), not 400.
template <uint16_t Type>
struct FamilyAttribute {
  static constexpr uint16_t kType = Type;
  Family family = Family::V4;

  static Result<FamilyAttribute, AttrError> parse(std::span<const uint8_t> v) {
    if (v.size() != 4) return unexpected(AttrError::Malformed);
    if (v[0] != static_cast<uint8_t>(Family::V4) && v[0] != static_cast<uint8_t>(Family::V6)) {
      return unexpected(AttrError::UnsupportedFamily);
    }
    return FamilyAttribute{static_cast<Family>(v[0])};
  }
  static Result<FamilyAttribute, AttrError> get_from(const MessageView& m) {
    return parse_first<FamilyAttribute>(m, Type, parse);
  }
  void add_to(MessageBuilder& b) const {
    b.add_u32(Type, uint32_t{static_cast<uint8_t>(family)} << 24);
  }
  friend bool operator==(const FamilyAttribute&, const FamilyAttribute&) = default;
};

using RequestedAddressFamily = FamilyAttribute<attr::RequestedAddressFamily>;
// Only IPv6 is meaningful here (§7.2 answers 400 to anything else); that check belongs to
// the Allocate handler, so any known family parses.
using AdditionalAddressFamily = FamilyAttribute<attr::AdditionalAddressFamily>;

// Why the server could not allocate a relayed address of one family in a dual-stack
// Allocate (§18.12): the family, then ERROR-CODE's class/number/reason layout.
struct AddressErrorCode {
  static constexpr uint16_t kType = attr::AddressErrorCode;
  Family family = Family::V4;
  uint16_t code = 0;
  std::string_view reason;

  static Result<AddressErrorCode, AttrError> parse(std::span<const uint8_t> v);
  static Result<AddressErrorCode, AttrError> get_from(const MessageView& m) {
    return parse_first<AddressErrorCode>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const;
  friend bool operator==(const AddressErrorCode&, const AddressErrorCode&) = default;
};

}  // namespace tern::stun

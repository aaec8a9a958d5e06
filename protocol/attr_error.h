#pragma once
// Why an attribute could not be read. Every attribute type's get_from returns one of these
// instead of throwing: the bytes come from the network.

#include <cstdint>
#include <span>

#include "protocol/message.h"
#include "protocol/result.h"

namespace tern::stun {

enum class AttrError : uint8_t {
  Missing,            // not in the message (or ignored: after MESSAGE-INTEGRITY)
  Malformed,          // wrong length, out-of-range field, invalid UTF-8, too long
  UnsupportedFamily,  // an address family byte other than IPv4 (0x01) or IPv6 (0x02)
};

constexpr const char* to_string(AttrError e) {
  switch (e) {
    case AttrError::Missing:
      return "attribute missing";
    case AttrError::Malformed:
      return "attribute malformed";
    case AttrError::UnsupportedFamily:
      return "unsupported address family";
  }
  return "unknown attribute error";
}

// The shape every get_from shares: the first attribute of `type` (duplicates: first
// wins, RFC 8489 §14), handed to the type's own value parser.
template <typename T, typename Parse>
Result<T, AttrError> parse_first(const MessageView& m, uint16_t type, Parse parse) {
  auto a = m.find(type);
  if (!a) return unexpected(AttrError::Missing);
  return parse(a->value);
}

}  // namespace tern::stun

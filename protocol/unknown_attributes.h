#pragma once
// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13): the comprehension-required types a 420 response
// names. A fixed-size list, so answering a hostile request allocates nothing.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/attr_error.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern::stun {

struct UnknownAttributes {
  static constexpr uint16_t kType = attr::UnknownAttributes;
  // MessageView keeps at most 40 attributes; naming 16 of them is plenty for a client
  // to see what went wrong, and keeps a 420 response small (no amplification).
  static constexpr size_t kMax = 16;

  std::array<uint16_t, kMax> types{};
  size_t count = 0;

  // Adds `type` unless the list is full; returns whether it was added.
  bool add(uint16_t type);
  std::span<const uint16_t> list() const { return std::span(types).first(count); }

  // An odd value length is Malformed. Past kMax entries, the first kMax are kept.
  static Result<UnknownAttributes, AttrError> parse(std::span<const uint8_t> value);
  static Result<UnknownAttributes, AttrError> get_from(const MessageView& m) {
    return parse_first<UnknownAttributes>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const;

  friend bool operator==(const UnknownAttributes& a, const UnknownAttributes& b) {
    return std::ranges::equal(a.list(), b.list());
  }
};

}  // namespace tern::stun

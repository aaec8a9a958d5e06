#pragma once
// PASSWORD-ALGORITHM, PASSWORD-ALGORITHMS and USERHASH (RFC 8489 §14.11, §14.12, §14.4).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/attr_error.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern::stun {

// One algorithm: a number and its parameters (none for MD5 or SHA-256). Unknown numbers
// parse too: a server must be able to echo and compare lists it does not fully know.
struct PasswordAlgorithm {
  static constexpr uint16_t kType = attr::PasswordAlgorithm;
  static constexpr uint16_t kMd5 = 0x0001;
  static constexpr uint16_t kSha256 = 0x0002;

  uint16_t algorithm = kMd5;
  std::span<const uint8_t> params;  // a view into the message

  static Result<PasswordAlgorithm, AttrError> parse(std::span<const uint8_t> v);
  static Result<PasswordAlgorithm, AttrError> get_from(const MessageView& m) {
    return parse_first<PasswordAlgorithm>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const;

  friend bool operator==(const PasswordAlgorithm& a, const PasswordAlgorithm& b) {
    return a.algorithm == b.algorithm && std::ranges::equal(a.params, b.params);
  }
};

struct PasswordAlgorithms {
  static constexpr uint16_t kType = attr::PasswordAlgorithms;
  // There are two algorithms registered; a longer list is an attack, not a client.
  static constexpr size_t kMax = 16;

  std::array<PasswordAlgorithm, kMax> items{};
  size_t count = 0;

  bool add(PasswordAlgorithm a);  // false when full
  std::span<const PasswordAlgorithm> list() const { return std::span(items).first(count); }
  bool contains(uint16_t algorithm) const;

  // Entries are (algorithm, params length, params padded to 4). More than kMax entries, a
  // truncated entry or an empty list: Malformed.
  static Result<PasswordAlgorithms, AttrError> parse(std::span<const uint8_t> v);
  static Result<PasswordAlgorithms, AttrError> get_from(const MessageView& m) {
    return parse_first<PasswordAlgorithms>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const;

  // Same algorithms, same parameters, same order: the bid-down check of §9.2.4.
  friend bool operator==(const PasswordAlgorithms& a, const PasswordAlgorithms& b) {
    return std::ranges::equal(a.list(), b.list());
  }
};

// USERHASH = SHA-256(username ":" realm), both after OpaqueString processing (§14.4).
struct Userhash {
  static constexpr uint16_t kType = attr::Userhash;
  std::array<uint8_t, 32> hash{};

  static Userhash compute(std::string_view username, std::string_view realm);
  static Result<Userhash, AttrError> parse(std::span<const uint8_t> v);
  static Result<Userhash, AttrError> get_from(const MessageView& m) {
    return parse_first<Userhash>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const { b.add(kType, std::span<const uint8_t>(hash)); }
  friend bool operator==(const Userhash&, const Userhash&) = default;
};

}  // namespace tern::stun

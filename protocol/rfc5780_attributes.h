#pragma once
// NAT behaviour discovery attributes (RFC 5780 §7): CHANGE-REQUEST, RESPONSE-PORT and
// PADDING. RESPONSE-ORIGIN and OTHER-ADDRESS are plain addresses (plain_address.h).

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/attr_error.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern::stun {

struct ChangeRequest {
  static constexpr uint16_t kType = attr::ChangeRequest;
  static constexpr uint32_t kChangeIp = 0x04;    // the A flag
  static constexpr uint32_t kChangePort = 0x02;  // the B flag
  bool change_ip = false;
  bool change_port = false;

  static Result<ChangeRequest, AttrError> parse(std::span<const uint8_t> v);
  static Result<ChangeRequest, AttrError> get_from(const MessageView& m) {
    return parse_first<ChangeRequest>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const {
    b.add_u32(kType, (change_ip ? kChangeIp : 0) | (change_port ? kChangePort : 0));
  }
  friend bool operator==(const ChangeRequest&, const ChangeRequest&) = default;
};

// "A 16-bit unsigned integer ... followed by 2 bytes of padding" (§7.5). The padding is
// attribute padding, so the length is 2, as stuntman sends it; a length of 4 (padding
// counted in) is accepted too.
struct ResponsePort {
  static constexpr uint16_t kType = attr::ResponsePort;
  uint16_t port = 0;

  static Result<ResponsePort, AttrError> parse(std::span<const uint8_t> v);
  static Result<ResponsePort, AttrError> get_from(const MessageView& m) {
    return parse_first<ResponsePort>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const;
  friend bool operator==(const ResponsePort&, const ResponsePort&) = default;
};

// PADDING (§7.6): only its size matters (path MTU probing); we send zeros.
struct PaddingAttribute {
  static constexpr uint16_t kType = attr::Padding;
  size_t length = 0;

  static Result<PaddingAttribute, AttrError> parse(std::span<const uint8_t> v) {
    return PaddingAttribute{v.size()};
  }
  static Result<PaddingAttribute, AttrError> get_from(const MessageView& m) {
    return parse_first<PaddingAttribute>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const;
  friend bool operator==(const PaddingAttribute&, const PaddingAttribute&) = default;
};

}  // namespace tern::stun

#pragma once
// STUN/TURN error codes by name (RFC 8489 §14.8, RFC 8656 §19, RFC 6062, RFC 8016,
// RFC 8445) and the ERROR-CODE attribute.

#include <cstdint>
#include <string_view>

#include "protocol/attr_error.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern::stun {

enum class ErrorCode : uint16_t {
  TryAlternate = 300,
  BadRequest = 400,
  Unauthorized = 401,
  Forbidden = 403,
  MobilityForbidden = 405,
  UnknownAttribute = 420,
  AllocationMismatch = 437,
  StaleNonce = 438,
  AddressFamilyNotSupported = 440,
  WrongCredentials = 441,
  UnsupportedTransportProtocol = 442,
  PeerAddressFamilyMismatch = 443,
  ConnectionAlreadyExists = 446,
  ConnectionTimeoutOrFailure = 447,
  AllocationQuotaReached = 486,
  RoleConflict = 487,
  ServerError = 500,
  InsufficientCapacity = 508,
};

// The reason phrase the RFCs suggest; "Unknown Error" for a code not listed above.
const char* default_reason(ErrorCode code);

// The reason phrase is "fewer than 128 characters ... as long as 763 bytes" (§14.8).
inline constexpr size_t kMaxReasonBytes = 763;

// Also the class/number/reason layout ADDRESS-ERROR-CODE reuses (RFC 8656 §18.12).
// `value` starts at the 32-bit word holding class and number.
struct CodeAndReason {
  uint16_t code = 0;
  std::string_view reason;
};
Result<CodeAndReason, AttrError> decode_code_and_reason(std::span<const uint8_t> value);
// Fills `out` (4 + reason.size() bytes, from MessageBuilder::append); byte 0 is left to
// the caller (ERROR-CODE: reserved; ADDRESS-ERROR-CODE: the family).
void encode_code_and_reason(std::span<uint8_t> out, uint16_t code, std::string_view reason);

struct ErrorCodeAttribute {
  static constexpr uint16_t kType = attr::ErrorCode;
  uint16_t code = 0;  // 300..699
  std::string_view reason;

  static ErrorCodeAttribute of(ErrorCode c) {
    return ErrorCodeAttribute{static_cast<uint16_t>(c), default_reason(c)};
  }
  // Class outside 3..6, number above 99, a reason past 763 bytes or not UTF-8: Malformed.
  static Result<ErrorCodeAttribute, AttrError> parse(std::span<const uint8_t> value);
  static Result<ErrorCodeAttribute, AttrError> get_from(const MessageView& m) {
    return parse_first<ErrorCodeAttribute>(m, kType, parse);
  }
  // Asserts the code is 300..699; the reason is written as given.
  void add_to(MessageBuilder& b) const;

  friend bool operator==(const ErrorCodeAttribute&, const ErrorCodeAttribute&) = default;
};

}  // namespace tern::stun

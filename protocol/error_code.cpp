#include "protocol/error_code.h"

#include <algorithm>
#include <cassert>

#include "protocol/text_attributes.h"

namespace tern::stun {

const char* default_reason(ErrorCode code) {
  switch (code) {
    case ErrorCode::TryAlternate:
      return "Try Alternate";
    case ErrorCode::BadRequest:
      return "Bad Request";
    // RFC 8489 renamed 401 "Unauthenticated"; the TURN RFCs and most clients still say
    // Unauthorized, and only the number matters on the wire.
    case ErrorCode::Unauthorized:
      return "Unauthorized";
    case ErrorCode::Forbidden:
      return "Forbidden";
    case ErrorCode::MobilityForbidden:
      return "Mobility Forbidden";
    case ErrorCode::UnknownAttribute:
      return "Unknown Attribute";
    case ErrorCode::AllocationMismatch:
      return "Allocation Mismatch";
    case ErrorCode::StaleNonce:
      return "Stale Nonce";
    case ErrorCode::AddressFamilyNotSupported:
      return "Address Family not Supported";
    case ErrorCode::WrongCredentials:
      return "Wrong Credentials";
    case ErrorCode::UnsupportedTransportProtocol:
      return "Unsupported Transport Protocol";
    case ErrorCode::PeerAddressFamilyMismatch:
      return "Peer Address Family Mismatch";
    case ErrorCode::ConnectionAlreadyExists:
      return "Connection Already Exists";
    case ErrorCode::ConnectionTimeoutOrFailure:
      return "Connection Timeout or Failure";
    case ErrorCode::AllocationQuotaReached:
      return "Allocation Quota Reached";
    case ErrorCode::RoleConflict:
      return "Role Conflict";
    case ErrorCode::ServerError:
      return "Server Error";
    case ErrorCode::InsufficientCapacity:
      return "Insufficient Capacity";
  }
  return "Unknown Error";
}

Result<CodeAndReason, AttrError> decode_code_and_reason(std::span<const uint8_t> value) {
  if (value.size() < 4) return unexpected(AttrError::Malformed);
  // The 21 reserved bits "MUST be ignored" by receivers; only class and number count.
  const unsigned cls = value[2] & 0x07;
  const unsigned number = value[3];
  if (cls < 3 || cls > 6 || number > 99) return unexpected(AttrError::Malformed);
  std::string_view reason(reinterpret_cast<const char*>(value.data() + 4), value.size() - 4);
  if (reason.size() > kMaxReasonBytes || !is_valid_utf8(reason)) {
    return unexpected(AttrError::Malformed);
  }
  return CodeAndReason{static_cast<uint16_t>(cls * 100 + number), reason};
}

void encode_code_and_reason(std::span<uint8_t> out, uint16_t code, std::string_view reason) {
  assert(code >= 300 && code <= 699);
  out[1] = 0;
  out[2] = static_cast<uint8_t>(code / 100);
  out[3] = static_cast<uint8_t>(code % 100);
  std::ranges::copy(reason, out.begin() + 4);
}

Result<ErrorCodeAttribute, AttrError> ErrorCodeAttribute::parse(std::span<const uint8_t> value) {
  auto c = decode_code_and_reason(value);
  if (!c) return unexpected(c.error());
  return ErrorCodeAttribute{c->code, c->reason};
}

void ErrorCodeAttribute::add_to(MessageBuilder& b) const {
  auto out = b.append(kType, 4 + reason.size());
  if (!b.ok()) return;
  out[0] = 0;
  encode_code_and_reason(out, code, reason);
}

}  // namespace tern::stun

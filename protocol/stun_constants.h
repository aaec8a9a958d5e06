#pragma once
// Numbers from the registries of RFC 8489, RFC 8656, RFC 6062, RFC 6156 and RFC 5780.

#include <cstddef>
#include <cstdint>

namespace tern::stun {

inline constexpr uint32_t kMagicCookie = 0x2112A442;
inline constexpr size_t kHeaderSize = 20;
inline constexpr size_t kAttributeHeaderSize = 4;
inline constexpr size_t kTransactionIdSize = 12;

enum class Method : uint16_t {
  Binding = 0x001,
  Allocate = 0x003,
  Refresh = 0x004,
  Send = 0x006,
  Data = 0x007,
  CreatePermission = 0x008,
  ChannelBind = 0x009,
  Connect = 0x00A,
  ConnectionBind = 0x00B,
  ConnectionAttempt = 0x00C,
};

enum class Class : uint8_t {
  Request = 0,
  Indication = 1,
  SuccessResponse = 2,
  ErrorResponse = 3,
};

// The 14-bit method and 2-bit class interleave in the message type (RFC 8489 §5):
// class bits sit at positions 4 and 8.
constexpr uint16_t message_type(Method m, Class c) {
  auto mv = static_cast<uint16_t>(m);
  auto cv = static_cast<uint16_t>(c);
  return static_cast<uint16_t>((mv & 0x000F) | ((mv & 0x0070) << 1) | ((mv & 0x0F80) << 2) |
                               ((cv & 0x1) << 4) | ((cv & 0x2) << 7));
}
constexpr Method method_of(uint16_t type) {
  return static_cast<Method>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
}
constexpr Class class_of(uint16_t type) {
  return static_cast<Class>(((type >> 4) & 0x1) | ((type >> 7) & 0x2));
}

namespace attr {
// RFC 8489 comprehension-required
inline constexpr uint16_t MappedAddress = 0x0001;
inline constexpr uint16_t ChangeRequest = 0x0003;  // RFC 5780
inline constexpr uint16_t Username = 0x0006;
inline constexpr uint16_t MessageIntegrity = 0x0008;
inline constexpr uint16_t ErrorCode = 0x0009;
inline constexpr uint16_t UnknownAttributes = 0x000A;
inline constexpr uint16_t ChannelNumber = 0x000C;  // RFC 8656
inline constexpr uint16_t Lifetime = 0x000D;
inline constexpr uint16_t XorPeerAddress = 0x0012;
inline constexpr uint16_t Data = 0x0013;
inline constexpr uint16_t Realm = 0x0014;
inline constexpr uint16_t Nonce = 0x0015;
inline constexpr uint16_t XorRelayedAddress = 0x0016;
inline constexpr uint16_t RequestedAddressFamily = 0x0017;  // RFC 8656 / RFC 6156
inline constexpr uint16_t EvenPort = 0x0018;
inline constexpr uint16_t RequestedTransport = 0x0019;
inline constexpr uint16_t DontFragment = 0x001A;
inline constexpr uint16_t MessageIntegritySha256 = 0x001C;
inline constexpr uint16_t PasswordAlgorithm = 0x001D;
inline constexpr uint16_t Userhash = 0x001E;
inline constexpr uint16_t XorMappedAddress = 0x0020;
inline constexpr uint16_t ReservationToken = 0x0022;
inline constexpr uint16_t Padding = 0x0026;       // RFC 5780
inline constexpr uint16_t ResponsePort = 0x0027;  // RFC 5780
inline constexpr uint16_t ConnectionId = 0x002A;  // RFC 6062
// comprehension-optional
inline constexpr uint16_t AdditionalAddressFamily = 0x8000;
inline constexpr uint16_t AddressErrorCode = 0x8001;
inline constexpr uint16_t PasswordAlgorithms = 0x8002;
inline constexpr uint16_t AlternateDomain = 0x8003;
inline constexpr uint16_t Icmp = 0x8004;
inline constexpr uint16_t Software = 0x8022;
inline constexpr uint16_t AlternateServer = 0x8023;
inline constexpr uint16_t Fingerprint = 0x8028;
inline constexpr uint16_t ResponseOrigin = 0x802B;  // RFC 5780
inline constexpr uint16_t OtherAddress = 0x802C;    // RFC 5780
inline constexpr uint16_t MobilityTicket = 0x8030;  // RFC 8016

constexpr bool comprehension_required(uint16_t type) {
  return type < 0x8000;
}
}  // namespace attr

}  // namespace tern::stun

namespace tern::stun::attr {
// Whether tern understands a type. Comprehension-required types outside this set
// earn a 420 (RFC 8489 §6.3.1).
constexpr bool is_known(uint16_t type) {
  switch (type) {
    case MappedAddress:
    case ChangeRequest:
    case Username:
    case MessageIntegrity:
    case ErrorCode:
    case UnknownAttributes:
    case ChannelNumber:
    case Lifetime:
    case XorPeerAddress:
    case Data:
    case Realm:
    case Nonce:
    case XorRelayedAddress:
    case RequestedAddressFamily:
    case EvenPort:
    case RequestedTransport:
    case DontFragment:
    case MessageIntegritySha256:
    case PasswordAlgorithm:
    case Userhash:
    case XorMappedAddress:
    case ReservationToken:
    case Padding:
    case ResponsePort:
    case ConnectionId:
    case AdditionalAddressFamily:
    case AddressErrorCode:
    case PasswordAlgorithms:
    case AlternateDomain:
    case Icmp:
    case Software:
    case AlternateServer:
    case Fingerprint:
    case ResponseOrigin:
    case OtherAddress:
      return true;
    default:
      return false;
  }
}
}  // namespace tern::stun::attr

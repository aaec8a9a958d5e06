#pragma once
// TURN attributes (RFC 8656 §18, RFC 6062 §6.2). Address-family ones live in
// turn_address_family.h. RFFU ("reserved for future use") bits are written as zero and
// ignored on receipt, as §18 asks.

#include <array>
#include <cstdint>
#include <span>

#include "protocol/attr_error.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern::stun {

struct ChannelNumber {
  static constexpr uint16_t kType = attr::ChannelNumber;
  static constexpr uint16_t kMin = 0x4000;  // §12: 0x4000..0x4FFF
  static constexpr uint16_t kMax = 0x4FFF;
  uint16_t number = 0;

  // Any number parses; whether it is in range is the handler's 400 to give (§12.2).
  bool in_range() const { return number >= kMin && number <= kMax; }
  static Result<ChannelNumber, AttrError> parse(std::span<const uint8_t> v);
  static Result<ChannelNumber, AttrError> get_from(const MessageView& m) {
    return parse_first<ChannelNumber>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const;
  friend bool operator==(const ChannelNumber&, const ChannelNumber&) = default;
};

struct Lifetime {
  static constexpr uint16_t kType = attr::Lifetime;
  uint32_t seconds = 0;

  static Result<Lifetime, AttrError> parse(std::span<const uint8_t> v);
  static Result<Lifetime, AttrError> get_from(const MessageView& m) {
    return parse_first<Lifetime>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const { b.add_u32(kType, seconds); }
  friend bool operator==(const Lifetime&, const Lifetime&) = default;
};

// DATA: the application payload, a view into the message. Any length, even zero.
struct DataAttribute {
  static constexpr uint16_t kType = attr::Data;
  std::span<const uint8_t> bytes;

  static Result<DataAttribute, AttrError> parse(std::span<const uint8_t> v) {
    return DataAttribute{v};
  }
  static Result<DataAttribute, AttrError> get_from(const MessageView& m) {
    return parse_first<DataAttribute>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const { b.add(kType, bytes); }
};

struct EvenPort {
  static constexpr uint16_t kType = attr::EvenPort;
  bool reserve_next = false;  // the R bit: also reserve the next-higher port

  static Result<EvenPort, AttrError> parse(std::span<const uint8_t> v);
  static Result<EvenPort, AttrError> get_from(const MessageView& m) {
    return parse_first<EvenPort>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const;
  friend bool operator==(const EvenPort&, const EvenPort&) = default;
};

struct RequestedTransport {
  static constexpr uint16_t kType = attr::RequestedTransport;
  static constexpr uint8_t kUdp = 17;  // IANA protocol numbers
  static constexpr uint8_t kTcp = 6;   // RFC 6062
  uint8_t protocol = kUdp;

  static Result<RequestedTransport, AttrError> parse(std::span<const uint8_t> v);
  static Result<RequestedTransport, AttrError> get_from(const MessageView& m) {
    return parse_first<RequestedTransport>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const;
  friend bool operator==(const RequestedTransport&, const RequestedTransport&) = default;
};

// DONT-FRAGMENT carries no value; presence is the whole message.
struct DontFragment {
  static constexpr uint16_t kType = attr::DontFragment;

  static Result<DontFragment, AttrError> parse(std::span<const uint8_t> v);
  static Result<DontFragment, AttrError> get_from(const MessageView& m) {
    return parse_first<DontFragment>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const { b.add_empty(kType); }
  friend bool operator==(const DontFragment&, const DontFragment&) = default;
};

struct ReservationToken {
  static constexpr uint16_t kType = attr::ReservationToken;
  std::array<uint8_t, 8> token{};

  static Result<ReservationToken, AttrError> parse(std::span<const uint8_t> v);
  static Result<ReservationToken, AttrError> get_from(const MessageView& m) {
    return parse_first<ReservationToken>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const { b.add(kType, std::span<const uint8_t>(token)); }
  friend bool operator==(const ReservationToken&, const ReservationToken&) = default;
};

// ICMP (§18.13): why the peer's network dropped a datagram. Type and code are a byte each,
// as in the ICMP header itself.
struct Icmp {
  static constexpr uint16_t kType = attr::Icmp;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  uint32_t error_data = 0;  // the next-hop MTU for "fragmentation needed"/"too big", else 0

  static Result<Icmp, AttrError> parse(std::span<const uint8_t> v);
  static Result<Icmp, AttrError> get_from(const MessageView& m) {
    return parse_first<Icmp>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const;
  friend bool operator==(const Icmp&, const Icmp&) = default;
};

// CONNECTION-ID (RFC 6062 §6.2.1): names a peer TCP connection between Connect or
// ConnectionAttempt and ConnectionBind.
struct ConnectionId {
  static constexpr uint16_t kType = attr::ConnectionId;
  uint32_t id = 0;

  static Result<ConnectionId, AttrError> parse(std::span<const uint8_t> v);
  static Result<ConnectionId, AttrError> get_from(const MessageView& m) {
    return parse_first<ConnectionId>(m, kType, parse);
  }
  void add_to(MessageBuilder& b) const { b.add_u32(kType, id); }
  friend bool operator==(const ConnectionId&, const ConnectionId&) = default;
};

}  // namespace tern::stun

#pragma once
// An IP address and port as the wire carries them (network byte order bytes), free of
// sockaddr so the codec stays I/O-free; server/socket_address.h converts.

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>

namespace tern {

enum class Family : uint8_t { V4 = 0x01, V6 = 0x02 };  // STUN's family codes

struct TransportAddress {
  Family family = Family::V4;
  std::array<uint8_t, 16> ip{};  // V4 uses the first 4 bytes; the rest stay zero
  uint16_t port = 0;

  static TransportAddress v4(std::array<uint8_t, 4> a, uint16_t port);
  static TransportAddress v6(std::array<uint8_t, 16> a, uint16_t port);
  size_t ip_size() const { return family == Family::V4 ? 4 : 16; }
  std::span<const uint8_t> ip_bytes() const { return std::span(ip).first(ip_size()); }

  // "1.2.3.4:5" or "[::1]:5".
  std::string to_string() const;
  std::string ip_string() const;

  friend bool operator==(const TransportAddress&, const TransportAddress&) = default;
  friend auto operator<=>(const TransportAddress&, const TransportAddress&) = default;
};

}  // namespace tern

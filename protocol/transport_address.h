#pragma once
// An IP address and port as the wire carries them (network byte order bytes), free of
// sockaddr so the codec stays I/O-free; base/socket_address.h converts.

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
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

  // On the packet path (allocation, permission and channel lookups), so two word
  // compares rather than a memcmp call.
  friend bool operator==(const TransportAddress& a, const TransportAddress& b) {
    return a.port == b.port && a.family == b.family &&
           ((a.word(0) ^ b.word(0)) | (a.word(1) ^ b.word(1))) == 0;
  }
  friend auto operator<=>(const TransportAddress&, const TransportAddress&) = default;

  // The address bytes as two 64-bit words (for comparing and hashing).
  uint64_t word(size_t i) const {
    uint64_t w;
    std::memcpy(&w, ip.data() + 8 * i, sizeof w);
    return w;
  }
};

// The same IP, ports aside.
inline bool same_ip(const TransportAddress& a, const TransportAddress& b) {
  return a.family == b.family && ((a.word(0) ^ b.word(0)) | (a.word(1) ^ b.word(1))) == 0;
}
// 0.0.0.0 or ::.
inline bool is_unspecified(const TransportAddress& a) {
  return (a.word(0) | a.word(1)) == 0;
}
// 127.0.0.0/8 or ::1 (not the IPv4-mapped or tunnelled forms).
inline bool is_loopback(const TransportAddress& a) {
  if (a.family == Family::V4) return a.ip[0] == 127;
  static constexpr std::array<uint8_t, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0,
                                                      0, 0, 0, 0, 0, 0, 0, 1};
  return a.ip == kLoopback6;
}

// For hash maps keyed by address: fast, and good enough since only authenticated clients
// add keys.
inline uint64_t hash_mix(uint64_t h, uint64_t v) {
  h = (h ^ v) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}
inline uint64_t hash_address(uint64_t h, const TransportAddress& a) {
  h = hash_mix(h, a.word(0));
  h = hash_mix(h, a.word(1));
  return hash_mix(h, (uint64_t{a.port} << 8) | static_cast<uint8_t>(a.family));
}

}  // namespace tern

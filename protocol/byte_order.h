#pragma once
// Network byte order at any offset: every read goes through memcpy, never a cast to an
// aligned integer pointer (odd offsets are legal in hostile input).

#include <bit>
#include <cstdint>
#include <cstring>

namespace tern {

inline uint16_t load_u16(const uint8_t* p) {
  return static_cast<uint16_t>((uint16_t{p[0]} << 8) | p[1]);
}
inline uint32_t load_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline void store_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store_u32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
constexpr size_t padded4(size_t n) {
  return (n + 3) & ~size_t{3};
}

}  // namespace tern

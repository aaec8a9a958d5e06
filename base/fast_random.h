#pragma once
// A per-worker xoshiro256** generator, seeded from OpenSSL's CSPRNG: for transaction ids
// of Data indications, which must be unpredictable enough not to collide but are made
// per packet, too often for RAND_bytes. Never for nonces, ports or tokens.

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <span>

namespace tern {

class FastRandom {
 public:
  FastRandom() {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(s_.data()), sizeof s_) != 1) {
      s_ = {0x9E3779B97F4A7C15ull, 0xBF58476D1CE4E5B9ull, 0x94D049BB133111EBull, 1};
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  void fill(std::span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); i += 8) {
      const uint64_t v = next();
      std::memcpy(out.data() + i, &v, std::min<size_t>(8, out.size() - i));
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_;
};

}  // namespace tern

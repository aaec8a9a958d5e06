#pragma once
// The digests and MACs credentials are made of, as fixed-size values. The digest
// implementations are fetched from OpenSSL once per process, not looked up by name on
// every call (MD5() and HMAC_CTX_* are deprecated in OpenSSL 3, and the one-shot HMAC()
// and EVP_md5() paths fetch each time). HMAC goes through protocol/hmac.h, where a keyed
// Hmac is also offered for a key that serves many messages.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace tern::auth {

using Md5Digest = std::array<uint8_t, 16>;
using Sha1Digest = std::array<uint8_t, 20>;
using Sha256Digest = std::array<uint8_t, 32>;

inline std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Md5Digest md5(std::span<const uint8_t> data);
Sha256Digest sha256(std::span<const uint8_t> data);
Sha1Digest hmac_sha1(std::span<const uint8_t> key, std::span<const uint8_t> data);
Sha256Digest hmac_sha256(std::span<const uint8_t> key, std::span<const uint8_t> data);

// Compares in time that depends only on the sizes (which are public: digest lengths).
bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace tern::auth

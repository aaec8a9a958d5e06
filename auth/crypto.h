#pragma once
// The digests and MACs credentials are made of, as fixed-size values over OpenSSL's EVP
// interfaces (the low-level MD5_* / HMAC_CTX_* calls are deprecated in OpenSSL 3).

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

typedef struct evp_mac_ctx_st EVP_MAC_CTX;

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

// An HMAC fed in pieces, for inputs that are not contiguous (a STUN message whose length
// field must read differently while it is hashed). Construction cannot fail for SHA-1 or
// SHA-256 short of OpenSSL being unusable, which is a broken invariant (asserted).
class StreamingHmac {
 public:
  enum class Hash { Sha1, Sha256 };
  StreamingHmac(Hash hash, std::span<const uint8_t> key);
  void update(std::span<const uint8_t> data);
  // Writes min(out.size(), digest size) bytes; returns how many.
  size_t finish(std::span<uint8_t> out);

 private:
  struct CtxFree {
    void operator()(EVP_MAC_CTX* p) const;
  };
  std::unique_ptr<EVP_MAC_CTX, CtxFree> ctx_;
};

}  // namespace tern::auth

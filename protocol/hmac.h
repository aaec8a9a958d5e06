#pragma once
// HMAC (RFC 2104) with SHA-1 or SHA-256, built on OpenSSL digests that are fetched once per
// process. OpenSSL's own one-shot HMAC() and a fresh EVP_MAC_CTX per call look the
// algorithm up by name in the provider store (under a lock) and allocate several contexts
// on every call: that was most of the CPU an authenticated request cost.
//
// Two ways in:
// - hmac(): a one-shot that shares nothing mutable, for callers that hold no context.
// - Hmac: a key made ready once (the key's inner and outer hash states), for a key that
//   serves many messages. Each message then costs its own blocks and one more, instead of
//   two more for the key.

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>

#include <openssl/types.h>

namespace tern {

enum class HmacDigest : uint8_t { Sha1, Sha256 };

inline constexpr size_t kHmacMaxSize = 32;
using HmacOutput = std::span<uint8_t, kHmacMaxSize>;
using HmacParts = std::initializer_list<std::span<const uint8_t>>;

constexpr size_t hmac_size(HmacDigest d) {
  return d == HmacDigest::Sha1 ? 20 : 32;
}

// HMAC of the concatenated `parts` into the first hmac_size(d) bytes of `out`. Returns that
// size, or 0 when OpenSSL fails (out of memory). Thread-safe.
size_t hmac(HmacDigest d, std::span<const uint8_t> key, HmacParts parts, HmacOutput out);

// One key made ready for HMAC. Not thread-safe: it keeps OpenSSL hash contexts, and
// OpenSSL does not promise that one may be read (copied) by two threads at once, so each
// thread keeps its own (clone() makes one without the key at hand). Move-only.
class Hmac {
 public:
  // Unkeyed: mac() fails until set_key(). Allocates; keep one around rather than make one
  // per message.
  Hmac();
  ~Hmac();
  Hmac(Hmac&&) noexcept;
  Hmac& operator=(Hmac&&) noexcept;
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;

  // Hashes the key into the inner and outer states; the previous key and digest are
  // forgotten. False (and unkeyed) when OpenSSL fails.
  bool set_key(HmacDigest d, std::span<const uint8_t> key);
  bool has_key() const { return keyed_; }
  HmacDigest digest() const { return digest_; }
  size_t size() const { return hmac_size(digest_); }

  // HMAC of the concatenated `parts` with the current key, into the first size() bytes of
  // `out`. Returns that size, or 0 when unkeyed or OpenSSL fails.
  size_t mac(HmacParts parts, HmacOutput out);

  // Another context with the same key, independent of this one. Unkeyed if this one is,
  // or if OpenSSL fails.
  Hmac clone() const;

 private:
  struct CtxDeleter {
    void operator()(EVP_MD_CTX* p) const;
  };
  using CtxPtr = std::unique_ptr<EVP_MD_CTX, CtxDeleter>;

  CtxPtr inner_;  // after the key XOR ipad block
  CtxPtr outer_;  // after the key XOR opad block
  CtxPtr work_;   // the message being hashed
  HmacDigest digest_ = HmacDigest::Sha1;
  bool keyed_ = false;
};

}  // namespace tern

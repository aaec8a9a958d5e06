#pragma once
// Stateless NONCE values (RFC 8489 §9.2): the server keeps nothing per client, so a flood
// of spoofed unauthenticated requests costs CPU for one HMAC each and no memory.
//
//   "obMatJos2" <4 chars: base64 of the 24 security feature bits>
//               <22 chars: base64url of expiry (u32 seconds) || HMAC-SHA256 truncated to 96 bits>
//
// The HMAC covers the feature bits, the expiry and the client's IP, under a key only this
// server knows. 35 characters: short enough that a 401 stays small (the challenge is what
// a spoofed source can make us send), and every character is a legal qdtext.

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/hmac.h"
#include "protocol/transport_address.h"

namespace tern::auth {

inline constexpr std::string_view kNonceCookie = "obMatJos2";

// RFC 8489 §18.1 "STUN Security Features". Bit 0 is the least significant of the 24, as
// the RFC 8489 errata on the bit order say; B.1's corrected nonce "obMatJos2AAAC..."
// (username anonymity only, 0x000002) reads that way too.
struct FeatureBits {
  bool password_algorithms = false;  // bit 0: the server sends PASSWORD-ALGORITHMS
  bool username_anonymity = false;   // bit 1: the server accepts USERHASH

  uint32_t to_u24() const;
  static FeatureBits from_u24(uint32_t bits);
  friend bool operator==(const FeatureBits&, const FeatureBits&) = default;
};

// The feature bits any nonce cookie announces, ours or another server's; nullopt when the
// nonce does not start with the cookie and 4 base64 characters. Not authenticated.
std::optional<FeatureBits> nonce_cookie_features(std::string_view nonce);

enum class NonceStatus : uint8_t {
  Valid,
  Stale,    // ours, for this client, but expired: 438 with a fresh one
  Invalid,  // not ours, altered, or issued to another IP address
};

struct NonceCheck {
  NonceStatus status = NonceStatus::Invalid;
  FeatureBits features;  // authenticated unless status is Invalid
};

class NonceContext;

class NonceIssuer {
 public:
  static constexpr size_t kKeySize = 32;
  static constexpr int64_t kDefaultLifetimeSeconds = 600;  // coturn's --stale-nonce default
  using Key = std::array<uint8_t, kKeySize>;

  // The key every node given the same --stateless-nonce-secret derives, so each accepts
  // the others' nonces. A hash, so a short or low-entropy secret still fills the key.
  static Key key_from_secret(std::string_view secret);

  // A fresh random key from the OpenSSL CSPRNG; throws std::runtime_error if the CSPRNG
  // cannot be seeded (startup only, never on the packet path).
  explicit NonceIssuer(int64_t lifetime_seconds = kDefaultLifetimeSeconds);
  // A fixed key: for tests, and for nodes that must accept each other's nonces.
  NonceIssuer(std::span<const uint8_t, kKeySize> key, int64_t lifetime_seconds);
  ~NonceIssuer();
  NonceIssuer(const NonceIssuer&) = delete;
  NonceIssuer& operator=(const NonceIssuer&) = delete;

  int64_t lifetime_seconds() const { return lifetime_; }

  // Signs with `key` from now on; the key before it stays accepted for one lifetime, for
  // the nonces it signed (their expiry is at most now + lifetime), so clients in the
  // middle of an exchange are not sent round again. Rotating twice within a lifetime drops
  // the oldest key. False (nothing changed) when `key` is already the signing key.
  // Thread-safe: contexts pick the new keys up on their next call.
  bool rotate(std::span<const uint8_t, kKeySize> key, int64_t now_seconds);

  // Thread-safe: both read the keys under a lock. Each call hashes the key anew; a thread
  // that issues or checks often does better through a context().
  std::string issue(const TransportAddress& client, int64_t now_seconds,
                    FeatureBits features) const;
  NonceCheck check(std::string_view nonce, const TransportAddress& client,
                   int64_t now_seconds) const;

  // A context for one thread (a worker), with this issuer's key schedule made once.
  NonceContext context() const;

 private:
  friend class NonceContext;
  struct Keys {
    Key current{};
    std::optional<Key> previous;
    uint32_t previous_until = 0;  // last second (and latest expiry) `previous` is good for
  };
  Keys keys() const;

  mutable std::mutex mutex_;  // guards keys_; taken per call only on the issuer's own path
  Keys keys_;
  std::atomic<uint64_t> generation_{0};  // bumped by rotate(), so contexts see a change
  int64_t lifetime_;
};

// One thread's way to issue and check an issuer's nonces: the same nonces and answers as
// the issuer's issue() and check(), for half the hashing (the HMAC key schedule is two of
// the four SHA-256 blocks a nonce costs, and here it is computed once). Not thread-safe
// (see Hmac): one per worker. The issuer must outlive it. After a rotate() the next call
// re-keys it (one atomic load per call tells).
class NonceContext {
 public:
  std::string issue(const TransportAddress& client, int64_t now_seconds, FeatureBits features);
  NonceCheck check(std::string_view nonce, const TransportAddress& client, int64_t now_seconds);

 private:
  friend class NonceIssuer;
  explicit NonceContext(const NonceIssuer& issuer);

  // Re-keys after the issuer rotated; false when OpenSSL could not key an Hmac.
  bool sync();

  const NonceIssuer* issuer_;
  uint64_t generation_ = UINT64_MAX;  // of the keys below; never the issuer's at first
  Hmac current_;
  Hmac previous_;  // unkeyed when there is no previous key
  uint32_t previous_until_ = 0;
};

}  // namespace tern::auth

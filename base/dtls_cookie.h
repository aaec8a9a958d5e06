#pragma once
// DTLS cookies (RFC 6347 §4.2.1) that need no state per client: an HMAC over the client's
// address and port under a secret that rotates, so a cookie proves a round trip to that
// address lately, and a spoofed ClientHello costs one HelloVerifyRequest and nothing kept.

#include <array>
#include <cstdint>
#include <span>

#include <openssl/ssl.h>

#include "protocol/transport_address.h"

namespace tern {

class DtlsCookies {
 public:
  static constexpr size_t kSize = 32;  // HMAC-SHA256
  // A cookie is accepted for at least one rotation period and at most two.
  static constexpr int64_t kRotateMs = 60'000;

  explicit DtlsCookies(int64_t now_ms);

  // The cookie for `client`, written to `out` (kSize bytes).
  void make(const TransportAddress& client, int64_t now_ms, std::span<uint8_t, kSize> out);
  // Whether `cookie` was made for `client` under the current or the previous secret.
  bool check(const TransportAddress& client, int64_t now_ms, std::span<const uint8_t> cookie);

 private:
  using Secret = std::array<uint8_t, 32>;
  void rotate(int64_t now_ms);
  static void mac(const Secret& secret, const TransportAddress& client,
                  std::span<uint8_t, kSize> out);

  Secret current_{};
  Secret previous_{};
  int64_t rotated_ms_ = 0;
};

// What a DTLS context's cookie callbacks ask, set as each session's app data
// (SSL_set_app_data): the listening session's is pointed at each sender in turn.
struct DtlsCookieCheck {
  DtlsCookies* cookies = nullptr;
  TransportAddress client;
  int64_t now_ms = 0;
};
// Makes `ctx`'s sessions make and check cookies through their DtlsCookieCheck.
void use_dtls_cookies(SSL_CTX* ctx);

}  // namespace tern

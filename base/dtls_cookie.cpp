#include "base/dtls_cookie.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>

namespace tern {

namespace {
void fill_random(std::span<uint8_t> out) {
  // Without randomness the cookie would be guessable; OpenSSL's DRBG fails only when the
  // kernel gives it no entropy at all, and then no TLS works either.
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();
}
}  // namespace

DtlsCookies::DtlsCookies(int64_t now_ms) : rotated_ms_(now_ms) {
  fill_random(current_);
  fill_random(previous_);
}

void DtlsCookies::rotate(int64_t now_ms) {
  if (now_ms - rotated_ms_ < kRotateMs) return;
  previous_ = current_;
  fill_random(current_);
  rotated_ms_ = now_ms;
}

void DtlsCookies::mac(const Secret& secret, const TransportAddress& client,
                      std::span<uint8_t, kSize> out) {
  std::array<uint8_t, 19> message{};
  message[0] = static_cast<uint8_t>(client.family);
  message[1] = static_cast<uint8_t>(client.port >> 8);
  message[2] = static_cast<uint8_t>(client.port);
  std::copy(client.ip.begin(), client.ip.end(), message.begin() + 3);
  unsigned length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), message.data(), message.size(),
       out.data(), &length);
}

void DtlsCookies::make(const TransportAddress& client, int64_t now_ms,
                       std::span<uint8_t, kSize> out) {
  rotate(now_ms);
  mac(current_, client, out);
}

bool DtlsCookies::check(const TransportAddress& client, int64_t now_ms,
                        std::span<const uint8_t> cookie) {
  rotate(now_ms);
  if (cookie.size() != kSize) return false;
  std::array<uint8_t, kSize> expected{};
  for (const Secret* secret : {&current_, &previous_}) {
    mac(*secret, client, expected);
    if (CRYPTO_memcmp(expected.data(), cookie.data(), kSize) == 0) return true;
  }
  return false;
}

namespace {

int generate_cookie(SSL* ssl, unsigned char* cookie, unsigned int* length) {
  auto* check = static_cast<DtlsCookieCheck*>(SSL_get_app_data(ssl));
  if (check == nullptr || check->cookies == nullptr) return 0;
  // OpenSSL's buffer is DTLS1_COOKIE_LENGTH (255) bytes.
  check->cookies->make(check->client, check->now_ms,
                       std::span<uint8_t, DtlsCookies::kSize>(cookie, DtlsCookies::kSize));
  *length = DtlsCookies::kSize;
  return 1;
}

int verify_cookie(SSL* ssl, const unsigned char* cookie, unsigned int length) {
  auto* check = static_cast<DtlsCookieCheck*>(SSL_get_app_data(ssl));
  if (check == nullptr || check->cookies == nullptr) return 0;
  return check->cookies->check(check->client, check->now_ms, std::span(cookie, length)) ? 1 : 0;
}

}  // namespace

void use_dtls_cookies(SSL_CTX* ctx) {
  SSL_CTX_set_cookie_generate_cb(ctx, generate_cookie);
  SSL_CTX_set_cookie_verify_cb(ctx, verify_cookie);
}

}  // namespace tern

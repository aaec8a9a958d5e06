#include "auth/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>

namespace tern::auth {
namespace {

template <size_t N>
std::array<uint8_t, N> digest(const EVP_MD* md, std::span<const uint8_t> data) {
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  [[maybe_unused]] const int ok =
      EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
  assert(ok == 1 && len == N);
  return out;
}

template <size_t N>
std::array<uint8_t, N> hmac(const EVP_MD* md, std::span<const uint8_t> key,
                            std::span<const uint8_t> data) {
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  [[maybe_unused]] const unsigned char* r = HMAC(md, key.data(), static_cast<int>(key.size()),
                                                 data.data(), data.size(), out.data(), &len);
  assert(r != nullptr && len == N);
  return out;
}

}  // namespace

Md5Digest md5(std::span<const uint8_t> data) {
  return digest<16>(EVP_md5(), data);
}
Sha256Digest sha256(std::span<const uint8_t> data) {
  return digest<32>(EVP_sha256(), data);
}

Sha1Digest hmac_sha1(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  return hmac<20>(EVP_sha1(), key, data);
}
Sha256Digest hmac_sha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  return hmac<32>(EVP_sha256(), key, data);
}

bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tern::auth

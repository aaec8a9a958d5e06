#include "auth/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <algorithm>
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

struct MacFree {
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
};

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

void StreamingHmac::CtxFree::operator()(EVP_MAC_CTX* p) const {
  EVP_MAC_CTX_free(p);
}

StreamingHmac::StreamingHmac(Hash hash, std::span<const uint8_t> key) {
  const std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  assert(mac);
  ctx_.reset(EVP_MAC_CTX_new(mac.get()));
  assert(ctx_);
  char sha1[] = "SHA1";
  char sha256[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                                   OSSL_MAC_PARAM_DIGEST, hash == Hash::Sha1 ? sha1 : sha256, 0),
                               OSSL_PARAM_construct_end()};
  // A zero-length key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static constexpr uint8_t kEmpty = 0;
  [[maybe_unused]] const int ok =
      EVP_MAC_init(ctx_.get(), key.empty() ? &kEmpty : key.data(), key.size(), params);
  assert(ok == 1);
}

void StreamingHmac::update(std::span<const uint8_t> data) {
  if (!data.empty()) EVP_MAC_update(ctx_.get(), data.data(), data.size());
}

size_t StreamingHmac::finish(std::span<uint8_t> out) {
  std::array<uint8_t, EVP_MAX_MD_SIZE> full{};
  size_t len = 0;
  [[maybe_unused]] const int ok = EVP_MAC_final(ctx_.get(), full.data(), &len, full.size());
  assert(ok == 1);
  const size_t n = std::min(len, out.size());
  std::copy_n(full.begin(), n, out.begin());
  return n;
}

}  // namespace tern::auth

#include "auth/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <memory>

#include "protocol/hmac.h"

namespace tern::auth {
namespace {

struct MdDeleter {
  void operator()(EVP_MD* p) const { EVP_MD_free(p); }
};
using MdPtr = std::unique_ptr<EVP_MD, MdDeleter>;

// Fetched once (immutable, shareable by threads): EVP_md5() and EVP_sha256() are
// placeholders that EVP_Digest resolves by name, under a lock, on every call.
const EVP_MD* md5_algorithm() {
  static const MdPtr md(EVP_MD_fetch(nullptr, "MD5", nullptr));
  return md.get();
}
const EVP_MD* sha256_algorithm() {
  static const MdPtr md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  return md.get();
}

template <size_t N>
std::array<uint8_t, N> digest(const EVP_MD* md, std::span<const uint8_t> data) {
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  [[maybe_unused]] const int ok =
      md != nullptr && EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
  assert(ok == 1 && len == N);
  return out;
}

template <size_t N>
std::array<uint8_t, N> hmac_of(HmacDigest d, std::span<const uint8_t> key,
                               std::span<const uint8_t> data) {
  std::array<uint8_t, kHmacMaxSize> mac{};
  [[maybe_unused]] const size_t n = hmac(d, key, {data}, mac);
  assert(n == N);
  std::array<uint8_t, N> out{};
  std::copy_n(mac.begin(), N, out.begin());
  return out;
}

}  // namespace

Md5Digest md5(std::span<const uint8_t> data) {
  return digest<16>(md5_algorithm(), data);
}
Sha256Digest sha256(std::span<const uint8_t> data) {
  return digest<32>(sha256_algorithm(), data);
}

Sha1Digest hmac_sha1(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  return hmac_of<20>(HmacDigest::Sha1, key, data);
}
Sha256Digest hmac_sha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  return hmac_of<32>(HmacDigest::Sha256, key, data);
}

bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tern::auth

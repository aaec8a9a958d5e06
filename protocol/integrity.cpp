#include "protocol/integrity.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <memory>

#include "protocol/byte_order.h"

namespace tern::stun {
namespace {

struct MacDeleter {
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

// Fetched once: EVP_MAC_fetch searches the provider store under a lock, too slow for every
// packet. The fetched object is immutable and OpenSSL allows sharing it across threads.
EVP_MAC* hmac_algorithm() {
  static const std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  return mac.get();
}

enum class Digest { Sha1, Sha256 };

// HMAC of `prefix` (a message up to, not including, an integrity attribute) with the
// header's length field replaced by `length`. The header goes through a 20-byte copy and
// the rest straight from the message, so the message is never copied.
bool hmac_with_length(Digest digest, std::span<const uint8_t> key, std::span<const uint8_t> prefix,
                      uint16_t length, std::span<uint8_t, 32> out) {
  assert(prefix.size() >= kHeaderSize);
  MacCtxPtr ctx(EVP_MAC_CTX_new(hmac_algorithm()));
  if (!ctx) return false;
  char sha1[] = "SHA1";
  char sha256[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                             OSSL_MAC_PARAM_DIGEST, digest == Digest::Sha1 ? sha1 : sha256, 0),
                         OSSL_PARAM_construct_end()};
  // A null key means "keep the previous key" to EVP_MAC_init; an empty key is legal HMAC.
  static constexpr uint8_t kNoKey = 0;
  const uint8_t* key_data = key.empty() ? &kNoKey : key.data();
  if (EVP_MAC_init(ctx.get(), key_data, key.size(), params) != 1) return false;

  std::array<uint8_t, kHeaderSize> header;
  std::copy_n(prefix.begin(), kHeaderSize, header.begin());
  store_u16(header.data() + 2, length);
  size_t written = 0;
  return EVP_MAC_update(ctx.get(), header.data(), header.size()) == 1 &&
         EVP_MAC_update(ctx.get(), prefix.data() + kHeaderSize, prefix.size() - kHeaderSize) == 1 &&
         EVP_MAC_final(ctx.get(), out.data(), &written, out.size()) == 1;
}

void add_integrity(MessageBuilder& b, uint16_t type, Digest digest, size_t size,
                   std::span<const uint8_t> key) {
  auto out = b.append(type, size);
  if (!b.ok()) return;
  // The builder has already counted this attribute in the header's length field, which
  // is exactly the length the HMAC must see.
  const auto bytes = b.bytes();
  const auto prefix = bytes.first(bytes.size() - kAttributeHeaderSize - size);
  std::array<uint8_t, 32> mac{};
  [[maybe_unused]] const bool ok =
      hmac_with_length(digest, key, prefix, load_u16(bytes.data() + 2), mac);
  assert(ok && "OpenSSL HMAC failed");
  std::copy_n(mac.begin(), size, out.begin());
}

bool verify_integrity(const MessageView& m, uint16_t type, Digest digest,
                      std::span<const uint8_t> key) {
  const auto a = m.find(type);
  if (!a) return false;
  const size_t n = a->value.size();
  if (digest == Digest::Sha1 && n != kMessageIntegritySize) return false;
  if (digest == Digest::Sha256 && (n < 16 || n > kMessageIntegritySha256Size || n % 4 != 0)) {
    return false;
  }
  // Trust the recorded offset only if the attribute header is really there: MessageView
  // keeps 16-bit offsets, and an offset into the header would make the prefix shorter
  // than a header.
  const auto bytes = m.bytes();
  if (a->offset < kHeaderSize || load_u16(bytes.data() + a->offset) != type ||
      load_u16(bytes.data() + a->offset + 2) != n) {
    return false;
  }
  // The length the sender's HMAC saw: everything up to the end of this attribute.
  const size_t end = a->offset + kAttributeHeaderSize + n;
  std::array<uint8_t, 32> mac{};
  if (!hmac_with_length(digest, key, bytes.first(a->offset),
                        static_cast<uint16_t>(end - kHeaderSize), mac)) {
    return false;
  }
  return CRYPTO_memcmp(mac.data(), a->value.data(), n) == 0;
}

}  // namespace

void add_message_integrity(MessageBuilder& b, std::span<const uint8_t> key) {
  add_integrity(b, attr::MessageIntegrity, Digest::Sha1, kMessageIntegritySize, key);
}

void add_message_integrity_sha256(MessageBuilder& b, std::span<const uint8_t> key) {
  add_integrity(b, attr::MessageIntegritySha256, Digest::Sha256, kMessageIntegritySha256Size, key);
}

bool verify_message_integrity(const MessageView& m, std::span<const uint8_t> key) {
  return verify_integrity(m, attr::MessageIntegrity, Digest::Sha1, key);
}

bool verify_message_integrity_sha256(const MessageView& m, std::span<const uint8_t> key) {
  return verify_integrity(m, attr::MessageIntegritySha256, Digest::Sha256, key);
}

}  // namespace tern::stun

#include "protocol/integrity.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cassert>

#include "protocol/byte_order.h"

namespace tern::stun {
namespace {

struct Variant {
  uint16_t type;
  HmacDigest digest;
  size_t size;  // what we send
};
constexpr Variant kSha1{attr::MessageIntegrity, HmacDigest::Sha1, kMessageIntegritySize};
constexpr Variant kSha256{attr::MessageIntegritySha256, HmacDigest::Sha256,
                          kMessageIntegritySha256Size};

constexpr const Variant& variant(IntegrityKind kind) {
  return kind == IntegrityKind::Sha1 ? kSha1 : kSha256;
}

// HMAC of `prefix` (a message up to, not including, an integrity attribute) with the
// header's length field replaced by `length`. The header goes through a 20-byte copy and
// the rest straight from the message, so the message is never copied. `mac` is hmac()
// bound to a key, or a keyed Hmac.
template <typename Mac>
size_t mac_with_length(Mac&& mac, std::span<const uint8_t> prefix, uint16_t length,
                       HmacOutput out) {
  assert(prefix.size() >= kHeaderSize);
  std::array<uint8_t, kHeaderSize> header;
  std::copy_n(prefix.begin(), kHeaderSize, header.begin());
  store_u16(header.data() + 2, length);
  return mac({header, prefix.subspan(kHeaderSize)}, out);
}

template <typename Mac>
void add_integrity(MessageBuilder& b, const Variant& v, Mac&& mac) {
  auto out = b.append(v.type, v.size);
  if (!b.ok()) return;
  // The builder has already counted this attribute in the header's length field, which
  // is exactly the length the HMAC must see.
  const auto bytes = b.bytes();
  const auto prefix = bytes.first(bytes.size() - kAttributeHeaderSize - v.size);
  std::array<uint8_t, kHmacMaxSize> value{};
  [[maybe_unused]] const size_t n = mac_with_length(mac, prefix, load_u16(bytes.data() + 2), value);
  assert(n >= v.size && "OpenSSL HMAC failed");
  std::copy_n(value.begin(), v.size, out.begin());
}

template <typename Mac>
bool verify_integrity(const MessageView& m, const Variant& v, Mac&& mac) {
  const auto a = m.find(v.type);
  if (!a) return false;
  const size_t n = a->value.size();
  if (v.digest == HmacDigest::Sha1 && n != kMessageIntegritySize) return false;
  if (v.digest == HmacDigest::Sha256 && (n < 16 || n > kMessageIntegritySha256Size || n % 4 != 0)) {
    return false;
  }
  // Trust the recorded offset only if the attribute header is really there: MessageView
  // keeps 16-bit offsets, and an offset into the header would make the prefix shorter
  // than a header.
  const auto bytes = m.bytes();
  if (a->offset < kHeaderSize || load_u16(bytes.data() + a->offset) != v.type ||
      load_u16(bytes.data() + a->offset + 2) != n) {
    return false;
  }
  // The length the sender's HMAC saw: everything up to the end of this attribute.
  const size_t end = a->offset + kAttributeHeaderSize + n;
  std::array<uint8_t, kHmacMaxSize> expected{};
  if (mac_with_length(mac, bytes.first(a->offset), static_cast<uint16_t>(end - kHeaderSize),
                      expected) < n) {
    return false;
  }
  return CRYPTO_memcmp(expected.data(), a->value.data(), n) == 0;
}

// hmac() bound to a digest and a key.
auto one_shot(HmacDigest digest, std::span<const uint8_t> key) {
  return [digest, key](HmacParts parts, HmacOutput out) { return hmac(digest, key, parts, out); };
}

}  // namespace

void add_message_integrity(MessageBuilder& b, std::span<const uint8_t> key) {
  add_integrity(b, kSha1, one_shot(kSha1.digest, key));
}

void add_message_integrity_sha256(MessageBuilder& b, std::span<const uint8_t> key) {
  add_integrity(b, kSha256, one_shot(kSha256.digest, key));
}

bool verify_message_integrity(const MessageView& m, std::span<const uint8_t> key) {
  return verify_integrity(m, kSha1, one_shot(kSha1.digest, key));
}

bool verify_message_integrity_sha256(const MessageView& m, std::span<const uint8_t> key) {
  return verify_integrity(m, kSha256, one_shot(kSha256.digest, key));
}

bool IntegrityKey::set(IntegrityKind kind, std::span<const uint8_t> key) {
  return hmac_.set_key(variant(kind).digest, key);
}

bool IntegrityKey::verify(const MessageView& m) {
  if (!has_key()) return false;
  return verify_integrity(m, variant(kind()), [this](HmacParts parts, HmacOutput out) {
    return hmac_.mac(parts, out);
  });
}

void IntegrityKey::add_to(MessageBuilder& b) {
  if (!has_key()) return;
  add_integrity(b, variant(kind()),
                [this](HmacParts parts, HmacOutput out) { return hmac_.mac(parts, out); });
}

}  // namespace tern::stun

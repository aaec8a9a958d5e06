#include "auth/nonce.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "auth/base64.h"
#include "auth/crypto.h"
#include "protocol/byte_order.h"

namespace tern::auth {
namespace {

constexpr size_t kFeatureChars = 4;   // base64 of 3 bytes, no padding needed
constexpr size_t kPayloadBytes = 16;  // expiry (4) + truncated MAC (12)
constexpr size_t kPayloadChars = 22;  // base64url, unpadded
constexpr size_t kNonceSize = kNonceCookie.size() + kFeatureChars + kPayloadChars;

// The same host can reach a dual-stack socket as 192.0.2.1 or as ::ffff:192.0.2.1,
// depending on the listener; both must be one client.
std::span<const uint8_t> canonical_ip(const TransportAddress& a) {
  static constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                            0, 0, 0, 0, 0xFF, 0xFF};
  const auto ip = a.ip_bytes();
  if (a.family == Family::V6 &&
      std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), ip.begin())) {
    return ip.subspan(12);
  }
  return ip;
}

uint32_t clamp_u32(int64_t v) {
  return static_cast<uint32_t>(std::clamp<int64_t>(v, 0, int64_t{UINT32_MAX}));
}

constexpr size_t kTagSize = 12;  // HMAC-SHA256 truncated to 96 bits
using Tag = std::array<uint8_t, kTagSize>;

// The IP and not the port: RFC 8489 only asks that a nonce not be usable from another
// source address, and a host legitimately talks to us from several ports at once (a
// browser's UDP, TCP and TLS candidates) or after its NAT rebinds a port; binding the port
// would cost each of those an extra 438 round trip and stop no attacker, since the MESSAGE-
// INTEGRITY, not the nonce, is what proves who the client is.
//
// `mac` is hmac() bound to the issuer's key, or a context's keyed Hmac. nullopt when
// OpenSSL fails.
template <typename Mac>
std::optional<Tag> tag_of(Mac&& mac, uint32_t features, uint32_t expiry,
                          const TransportAddress& client) {
  std::array<uint8_t, 3 + 4 + 1 + 16> input{};
  input[0] = static_cast<uint8_t>(features >> 16);
  input[1] = static_cast<uint8_t>(features >> 8);
  input[2] = static_cast<uint8_t>(features);
  store_u32(&input[3], expiry);
  const auto ip = canonical_ip(client);
  input[7] = static_cast<uint8_t>(ip.size());
  std::copy(ip.begin(), ip.end(), input.begin() + 8);
  std::array<uint8_t, kHmacMaxSize> full{};
  if (mac({std::span(input).first(8 + ip.size())}, full) < kTagSize) return std::nullopt;
  Tag tag{};
  std::copy_n(full.begin(), kTagSize, tag.begin());
  return tag;
}

std::string assemble(uint32_t bits, uint32_t expiry, const Tag& tag) {
  const std::array<uint8_t, 3> bit_bytes = {static_cast<uint8_t>(bits >> 16),
                                            static_cast<uint8_t>(bits >> 8),
                                            static_cast<uint8_t>(bits)};
  std::array<uint8_t, kPayloadBytes> payload{};
  store_u32(payload.data(), expiry);
  std::copy(tag.begin(), tag.end(), payload.begin() + 4);

  std::string nonce;
  nonce.reserve(kNonceSize);
  nonce.append(kNonceCookie).append(base64_encode(bit_bytes)).append(base64url_encode(payload));
  return nonce;
}

// The two ways to the same HMAC-SHA256: hmac() re-keyed per call, or a ready Hmac.
auto keyed_once(std::span<const uint8_t> key) {
  return
      [key](HmacParts parts, HmacOutput out) { return hmac(HmacDigest::Sha256, key, parts, out); };
}
auto keyed(Hmac& mac) {
  return [&mac](HmacParts parts, HmacOutput out) { return mac.mac(parts, out); };
}

template <typename Mac>
std::string issue_nonce(Mac&& mac, const TransportAddress& client, uint32_t expiry,
                        FeatureBits features) {
  const uint32_t bits = features.to_u24();
  // Without a MAC (OpenSSL out of memory) the tag stays zero: check() never accepts that
  // one, because it refuses whenever its own HMAC fails, and a working HMAC gives another.
  const auto tag = tag_of(mac, bits, expiry, client);
  return assemble(bits, expiry, tag.value_or(Tag{}));
}

// `max_expiry` bounds the nonces a previous key may still vouch for: someone who holds a
// retired secret cannot mint nonces that outlive its grace period.
template <typename Mac>
NonceCheck check_nonce(Mac&& mac, std::string_view nonce, const TransportAddress& client,
                       int64_t now_seconds, uint32_t max_expiry = UINT32_MAX) {
  if (nonce.size() != kNonceSize) return {};
  const auto features = nonce_cookie_features(nonce);
  const auto payload = base64url_decode(nonce.substr(kNonceSize - kPayloadChars));
  if (!features || !payload || payload->size() != kPayloadBytes) return {};
  const uint32_t expiry = load_u32(payload->data());
  if (expiry > max_expiry) return {};
  const uint32_t bits = features->to_u24();
  const auto tag = tag_of(mac, bits, expiry, client);
  if (!tag) return {};
  // Rebuilding the whole nonce and comparing it in constant time also refuses other
  // spellings of the same bytes (base64's unused low bits, feature bits we never set).
  const std::string expected = assemble(bits, expiry, *tag);
  if (!constant_time_equal(as_bytes(expected), as_bytes(nonce))) return {};
  const auto status = now_seconds > int64_t{expiry} ? NonceStatus::Stale : NonceStatus::Valid;
  return {status, *features};
}

// The signing key first; the previous one only while its grace period lasts, and only for
// what the signing key refuses, so the common case costs one HMAC as before.
template <typename Current, typename Previous>
NonceCheck check_with_keys(Current&& current, Previous&& previous, bool has_previous,
                           uint32_t previous_until, std::string_view nonce,
                           const TransportAddress& client, int64_t now_seconds) {
  const NonceCheck first = check_nonce(current, nonce, client, now_seconds);
  if (first.status != NonceStatus::Invalid || !has_previous || now_seconds > previous_until) {
    return first;
  }
  return check_nonce(previous, nonce, client, now_seconds, previous_until);
}

constexpr std::string_view kSecretLabel = "tern stateless nonce key v1";

}  // namespace

uint32_t FeatureBits::to_u24() const {
  return (password_algorithms ? 0x1u : 0u) | (username_anonymity ? 0x2u : 0u);
}

FeatureBits FeatureBits::from_u24(uint32_t bits) {
  return FeatureBits{.password_algorithms = (bits & 0x1) != 0,
                     .username_anonymity = (bits & 0x2) != 0};
}

std::optional<FeatureBits> nonce_cookie_features(std::string_view nonce) {
  if (!nonce.starts_with(kNonceCookie)) return std::nullopt;
  const auto bytes = base64_decode(nonce.substr(kNonceCookie.size(), kFeatureChars));
  if (!bytes || bytes->size() != 3) return std::nullopt;
  return FeatureBits::from_u24((uint32_t{(*bytes)[0]} << 16) | (uint32_t{(*bytes)[1]} << 8) |
                               (*bytes)[2]);
}

NonceIssuer::Key NonceIssuer::key_from_secret(std::string_view secret) {
  return hmac_sha256(as_bytes(kSecretLabel), as_bytes(secret));
}

NonceIssuer::NonceIssuer(int64_t lifetime_seconds) : lifetime_(lifetime_seconds) {
  if (RAND_bytes(keys_.current.data(), static_cast<int>(keys_.current.size())) != 1) {
    throw std::runtime_error("nonce key: the OpenSSL random generator is not seeded");
  }
}

NonceIssuer::NonceIssuer(std::span<const uint8_t, kKeySize> key, int64_t lifetime_seconds)
    : lifetime_(lifetime_seconds) {
  std::copy(key.begin(), key.end(), keys_.current.begin());
}

NonceIssuer::~NonceIssuer() {
  OPENSSL_cleanse(keys_.current.data(), keys_.current.size());
  if (keys_.previous) OPENSSL_cleanse(keys_.previous->data(), keys_.previous->size());
}

bool NonceIssuer::rotate(std::span<const uint8_t, kKeySize> key, int64_t now_seconds) {
  std::lock_guard lock(mutex_);
  if (std::equal(key.begin(), key.end(), keys_.current.begin())) return false;
  keys_.previous = keys_.current;
  keys_.previous_until = clamp_u32(now_seconds + lifetime_);
  std::copy(key.begin(), key.end(), keys_.current.begin());
  generation_.fetch_add(1, std::memory_order_release);
  return true;
}

NonceIssuer::Keys NonceIssuer::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

std::string NonceIssuer::issue(const TransportAddress& client, int64_t now_seconds,
                               FeatureBits features) const {
  const Keys k = keys();
  return issue_nonce(keyed_once(k.current), client, clamp_u32(now_seconds + lifetime_), features);
}

NonceCheck NonceIssuer::check(std::string_view nonce, const TransportAddress& client,
                              int64_t now_seconds) const {
  const Keys k = keys();
  const Key previous = k.previous.value_or(Key{});
  return check_with_keys(keyed_once(k.current), keyed_once(previous), k.previous.has_value(),
                         k.previous_until, nonce, client, now_seconds);
}

NonceContext NonceIssuer::context() const {
  return NonceContext(*this);
}

NonceContext::NonceContext(const NonceIssuer& issuer) : issuer_(&issuer) {
  sync();
}

bool NonceContext::sync() {
  const uint64_t generation = issuer_->generation_.load(std::memory_order_acquire);
  if (generation == generation_) return current_.has_key();
  // Read after the generation: a rotation in between is seen on the next call.
  NonceIssuer::Keys k = issuer_->keys();
  // Unkeyed if OpenSSL fails: then every call falls back to the issuer's own path.
  current_.set_key(HmacDigest::Sha256, k.current);
  previous_ = Hmac();
  if (k.previous) previous_.set_key(HmacDigest::Sha256, *k.previous);
  previous_until_ = k.previous_until;
  OPENSSL_cleanse(k.current.data(), k.current.size());
  if (k.previous) OPENSSL_cleanse(k.previous->data(), k.previous->size());
  generation_ = generation;
  return current_.has_key();
}

std::string NonceContext::issue(const TransportAddress& client, int64_t now_seconds,
                                FeatureBits features) {
  if (!sync()) return issuer_->issue(client, now_seconds, features);
  return issue_nonce(keyed(current_), client, clamp_u32(now_seconds + issuer_->lifetime_),
                     features);
}

NonceCheck NonceContext::check(std::string_view nonce, const TransportAddress& client,
                               int64_t now_seconds) {
  if (!sync()) return issuer_->check(nonce, client, now_seconds);
  return check_with_keys(keyed(current_), keyed(previous_), previous_.has_key(), previous_until_,
                         nonce, client, now_seconds);
}

}  // namespace tern::auth

#include "auth/long_term_key.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "auth/crypto.h"
#include "auth/saslprep.h"

namespace tern::auth {
namespace {

std::string joined(std::string_view a, std::string_view b, std::string_view c) {
  std::string s;
  s.reserve(a.size() + b.size() + c.size() + 2);
  s.append(a).append(1, ':').append(b).append(1, ':').append(c);
  return s;
}

}  // namespace

std::optional<PasswordAlgorithm> password_algorithm_from_wire(uint16_t number) {
  switch (number) {
    case static_cast<uint16_t>(PasswordAlgorithm::Md5):
      return PasswordAlgorithm::Md5;
    case static_cast<uint16_t>(PasswordAlgorithm::Sha256):
      return PasswordAlgorithm::Sha256;
    default:
      return std::nullopt;
  }
}

Key::Key(PasswordAlgorithm algorithm, std::span<const uint8_t> bytes) : algorithm_(algorithm) {
  assert(bytes.size() <= kMaxSize);
  size_ = static_cast<uint8_t>(std::min(bytes.size(), kMaxSize));
  std::copy_n(bytes.begin(), size_, bytes_.begin());
}

std::optional<Key> derive_key(PasswordAlgorithm algorithm, std::string_view username,
                              std::string_view realm, std::string_view password) {
  const auto prepared = saslprep(password);
  if (!prepared) return std::nullopt;
  const std::string input = joined(username, realm, *prepared);
  if (algorithm == PasswordAlgorithm::Sha256) return Key(algorithm, sha256(as_bytes(input)));
  return Key(algorithm, md5(as_bytes(input)));
}

std::array<uint8_t, 32> userhash(std::string_view username, std::string_view realm) {
  std::string input;
  input.reserve(username.size() + realm.size() + 1);
  input.append(username).append(1, ':').append(realm);
  return sha256(as_bytes(input));
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0xF]);
  }
  return hex;
}

std::optional<Key> key_from_hex(PasswordAlgorithm algorithm, std::string_view hex) {
  const size_t size = algorithm == PasswordAlgorithm::Sha256 ? 32 : 16;
  if (hex.size() != size * 2) return std::nullopt;
  std::array<uint8_t, Key::kMaxSize> bytes{};
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) return std::nullopt;
    bytes[i / 2] = static_cast<uint8_t>((bytes[i / 2] << 4) | v);
  }
  return Key(algorithm, std::span(bytes).first(size));
}

}  // namespace tern::auth

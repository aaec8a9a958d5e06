#pragma once
// Long-term credential keys (RFC 8489 §9.2.2) and USERHASH (§14.4).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tern::auth {

// IANA "STUN Password Algorithms" numbers (RFC 8489 §18.5).
enum class PasswordAlgorithm : uint16_t { Md5 = 0x0001, Sha256 = 0x0002 };

// nullopt for numbers tern does not implement (0 is reserved; the rest are unassigned).
std::optional<PasswordAlgorithm> password_algorithm_from_wire(uint16_t number);

// A key derived from (username, realm, password): 16 bytes for MD5, 32 for SHA-256.
// A value type, so stores can hand out copies without owning anything.
class Key {
 public:
  static constexpr size_t kMaxSize = 32;

  Key() = default;
  // Asserts bytes.size() <= kMaxSize.
  Key(PasswordAlgorithm algorithm, std::span<const uint8_t> bytes);

  PasswordAlgorithm algorithm() const { return algorithm_; }
  std::span<const uint8_t> bytes() const { return std::span(bytes_).first(size_); }
  bool empty() const { return size_ == 0; }

  friend bool operator==(const Key& a, const Key& b) {
    return a.algorithm_ == b.algorithm_ && a.size_ == b.size_ && a.bytes_ == b.bytes_;
  }

 private:
  PasswordAlgorithm algorithm_ = PasswordAlgorithm::Md5;
  std::array<uint8_t, kMaxSize> bytes_{};
  uint8_t size_ = 0;
};

// hash(username ":" realm ":" SASLprep(password)) with the algorithm's hash. The username
// and realm are taken as they travel in USERNAME and REALM. nullopt when the password
// fails SASLprep (see saslprep.h), which only operator-supplied passwords can.
std::optional<Key> derive_key(PasswordAlgorithm algorithm, std::string_view username,
                              std::string_view realm, std::string_view password);

// SHA-256(username ":" realm): what a client sends in USERHASH instead of its username.
std::array<uint8_t, 32> userhash(std::string_view username, std::string_view realm);

// The hex form the stores keep keys in (coturn's Redis schema, the sqlite users table):
// lower case out, either case in; nullopt for the wrong length or a non-hex digit.
std::string to_hex(std::span<const uint8_t> bytes);
std::optional<Key> key_from_hex(PasswordAlgorithm algorithm, std::string_view hex);

}  // namespace tern::auth

#include "admin/password.h"

#include <openssl/rand.h>

#include <array>
#include <cstdint>

#include "auth/base64.h"

namespace tern::admin {

std::optional<std::string> random_password() {
  std::array<uint8_t, 12> bytes{};  // 12 bytes encode to exactly 16 characters, no padding
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return std::nullopt;
  return auth::base64url_encode(bytes);
}

}  // namespace tern::admin

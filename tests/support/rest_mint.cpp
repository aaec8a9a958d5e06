#include "tests/support/rest_mint.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>

namespace tern::test {

std::string rest_password(std::string_view secret, std::string_view username) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  if (HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(username.data()), username.size(), mac,
           &mac_length) == nullptr) {
    return {};
  }
  // EVP_EncodeBlock writes 4 characters per 3 bytes, padded, plus a NUL.
  std::string out(4 * ((mac_length + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac,
                                static_cast<int>(mac_length));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

TurnCredentials rest_credentials(std::string_view secret, int64_t expiry, std::string_view user) {
  TurnCredentials c;
  c.username = std::to_string(expiry) + ":" + std::string(user);
  c.password = rest_password(secret, c.username);
  return c;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tern::test

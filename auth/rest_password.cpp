#include "auth/rest_password.h"

#include <algorithm>
#include <array>

#include "auth/base64.h"
#include "auth/credential_source.h"
#include "auth/crypto.h"

namespace tern::auth {
namespace {

// The password from `mac`'s first `n` bytes; n == 0 means the HMAC failed (OpenSSL out of
// memory), and then there is no password rather than one anyone could guess.
std::optional<std::string> password_from(std::span<const uint8_t, kHmacMaxSize> mac, size_t n) {
  if (n == 0) return std::nullopt;
  return base64_encode(mac.first(n));
}

}  // namespace

std::string rest_password(std::string_view secret, std::string_view username) {
  return base64_encode(hmac_sha1(as_bytes(secret), as_bytes(username)));
}

std::optional<std::string> try_rest_password(std::string_view secret, std::string_view username) {
  std::array<uint8_t, kHmacMaxSize> mac{};
  return password_from(mac, hmac(HmacDigest::Sha1, as_bytes(secret), {as_bytes(username)}, mac));
}

RestPasswordMaker::RestPasswordMaker(std::string_view secret) {
  mac_.set_key(HmacDigest::Sha1, as_bytes(secret));
}

std::optional<std::string> RestPasswordMaker::password(std::string_view username) {
  std::array<uint8_t, kHmacMaxSize> mac{};
  return password_from(mac, mac_.mac({as_bytes(username)}, mac));
}

RestPasswordMaker& RestSecretsContext::maker(
    const std::shared_ptr<const std::vector<std::string>>& secrets, size_t i) {
  if (secrets_ != secrets) {
    makers_.clear();
    // Only the first kCapacity secrets are ever tried (RestSecrets::lookup_with).
    const size_t n = std::min(secrets->size(), CandidateKeys::kCapacity);
    for (size_t j = 0; j < n; ++j) makers_.emplace_back((*secrets)[j]);
    secrets_ = secrets;
  }
  return makers_[i];
}

}  // namespace tern::auth

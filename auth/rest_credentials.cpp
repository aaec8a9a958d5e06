#include "auth/rest_credentials.h"

#include <charconv>

#include "auth/base64.h"
#include "auth/crypto.h"

namespace tern::auth {
namespace {

std::optional<int64_t> parse_timestamp(std::string_view s) {
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string rest_password(std::string_view secret, std::string_view username) {
  return base64_encode(hmac_sha1(as_bytes(secret), as_bytes(username)));
}

std::optional<int64_t> rest_expiry(std::string_view username, char separator,
                                   ExpiryPosition position) {
  const size_t first = username.find(separator);
  if (auto t = parse_timestamp(username.substr(0, first))) return t;
  if (position != ExpiryPosition::FirstOrLast || first == std::string_view::npos) {
    return std::nullopt;
  }
  return parse_timestamp(username.substr(username.rfind(separator) + 1));
}

RestSecrets::RestSecrets(std::string realm, char separator, ExpiryPosition position)
    : realm_(std::move(realm)),
      separator_(separator),
      position_(position),
      secrets_(std::make_shared<const std::vector<std::string>>()) {}

void RestSecrets::set_secrets(std::vector<std::string> secrets) {
  secrets_.store(std::make_shared<const std::vector<std::string>>(std::move(secrets)));
}

std::shared_ptr<const std::vector<std::string>> RestSecrets::secrets() const {
  return secrets_.load();
}

bool RestSecrets::lookup(std::string_view username, std::string_view realm,
                         PasswordAlgorithm algorithm, int64_t now, CandidateKeys& out) const {
  if (realm != realm_) return false;
  const auto expiry = rest_expiry(username, separator_, position_);
  if (!expiry || *expiry < now) return false;
  const auto secrets = secrets_.load();
  bool any = false;
  for (const std::string& secret : *secrets) {
    // The password is base64, printable ASCII, so SASLprep cannot reject it.
    const auto key = derive_key(algorithm, username, realm_, rest_password(secret, username));
    if (!key || !out.add(*key)) break;
    any = true;
  }
  return any;
}

}  // namespace tern::auth

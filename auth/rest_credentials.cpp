#include "auth/rest_credentials.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "auth/crypto.h"
#include "auth/lookup_scratch.h"

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
    : realm_(std::move(realm)), separator_(separator), position_(position) {}

void RestSecrets::set_secrets(std::vector<std::string> secrets) {
  secrets_.set(std::make_shared<const std::vector<std::string>>(std::move(secrets)));
}

std::shared_ptr<const std::vector<std::string>> RestSecrets::secrets() const {
  return secrets_.get();
}

bool RestSecrets::is_expired(std::string_view username, int64_t now) const {
  const auto expiry = rest_expiry(username, separator_, position_);
  return expiry && *expiry < now;
}

// `password(secrets, i)` is the REST password of `username` under the i-th secret, or
// nullopt when OpenSSL failed (that secret then yields no key).
template <typename Password>
bool RestSecrets::lookup_with(std::string_view username, std::string_view realm,
                              PasswordAlgorithm algorithm, int64_t now, CandidateKeys& out,
                              Password&& password) const {
  if (realm != realm_) return false;
  const auto expiry = rest_expiry(username, separator_, position_);
  if (!expiry || *expiry < now) return false;
  const auto secrets = secrets_.get();
  bool any = false;
  const size_t tried = std::min(secrets->size(), CandidateKeys::kCapacity);
  for (size_t i = 0; i < tried && out.size() < CandidateKeys::kCapacity; ++i) {
    const std::optional<std::string> pass = password(secrets, i);
    if (!pass) continue;
    // The password is base64, printable ASCII, so SASLprep cannot reject it.
    const auto key = derive_key(algorithm, username, realm_, *pass);
    if (!key || !out.add(*key)) break;
    any = true;
  }
  return any;
}

bool RestSecrets::lookup(std::string_view username, std::string_view realm,
                         PasswordAlgorithm algorithm, int64_t now, CandidateKeys& out) const {
  return lookup_with(username, realm, algorithm, now, out,
                     [username](const auto& secrets, size_t i) {
                       return try_rest_password((*secrets)[i], username);
                     });
}

bool RestSecrets::lookup(std::string_view username, std::string_view realm,
                         PasswordAlgorithm algorithm, int64_t now, CandidateKeys& out,
                         RestSecretsContext& context) const {
  return lookup_with(username, realm, algorithm, now, out,
                     [username, &context](const auto& secrets, size_t i) {
                       return context.maker(secrets, i).password(username);
                     });
}

bool RestSecrets::lookup_for_worker(std::string_view username, std::string_view realm,
                                    PasswordAlgorithm algorithm, int64_t now, CandidateKeys& out,
                                    LookupScratch& scratch) const {
  return lookup(username, realm, algorithm, now, out, scratch.rest);
}

}  // namespace tern::auth

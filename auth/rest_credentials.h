#pragma once
// Time-limited credentials of the TURN REST API (draft-uberti-behave-turn-rest-00 §2.2),
// coturn's --use-auth-secret / --static-auth-secret: a web service that shares a secret
// with the relay hands out
//   username = "<expiry unix time>[:<user id>]"
//   password = base64(HMAC-SHA1(secret, username))
// and the relay recomputes the password instead of storing any user.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credential_source.h"
#include "auth/rest_password.h"
#include "auth/snapshot_cell.h"

namespace tern::auth {

enum class ExpiryPosition : uint8_t {
  First,        // "1700000000:alice" or "1700000000" (the draft's form)
  FirstOrLast,  // also "alice:1700000000", which coturn accepts too
};

// The expiry a REST username carries; nullopt when there is none. The timestamp is all
// decimal digits (no sign, no spaces) and fits in an int64.
std::optional<int64_t> rest_expiry(std::string_view username, char separator = ':',
                                   ExpiryPosition position = ExpiryPosition::First);

class RestSecrets final : public CredentialSource {
 public:
  explicit RestSecrets(std::string realm, char separator = ':',
                       ExpiryPosition position = ExpiryPosition::First);

  // Replaces the whole list; safe from any thread while workers look up. Lookups already
  // running finish with the list they started with. Secrets past the
  // CandidateKeys::kCapacity first ones are never tried.
  void set_secrets(std::vector<std::string> secrets);
  std::shared_ptr<const std::vector<std::string>> secrets() const;

  // The username's expiry must not have passed (a username valid "until T" still works at
  // T). Yields one key per secret.
  bool lookup(std::string_view username, std::string_view realm, PasswordAlgorithm algorithm,
              int64_t now, CandidateKeys& out) const override;
  // The same answer, with the HMAC key schedules of the secrets kept in a worker's context
  // (made again only after set_secrets() swapped the list).
  bool lookup(std::string_view username, std::string_view realm, PasswordAlgorithm algorithm,
              int64_t now, CandidateKeys& out, RestSecretsContext& context) const;
  bool lookup_for_worker(std::string_view username, std::string_view realm,
                         PasswordAlgorithm algorithm, int64_t now, CandidateKeys& out,
                         LookupScratch& scratch) const override;
  bool is_expired(std::string_view username, int64_t now) const override;

 private:
  template <typename Password>
  bool lookup_with(std::string_view username, std::string_view realm, PasswordAlgorithm algorithm,
                   int64_t now, CandidateKeys& out, Password&& password) const;

  std::string realm_;
  char separator_;
  ExpiryPosition position_;
  SnapshotCell<std::vector<std::string>> secrets_;
};

}  // namespace tern::auth

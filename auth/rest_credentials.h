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
#include "auth/snapshot_cell.h"
#include "protocol/hmac.h"

namespace tern::auth {

std::string rest_password(std::string_view secret, std::string_view username);

// One secret with its HMAC key schedule made once: password(u) equals
// rest_password(secret, u) for half the hashing. For a caller that makes many passwords
// with one secret. Not thread-safe (see Hmac).
class RestPasswordMaker {
 public:
  explicit RestPasswordMaker(std::string_view secret);
  // nullopt when OpenSSL failed (out of memory), rather than a password anyone could guess.
  std::optional<std::string> password(std::string_view username);

 private:
  Hmac mac_;
};

enum class ExpiryPosition : uint8_t {
  First,        // "1700000000:alice" or "1700000000" (the draft's form)
  FirstOrLast,  // also "alice:1700000000", which coturn accepts too
};

// The expiry a REST username carries; nullopt when there is none. The timestamp is all
// decimal digits (no sign, no spaces) and fits in an int64.
std::optional<int64_t> rest_expiry(std::string_view username, char separator = ':',
                                   ExpiryPosition position = ExpiryPosition::First);

class RestSecretsContext;

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

// One worker's ready secrets for RestSecrets::lookup. Not thread-safe (see Hmac).
class RestSecretsContext {
 public:
  // How many secrets have their key schedule ready (for tests).
  size_t ready() const { return makers_.size(); }

 private:
  friend class RestSecrets;
  // The maker for the i-th of `secrets`; all are made anew for a list not seen before.
  RestPasswordMaker& maker(const std::shared_ptr<const std::vector<std::string>>& secrets,
                           size_t i);

  // The list the makers were made from: holding it also keeps its address from being
  // reused by a later list, so comparing pointers tells when to remake them.
  std::shared_ptr<const std::vector<std::string>> secrets_;
  std::vector<RestPasswordMaker> makers_;
};

}  // namespace tern::auth

#pragma once
// The passwords of the TURN REST API (draft-uberti-behave-turn-rest-00 §2.2):
// base64(HMAC-SHA1(secret, username)), made one at a time or, for a worker that makes many,
// with each secret's key schedule kept (RestSecretsContext). RestSecrets
// (rest_credentials.h) checks usernames with them.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/hmac.h"

namespace tern::auth {

class RestSecrets;

std::string rest_password(std::string_view secret, std::string_view username);
// The same, or nullopt when OpenSSL failed (out of memory), rather than a password anyone
// could guess.
std::optional<std::string> try_rest_password(std::string_view secret, std::string_view username);

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

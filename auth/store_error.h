#pragma once
// How the admin side of the stores (SqliteStore, RedisStore) says an edit failed, and the
// checks and key making both do before they write a user.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "auth/long_term_key.h"
#include "protocol/result.h"

namespace tern::auth {

struct StoreError {
  enum class Kind : uint8_t {
    Open,          // the file cannot be opened, is not a database, or is from a newer tern
    Exists,        // adding what is already there
    NotFound,      // deleting what is not there
    InvalidInput,  // a name, realm or password the protocol could never carry
    Database,      // sqlite failed mid-operation (disk full, locked past the busy timeout)
  };
  Kind kind;
  std::string message;  // one line for the operator, naming what and where
};
using StoreStatus = Result<std::monostate, StoreError>;

inline Unexpected<StoreError> store_failure(StoreError::Kind kind, std::string message) {
  return unexpected(StoreError{kind, std::move(message)});
}

// InvalidInput with store_text's reason when the realm or the user name could not be
// carried by the protocol (or shown by ternctl).
std::optional<StoreError> check_realm(std::string_view realm);
std::optional<StoreError> check_user(std::string_view realm, std::string_view name);

// The MD5 and SHA-256 keys a store keeps for a password (never the password: RFC 8656
// §6); InvalidInput when the password is empty or not a SASLprep string.
struct UserKeys {
  Key md5;
  Key sha256;
};
Result<UserKeys, StoreError> user_keys(std::string_view realm, std::string_view name,
                                       std::string_view password);

// Exists, worded the same by both stores.
Unexpected<StoreError> user_exists(std::string_view realm, std::string_view name);

}  // namespace tern::auth

#pragma once
// TURN REST API credentials (draft-uberti-behave-turn-rest-00 §2.2) minted as an
// application server would, computed here with OpenSSL rather than with auth/: the tests
// then check ternd against an independent implementation, not against its own code.

#include <cstdint>
#include <string>
#include <string_view>

#include "tests/support/turn_client.h"

namespace tern::test {

// base64(HMAC-SHA1(secret, username)).
std::string rest_password(std::string_view secret, std::string_view username);

// Username "<expiry>:<user>" with its password for `secret`.
TurnCredentials rest_credentials(std::string_view secret, int64_t expiry, std::string_view user);

// Seconds since the epoch, the clock REST usernames count in.
int64_t unix_now();

}  // namespace tern::test

#pragma once
// The admin API's bearer token: made up at startup when the operator gave none, written
// where ternctl looks for it, and checked in constant time.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "auth/file_locations.h"
#include "protocol/result.h"

namespace tern {

struct Config;

// 32 bytes from OpenSSL's CSPRNG as base64url (43 characters); the error says why not.
Result<std::string, std::string> random_admin_token();

// Writes `token` and a newline to `path`, mode 0600, replacing the file at once (a
// temporary file renamed over it), so a reader sees the old token or the new one, never
// a part.
Result<std::monostate, std::string> write_token_file(const std::string& path,
                                                     std::string_view token);

// The token the admin API requires, and the file a generated one goes to ("" when the
// operator gave the token). nullopt when there is nowhere to put a generated token (no
// --admin-token, no --admin-token-file, /run/tern not writable, no --userdb): the admin
// API stays off. Nothing is written here: the caller writes the file once the API
// listens, so a second ternd that cannot bind never overwrites the first one's token.
//
// An admin-token-file the operator names that already holds a token is read instead:
// that token is used and the file left as it is, so a token can be provisioned without
// putting it on the command line, and the file always holds the token in use.
struct AdminToken {
  std::string token;
  std::string file;       // where to write the generated token
  std::string read_from;  // the admin-token-file it was read from
};
Result<std::optional<AdminToken>, std::string> choose_admin_token(const Config& config);

// "Authorization: Bearer <token>" checks. Both sides are hashed first, so the comparison
// (CRYPTO_memcmp) takes the same time whatever the presented token's length or content.
class BearerCheck {
 public:
  explicit BearerCheck(std::string_view token);
  // `authorization`: the header's value, null when absent.
  bool accepts(const char* authorization) const;

 private:
  std::array<unsigned char, 32> expected_{};
};

}  // namespace tern

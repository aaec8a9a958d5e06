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

// The token on the file's first line, trimmed; "" when there is no file or it is empty,
// so one is generated. A file there that cannot be read is an error: generating a token
// would overwrite it.
Result<std::string, std::string> read_token_file(const std::string& path);

// `token` and a newline written to a temporary file beside `path` (mode 0600) that
// commit() renames over `path`, so a reader sees the old token or the new one, never a
// part. A reload stages the file before anything changes and commits it with the rest;
// one never committed is removed.
class StagedTokenFile {
 public:
  static Result<StagedTokenFile, std::string> stage(const std::string& path,
                                                    std::string_view token);
  StagedTokenFile(StagedTokenFile&& other) noexcept;
  StagedTokenFile& operator=(StagedTokenFile&&) = delete;
  StagedTokenFile(const StagedTokenFile&) = delete;
  ~StagedTokenFile();
  Result<std::monostate, std::string> commit();

 private:
  StagedTokenFile(std::string path, std::string tmp)
      : path_(std::move(path)), tmp_(std::move(tmp)) {}
  std::string path_, tmp_;  // tmp_ empty: committed or moved from
};

// stage() and commit() at once.
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

  // The file that holds the token; "" for admin-token's.
  const std::string& path() const { return file.empty() ? read_from : file; }
  // "from admin-token", "read from FILE", "in FILE": for log lines, never the token.
  std::string source() const;
};
// Why the admin API is off when choose_admin_token() finds no token, for the log.
std::string no_admin_token_line();

// `in_force` (a reload): the token the admin API takes now. Where startup would generate
// one, a token in force that did not come from admin-token is kept instead and goes to
// the file chosen, so a reload that changes nothing about the token keeps it and a new
// admin-token-file receives it; one that came from admin-token is no longer accepted once
// admin-token is removed, so a new one is generated.
Result<std::optional<AdminToken>, std::string> choose_admin_token(
    const Config& config, const AdminToken* in_force = nullptr);

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

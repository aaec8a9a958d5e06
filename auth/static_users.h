#pragma once
// Users given on the command line or in the config (`--user name:password`, coturn's
// `user=` lines). Only keys are kept, never the passwords (RFC 8656 §6).

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/credential_source.h"
#include "protocol/result.h"

namespace tern::auth {

enum class UserSpecError : uint8_t {
  MissingColon,  // not "name:secret"
  EmptyName,
  BadHexKey,         // "0x" followed by something other than 32 hex digits
  PasswordRejected,  // fails SASLprep (control characters, unassigned code points, ...)
};
const char* to_string(UserSpecError e);

class StaticUsers final : public CredentialSource {
 public:
  explicit StaticUsers(std::string realm);

  // "name:password", or coturn's "name:0x<32 hex digits>" holding the MD5 key itself
  // (what `turnadmin -k` prints); such a user has no SHA-256 key and can only log in with
  // MD5. The name ends at the first colon; the password may contain colons. A name given
  // twice keeps the last entry. Returns the name.
  Result<std::string, UserSpecError> add(std::string_view spec);

  size_t size() const { return users_.size(); }

  bool lookup(std::string_view username, std::string_view realm, PasswordAlgorithm algorithm,
              int64_t now, CandidateKeys& out) const override;
  std::optional<std::string> username_for_userhash(std::span<const uint8_t, 32> hash,
                                                   std::string_view realm) const override;
  bool supports_userhash() const override { return true; }

 private:
  struct Keys {
    Key md5;
    Key sha256;  // empty when only an MD5 key was given
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::string realm_;
  std::unordered_map<std::string, Keys, StringHash, std::equal_to<>> users_;
  std::map<std::array<uint8_t, 32>, std::string> by_userhash_;
};

}  // namespace tern::auth

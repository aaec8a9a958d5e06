#pragma once
// Reads one realm's credentials out of Redis (coturn's schema, auth/redis_keys.h) on an
// async connection: SCAN for the users' keys (never KEYS, which stalls a busy server),
// MGET their values in batches, then the secrets, realm options and peer ranges, all
// pipelined.
//
// Every load walks the whole keyspace with SCAN, because coturn's schema has no index of
// a realm's users: cheap at coturn scale (a few thousand keys take milliseconds), and the
// reason to turn on keyspace notifications on a Redis that holds much more.

#include <array>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/long_term_key.h"
#include "auth/redis_async.h"
#include "auth/sqlite_store.h"  // RealmOptions
#include "protocol/result.h"

namespace tern::auth {

struct RedisRealmData {
  struct Keys {
    Key md5;     // empty for a user known only by a SHA-256 key
    Key sha256;  // empty when only an MD5 key is known

    bool operator==(const Keys&) const = default;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::unordered_map<std::string, Keys, StringHash, std::equal_to<>> users;
  std::map<std::array<uint8_t, 32>, std::string> by_userhash;
  // Newest first where tern recorded when a secret was added (secrets added by coturn or
  // by hand have no date and come last), then by value: the order the server tries them.
  std::vector<std::string> secrets;
  RealmOptions options;
  std::vector<std::string> allowed_peer_ranges;  // sorted
  std::vector<std::string> denied_peer_ranges;   // sorted

  // What could not be used (a key that is not hex, a value of the wrong type), one line
  // each for the log. Not part of the content.
  std::vector<std::string> skipped;

  bool same_content(const RedisRealmData& other) const;
};

// Loads `realm` over `connection`, which must be ready. `done` gets the data, or the error
// reply that stopped the load (NOPERM for an ACL user without SCAN, say). When the
// connection drops mid-load `done` never runs: the connection's `failed` event reports
// that. Pending work holds no reference to the caller, only to its own state.
void load_redis_realm(RedisAsync& connection, std::string realm,
                      std::function<void(Result<RedisRealmData, std::string>)> done);

}  // namespace tern::auth

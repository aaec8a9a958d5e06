#pragma once
// Reads one realm's credentials out of Redis (coturn's schema, auth/redis_keys.h) on an
// async connection: SCAN for the users' keys (never KEYS, which stalls a busy server),
// MGET their values in batches, then the secrets, realm options and peer ranges, all
// pipelined.
//
// Every load walks the whole keyspace with SCAN, because coturn's schema has no index of
// a realm's users: cheap at coturn scale (a few thousand keys take milliseconds), and the
// reason to turn on keyspace notifications on a Redis that holds much more.

#include <functional>
#include <string>
#include <vector>

#include "auth/credential_snapshot.h"
#include "base/redis/redis_async.h"
#include "protocol/result.h"

namespace tern::auth {

// What one load of a realm read: the snapshot the server answers from, and notes on what
// could not be used (a key that is not hex, a value of the wrong type), one line each for
// the log. The notes are not content: a reload that only changes them changes nothing.
struct RedisRealmData {
  CredentialSnapshot snapshot;
  std::vector<std::string> skipped;
};

// Loads `realm` over `connection`, which must be ready. `done` gets the data, or the error
// reply that stopped the load (NOPERM for an ACL user without SCAN, say). When the
// connection drops mid-load `done` never runs: the connection's `failed` event reports
// that. Pending work holds no reference to the caller, only to its own state.
void load_redis_realm(RedisAsync& connection, std::string realm,
                      std::function<void(Result<RedisRealmData, std::string>)> done);

}  // namespace tern::auth

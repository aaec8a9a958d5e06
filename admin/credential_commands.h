#pragma once
// `ternctl credential mint`: a time-limited TURN REST API credential (coturn's
// --use-auth-secret), as a web service would hand one to a browser:
//   username = "<expiry>:<user>"   password = base64(HMAC-SHA1(secret, username))
// `ternctl credential revoke`: one revoked before it expires (auth/revocations.h), or every
// credential of a user id; `credential list-revoked` shows those in force.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "admin/command_support.h"
#include "admin/store_access.h"

namespace tern::admin {

struct MintArgs {
  // nullopt: the newest secret of the realm in the store (StoreArgs).
  std::optional<std::string> secret;
  int64_t ttl = 86400;              // seconds
  std::optional<std::string> user;  // the part after "<expiry>:"; none: just "<expiry>"
  // The iceServers URLs. None: default_ice_urls(host), `host` defaulting to this
  // machine's name; both at once is a usage error.
  std::vector<std::string> urls;
  std::optional<std::string> host;
};

// Prints username, password, expiry and the URLs; with --json, one object that also
// holds a ready-to-paste RTCIceServer list ("iceServers").
// `now` is the wall clock in seconds, a parameter so tests can pin it.
int credential_mint(const StoreArgs& store, const MintArgs& mint, int64_t now, Streams io);

struct RevokeArgs {
  std::string name;  // a REST username or a user id
  // For a user id, which carries no expiry: how long its revocation lasts. Mint's default
  // lifetime, so credentials minted just before are covered.
  int64_t ttl = 86400;
  // --userdb or --redis-userdb was given: revoking in the default file by accident would
  // revoke nothing any node reads.
  bool store_given = false;
};

// Revokes in the store (Redis: every node refuses it at once; sqlite: the node reading the
// file, within a second). Usage error (2) for a name that is neither form, or no store.
int credential_revoke(const StoreArgs& store, const RevokeArgs& revoke, int64_t now, Streams io);
int credential_list_revoked(const StoreArgs& store, int64_t now, Streams io);

}  // namespace tern::admin

#pragma once
// `ternctl credential mint`: a time-limited TURN REST API credential (coturn's
// --use-auth-secret), as a web service would hand one to a browser:
//   username = "<expiry>:<user>"   password = base64(HMAC-SHA1(secret, username))

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

}  // namespace tern::admin

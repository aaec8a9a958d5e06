#pragma once
// POST /v1/ice-credential: a short-lived TURN REST credential (draft-uberti-behave-turn-
// rest-00 §2.2) for the web console's ICE test, minted inside ternd so the shared secret
// never reaches the page: only the username, the derived password, the TTL and the URLs
// leave.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tern {

// Ten minutes: long enough for a few test runs, short enough that a copied result is
// useless soon after.
inline constexpr int64_t kIceCredentialTtlS = 600;
// The user part of minted usernames, so sessions and logs show what made them.
inline constexpr std::string_view kIceCredentialUser = "web-console";

struct IceCredentialSource {
  // The secret new REST credentials are made with (the newest in force), or nullopt
  // without use-auth-secret or without any secret. Called on the admin thread.
  std::function<std::optional<std::string>()> secret;
  char separator = ':';
  std::vector<std::string> urls;  // turn:/turns: URLs of the listeners
};

// {"username":..,"credential":..,"ttl":..,"urls":[..]}, or nullopt when there is no secret
// (or OpenSSL failed).
std::optional<std::string> mint_ice_credential(const IceCredentialSource& source, int64_t now_unix);

struct ListenPlan;
// One URL per listener the browser could use: turn:IP:port?transport=udp|tcp, turns: for
// TLS; wildcard addresses are left out (no browser can reach "0.0.0.0").
std::vector<std::string> ice_urls(const ListenPlan& plan);

}  // namespace tern

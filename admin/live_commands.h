#pragma once
// `ternctl sessions|kill|stats`: a running ternd, through its admin API (HTTP+JSON with a
// bearer token; server/admin_api.h has the routes).

#include <chrono>
#include <optional>
#include <string>

#include "admin/command_support.h"

namespace tern::admin {

inline constexpr const char* kDefaultServer = "127.0.0.1:5767";
// Where ternd writes the token it makes up when none is configured (its
// --admin-token-file default): the service's runtime directory, else beside the userdb.
inline constexpr const char* kDefaultTokenFiles[] = {"/run/tern/admin-token",
                                                     "/var/lib/tern/admin-token"};
inline constexpr const char* kTokenEnvironment = "TERN_ADMIN_TOKEN";

struct LiveArgs {
  std::string server = kDefaultServer;  // "IP:port", "host:port" or a unix socket path
  // The token: --token, else --token-file, else $TERN_ADMIN_TOKEN, else the first of
  // kDefaultTokenFiles that exists.
  std::optional<std::string> token;
  std::optional<std::string> token_file;
  bool json = false;
  std::chrono::milliseconds timeout{10000};
};

// A table, or ternd's JSON array with --json.
int sessions(const LiveArgs& args, const std::optional<std::string>& user, Streams io);
int kill_session(const LiveArgs& args, const std::string& id, Streams io);
// Fails when the user has no session: a typo'd name should not look like success.
int kill_user(const LiveArgs& args, const std::string& user, Streams io);
int stats(const LiveArgs& args, Streams io);

}  // namespace tern::admin

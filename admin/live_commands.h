#pragma once
// `ternctl sessions|kill|stats|reload|drain`: a running ternd, through its admin API (HTTP+JSON
// with a bearer token; server/admin_api.h has the routes).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "admin/command_support.h"
#include "auth/file_locations.h"

namespace tern::admin {

inline constexpr const char* kDefaultServer = "127.0.0.1:5767";
inline constexpr const char* kTokenEnvironment = "TERN_ADMIN_TOKEN";

struct LiveArgs {
  std::string server = kDefaultServer;  // "IP:port", "host:port" or a unix socket path
  // The token: --token, else --token-file, else $TERN_ADMIN_TOKEN, else the first
  // readable of token_files().
  std::optional<std::string> token;
  std::optional<std::string> token_file;
  // ternd's --userdb, only to find the token ternd wrote beside it.
  std::optional<std::string> userdb;
  bool json = false;
  std::chrono::milliseconds timeout{10000};
};

// The files a token is looked for in, in ternd's order of writing them: the runtime
// directory, beside --userdb when given, beside the packaged userdb.
std::vector<std::string> token_files(const LiveArgs& args);

// A table, or ternd's JSON array with --json.
int sessions(const LiveArgs& args, const std::optional<std::string>& user, Streams io);
int kill_session(const LiveArgs& args, const std::string& id, Streams io);
// Fails when the user has no session: a typo'd name should not look like success.
int kill_user(const LiveArgs& args, const std::string& user, Streams io);
int stats(const LiveArgs& args, Streams io);
// ternd re-reads its configuration (as on SIGHUP): prints what changed, or why it was
// refused (exit 1, the configuration in force unchanged).
int reload(const LiveArgs& args, Streams io);
// Begins ternd's drain; says how many allocations it still waits for.
int drain(const LiveArgs& args, Streams io);
// Sets the log level of a running ternd (debug, info, warning, error) until the next
// change, a reload that changes verbose, or a restart.
int log_level(const LiveArgs& args, const std::string& level, Streams io);

}  // namespace tern::admin

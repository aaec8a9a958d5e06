#pragma once
// `ternctl user add|delete|list`: the work behind each command, apart from argument
// parsing, so each returns the exit code the process ends with.

#include <iosfwd>
#include <optional>
#include <string>

namespace tern::admin {

// Exit codes scripts can rely on.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,  // the operation failed: duplicate, unknown user, unreadable database
  kExitUsage = 2,   // the command line was wrong; nothing was done
};

inline constexpr const char* kDefaultUserdb = "/var/lib/tern/tern.db";

struct StoreArgs {
  std::string userdb = kDefaultUserdb;
  // nullopt: the database's only realm. ternd has no default realm, and a key derived for
  // another realm than ternd's never matches, so ternctl never invents one.
  std::optional<std::string> realm;
  bool json = false;
};

struct Streams {
  std::ostream& out;
  std::ostream& err;  // one line per error, prefixed "ternctl: "
};

// A random password is made (and printed) when `password` is nullopt.
int user_add(const StoreArgs& args, const std::string& name,
             const std::optional<std::string>& password, Streams io);
int user_delete(const StoreArgs& args, const std::string& name, Streams io);
// Every realm unless args.realm is given.
int user_list(const StoreArgs& args, Streams io);

}  // namespace tern::admin

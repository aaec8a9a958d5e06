#pragma once
// SIGHUP and `ternctl reload` (POST /v1/reload): read the configuration again as at
// startup (the same argv, so the file and then the flags) and apply what changed without
// dropping an allocation, a channel or a connection: the TLS certificate, key and cipher
// list (new connections only), users and secrets, quotas, max-bps, the peer policy,
// lifetimes, the log file and level, the listeners (new ones open, removed ones take no
// new client and close once their connections and allocations end), the relay addresses
// and port range (for new allocations), the alternate servers, RFC 5780's sockets, and
// the admin API's and /metrics' listeners and the admin token (an unchanged listener is
// not touched). A configuration that does not parse, that cannot be bound, or that changes
// what only a restart can (the realm, the stores...), is refused whole and the one in
// force stays. SIGUSR2 reloads the certificate and key only, as coturn does.

#include <string>
#include <vector>

#include "server/admin/admin_api.h"
#include "server/config/config.h"

namespace tern {

class Logger;
class Server;

// The options whose change needs a restart, by name ("listening-port"); empty when
// `fresh` can be applied to a server running `in_force`.
std::vector<std::string> needs_restart(const Config& in_force, const Config& fresh);

class Reloader {
 public:
  // `in_force` as the server was made from it (secret files read, default userdb chosen).
  Reloader(std::vector<std::string> argv, Config in_force, Server& server, Logger& log);

  // Main thread only; both log their outcome, one line per applied change.
  ReloadOutcome reload_config(std::string_view why);
  ReloadOutcome reload_certificate(std::string_view why);

 private:
  std::vector<std::string> argv_;
  Config in_force_;
  Server& server_;
  Logger& log_;
};

}  // namespace tern

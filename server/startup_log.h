#pragma once
// What startup tells the operator besides errors: the realm, where credentials come from,
// and the settings that are allowed but usually a mistake (a private relay address no
// external-ip maps, REST credentials with no secret, loopback peers open). Main thread,
// once the server is built.

#include <span>
#include <string>
#include <vector>

#include "protocol/transport_address.h"
#include "server/config/config.h"
#include "server/shared/external_addresses.h"

namespace tern {

class Logger;
class Server;

struct StartupFacts {
  std::span<const TransportAddress> relay_ips;
  const ExternalAddresses& external;
  size_t rest_secrets = 0;  // in force after the stores' first read
};

// "credentials: 2 users (user), userdb /var/lib/tern/turndb, REST secrets (1)"; "none"
// when no source is configured.
std::string credential_sources(const Config& config, const StartupFacts& facts);
// One line per suspicious setting, in the words of the option that causes it.
std::vector<std::string> startup_warnings(const Config& config, const StartupFacts& facts);

// The realm and credential lines at INFO, the warnings at WARNING.
void log_startup(const Config& config, Server& server, Logger& log);

}  // namespace tern

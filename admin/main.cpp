// ternctl: manage tern's stores and a running ternd. Argument parsing only; the commands
// live in tern_admin.

#include <CLI/CLI.hpp>

#include <csignal>
#include <ctime>
#include <functional>
#include <iostream>

#include "admin/credential_commands.h"
#include "admin/fleet_commands.h"
#include "admin/live_commands.h"
#include "admin/peer_commands.h"
#include "admin/realm_commands.h"
#include "admin/secret_commands.h"
#include "admin/user_commands.h"
#include "tern/version.h"

namespace {

using namespace tern::admin;

// Every store command takes the same options, after its subcommand.
void add_store_options(CLI::App& command, StoreArgs& args) {
  auto* userdb =
      command.add_option("--userdb", args.userdb, "sqlite user database, as ternd's --userdb")
          ->capture_default_str();
  command
      .add_option("--redis-userdb", args.redis_userdb,
                  "Redis store instead, as ternd's --redis-userdb (\"ip=127.0.0.1 dbname=0\")")
      ->excludes(userdb);
  command.add_option_function<std::string>(
      "--realm", [&args](const std::string& realm) { args.realm = realm; },
      "realm, as ternd's --realm; default: the database's only realm, required when it has "
      "none or several");
  command.add_flag("--json", args.json, "print JSON");
}

void add_live_options(CLI::App& command, LiveArgs& args) {
  command.add_option("--server", args.server, "ternd's admin-listen: IP:port or a unix socket")
      ->capture_default_str();
  command.add_option_function<std::string>(
      "--token", [&args](const std::string& t) { args.token = t; },
      "ternd's admin-token (also $TERN_ADMIN_TOKEN)");
  command.add_option_function<std::string>(
      "--token-file", [&args](const std::string& f) { args.token_file = f; },
      "file holding the token; default: the first of /run/tern/admin-token, admin-token "
      "beside --userdb, /var/lib/tern/admin-token");
  command.add_option_function<std::string>(
      "--userdb", [&args](const std::string& f) { args.userdb = f; },
      "ternd's --userdb: the token it made up is looked for beside it (build/tern.db under "
      "make run)");
  command.add_flag("--json", args.json, "print ternd's JSON");
}

// The command that was parsed runs; each registers itself here.
using Run = std::function<int()>;

struct Commands {
  StoreArgs store;
  LiveArgs live;
  std::string name, value, realm, range;
  std::optional<std::string> password, user;
  std::vector<std::string> assignments;
  MintArgs mint;
  RevokeArgs revoke;
  FleetArgs fleet;
  std::vector<std::pair<CLI::App*, Run>> runs;

  void on(CLI::App* app, Run run) { runs.emplace_back(app, std::move(run)); }
};

void add_user_commands(CLI::App& app, Commands& c, Streams io) {
  auto* user = app.add_subcommand("user", "users with long-term credentials");
  user->require_subcommand(1);
  auto* add = user->add_subcommand(
      "add", "add a user; with no --password, a random one is made and printed");
  add_store_options(*add, c.store);
  add->add_option("NAME", c.name, "user name")->required();
  add->add_option_function<std::string>(
      "--password", [&c](const std::string& p) { c.password = p; }, "the user's password");
  c.on(add, [&c, io] { return user_add(c.store, c.name, c.password, io); });

  auto* del = user->add_subcommand("delete", "delete a user");
  add_store_options(*del, c.store);
  del->add_option("NAME", c.name, "user name")->required();
  c.on(del, [&c, io] { return user_delete(c.store, c.name, io); });

  auto* list = user->add_subcommand("list", "list users (of every realm unless --realm)");
  add_store_options(*list, c.store);
  c.on(list, [&c, io] { return user_list(c.store, io); });
}

void add_secret_commands(CLI::App& app, Commands& c, Streams io) {
  auto* secret = app.add_subcommand("secret", "REST API shared secrets (use-auth-secret)");
  secret->require_subcommand(1);
  auto* add =
      secret->add_subcommand("add", "add a secret; ternd signs with every one, newest first");
  add_store_options(*add, c.store);
  add->add_option("VALUE", c.value, "the secret")->required();
  c.on(add, [&c, io] { return secret_add(c.store, c.value, io); });

  auto* del = secret->add_subcommand("delete", "delete a secret");
  add_store_options(*del, c.store);
  del->add_option("VALUE", c.value, "the secret")->required();
  c.on(del, [&c, io] { return secret_delete(c.store, c.value, io); });

  auto* list = secret->add_subcommand("list", "list secrets, newest first");
  add_store_options(*list, c.store);
  c.on(list, [&c, io] { return secret_list(c.store, io); });
}

void add_realm_commands(CLI::App& app, Commands& c, Streams io) {
  auto* realm = app.add_subcommand("realm", "a realm's options");
  realm->require_subcommand(1);
  auto* set = realm->add_subcommand(
      "set", "set options: user-quota=N total-quota=N max-bps=N (0 = unlimited)");
  add_store_options(*set, c.store);
  set->add_option("REALM", c.realm, "the realm")->required();
  set->add_option("OPTION", c.assignments, "NAME=VALUE; options not named keep their values");
  c.on(set, [&c, io] { return realm_set(c.store, c.realm, c.assignments, io); });

  auto* show = realm->add_subcommand("show", "print a realm's options");
  add_store_options(*show, c.store);
  show->add_option("REALM", c.realm, "the realm")->required();
  c.on(show, [&c, io] { return realm_show(c.store, c.realm, io); });
}

void add_peer_commands(CLI::App& app, Commands& c, Streams io) {
  auto* peer = app.add_subcommand("peer", "a realm's peer address ranges (allowed/denied-peer-ip)");
  peer->require_subcommand(1);
  const auto range_command = [&](const char* name, const char* help, PeerList list) {
    auto* cmd = peer->add_subcommand(name, help);
    add_store_options(*cmd, c.store);
    cmd->add_option("RANGE", c.range, "IP, IP-IP or CIDR")->required();
    c.on(cmd, [&c, io, list] { return peer_add(c.store, list, c.range, io); });
  };
  range_command("allow", "allow relaying to a range (even a private one)", PeerList::Allowed);
  range_command("deny", "deny relaying to a range", PeerList::Denied);

  auto* del = peer->add_subcommand("delete", "delete a range from the allowed or denied list");
  add_store_options(*del, c.store);
  del->add_option("LIST", c.value, "allowed or denied")
      ->required()
      ->check(CLI::IsMember({"allowed", "denied"}));
  del->add_option("RANGE", c.range, "the range as added")->required();
  c.on(del, [&c, io] {
    return peer_delete(c.store, c.value == "allowed" ? PeerList::Allowed : PeerList::Denied,
                       c.range, io);
  });

  auto* list = peer->add_subcommand("list", "list ranges (of every realm unless --realm)");
  add_store_options(*list, c.store);
  c.on(list, [&c, io] { return peer_list(c.store, io); });
}

void add_credential_commands(CLI::App& app, Commands& c, Streams io) {
  auto* credential = app.add_subcommand("credential", "TURN REST API credentials");
  credential->require_subcommand(1);
  auto* mint = credential->add_subcommand(
      "mint",
      "make a time-limited username and password; signed with --secret, else with the "
      "realm's newest secret in the store");
  add_store_options(*mint, c.store);
  mint->add_option_function<std::string>(
      "--secret", [&c](const std::string& s) { c.mint.secret = s; },
      "the shared secret (ternd's static-auth-secret)");
  mint->add_option("--ttl", c.mint.ttl, "seconds the credential is valid")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{10} * 365 * 86400));
  mint->add_option_function<std::string>(
      "--user", [&c](const std::string& u) { c.mint.user = u; },
      "user id after the expiry (username <expiry>:<user>)");
  auto* url = mint->add_option(
      "--url", c.mint.urls,
      "ICE server URL for the iceServers entry, e.g. turn:host:3478 (repeatable); default: "
      "turn:HOST:3478 over UDP and TCP and turns:HOST:5349");
  mint->add_option_function<std::string>(
          "--host", [&c](const std::string& h) { c.mint.host = h; },
          "HOST of the default URLs; default: this machine's host name, which clients may not "
          "resolve: give the relay's public name or address")
      ->excludes(url);
  c.on(mint, [&c, io] {
    return credential_mint(c.store, c.mint, static_cast<int64_t>(std::time(nullptr)), io);
  });

  auto* revoke = credential->add_subcommand(
      "revoke",
      "revoke a REST username (<expiry>:<user id>) before it expires, or every credential of "
      "a user id; every ternd reading the store refuses it (401) within 2 s and ends its "
      "allocations");
  revoke->add_option("USERNAME", c.revoke.name, "a REST username, or a user id")->required();
  add_store_options(*revoke, c.store);
  revoke->add_option("--ttl", c.revoke.ttl, "seconds a user id's revocation lasts")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{10} * 365 * 86400));
  c.on(revoke, [&c, io, revoke] {
    c.revoke.store_given =
        revoke->get_option("--userdb")->count() > 0 || !c.store.redis_userdb.empty();
    return credential_revoke(c.store, c.revoke, static_cast<int64_t>(std::time(nullptr)), io);
  });
  auto* list_revoked =
      credential->add_subcommand("list-revoked", "the revocations in force, until when");
  add_store_options(*list_revoked, c.store);
  c.on(list_revoked, [&c, io] {
    return credential_list_revoked(c.store, static_cast<int64_t>(std::time(nullptr)), io);
  });
}

void add_live_commands(CLI::App& app, Commands& c, Streams io) {
  auto* sessions_cmd = app.add_subcommand("sessions", "a running ternd's allocations");
  add_live_options(*sessions_cmd, c.live);
  sessions_cmd->add_option_function<std::string>(
      "--user", [&c](const std::string& u) { c.user = u; }, "only this user's");
  c.on(sessions_cmd, [&c, io] { return sessions(c.live, c.user, io); });

  auto* kill_cmd = app.add_subcommand("kill", "end sessions: one by id, or all of --user");
  add_live_options(*kill_cmd, c.live);
  auto* id = kill_cmd->add_option("SESSION", c.value, "session id, as `ternctl sessions` shows");
  auto* user = kill_cmd->add_option_function<std::string>(
      "--user", [&c](const std::string& u) { c.user = u; }, "every session of this user");
  id->excludes(user);
  c.on(kill_cmd, [&c, io, id] {
    if (c.user) return kill_user(c.live, *c.user, io);
    if (id->count() == 0) return report(io, kExitUsage, "give a SESSION id or --user (see --help)");
    return kill_session(c.live, c.value, io);
  });

  auto* stats_cmd = app.add_subcommand("stats", "a running ternd's counters and allocations");
  add_live_options(*stats_cmd, c.live);
  c.on(stats_cmd, [&c, io] { return stats(c.live, io); });

  auto* reload_cmd = app.add_subcommand(
      "reload", "a running ternd re-reads its configuration, as on SIGHUP (exit 1: refused)");
  add_live_options(*reload_cmd, c.live);
  c.on(reload_cmd, [&c, io] { return reload(c.live, io); });
  auto* drain_cmd = app.add_subcommand(
      "drain",
      "a running ternd takes no new allocations (300 to an alternate-server, else 403), keeps "
      "the ones it has and exits once they have ended (or at its drain-timeout); same as "
      "SIGUSR1");
  add_live_options(*drain_cmd, c.live);
  c.on(drain_cmd, [&c, io] { return drain(c.live, io); });
  auto* level_cmd = app.add_subcommand(
      "log-level",
      "set a running ternd's log level: debug (every request and response), info, "
      "warning or error; ternctl stats shows it");
  add_live_options(*level_cmd, c.live);
  level_cmd->add_option("LEVEL", c.value, "debug, info, warning or error")->required();
  c.on(level_cmd, [&c, io] { return log_level(c.live, c.value, io); });
}

void add_fleet_options(CLI::App& command, FleetArgs& args) {
  command.add_option("--redis-statsdb", args.redis_statsdb,
                     "the Redis every node publishes to, as ternd's --redis-statsdb "
                     "(\"ip=127.0.0.1 dbname=1\")");
  command.add_flag("--json", args.json, "print JSON");
}

void add_fleet_commands(CLI::App& app, Commands& c, Streams io) {
  auto* fleet = app.add_subcommand(
      "fleet", "every ternd sharing a --redis-statsdb: nodes (stale ones marked) and totals");
  add_fleet_options(*fleet, c.fleet);
  const auto needs_statsdb = [&c, io]() -> std::optional<int> {
    if (!c.fleet.redis_statsdb.empty()) return std::nullopt;
    return report(io, kExitUsage, "--redis-statsdb is required (see --help)");
  };
  auto* sessions_cmd =
      fleet->add_subcommand("sessions", "allocations across the fleet, from the statsdb");
  add_fleet_options(*sessions_cmd, c.fleet);
  sessions_cmd->add_option_function<std::string>(
      "--user", [&c](const std::string& u) { c.user = u; }, "only this user's");
  auto* kill_cmd = fleet->add_subcommand(
      "kill", "end a user's allocations on every node listening on the statsdb");
  add_fleet_options(*kill_cmd, c.fleet);
  kill_cmd
      ->add_option_function<std::string>(
          "--user", [&c](const std::string& u) { c.user = u; }, "the user")
      ->required();
  c.on(kill_cmd, [&c, io, needs_statsdb] {
    if (auto usage = needs_statsdb()) return *usage;
    return fleet_kill(c.fleet, c.user.value_or(""), io);
  });
  // Before `fleet` itself: the first parsed command runs, and `fleet` is parsed too.
  c.on(sessions_cmd, [&c, io, needs_statsdb] {
    if (auto usage = needs_statsdb()) return *usage;
    return fleet_sessions(c.fleet, c.user, io);
  });
  c.on(fleet, [&c, io, needs_statsdb] {
    if (auto usage = needs_statsdb()) return *usage;
    return fleet_nodes(c.fleet, static_cast<int64_t>(std::time(nullptr)), io);
  });
}

}  // namespace

int main(int argc, char** argv) {
  // A Redis over TLS that closes the connection mid-write must be an error, not SIGPIPE:
  // OpenSSL writes to the socket without MSG_NOSIGNAL.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "Manage tern: users, secrets and realm options in its store; sessions and "
      "stats of a running ternd; the fleet of ternds sharing a statsdb."};
  app.name("ternctl");
  app.set_version_flag("--version", tern::version_line("ternctl"), "print the version and exit");
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 done; 1 the operation failed (duplicate, unknown user, unreadable "
      "database, ternd unreachable); 2 usage error, nothing done.");

  const Streams io{std::cout, std::cerr};
  Commands commands;
  add_user_commands(app, commands, io);
  add_secret_commands(app, commands, io);
  add_realm_commands(app, commands, io);
  add_peer_commands(app, commands, io);
  add_credential_commands(app, commands, io);
  add_live_commands(app, commands, io);
  add_fleet_commands(app, commands, io);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ternctl: " << e.what() << " (see --help)\n";
    return kExitUsage;
  }
  for (const auto& [command, run] : commands.runs) {
    if (command->parsed()) return run();
  }
  return kExitUsage;  // unreachable: a subcommand is required
}

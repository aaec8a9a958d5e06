// ternctl: manage tern's stores. Argument parsing only; the commands live in tern_admin.

#include <CLI/CLI.hpp>

#include <iostream>

#include "admin/user_commands.h"

namespace {

using tern::admin::StoreArgs;

// Every store command takes the same three options, after its subcommand.
void add_store_options(CLI::App& command, StoreArgs& args) {
  command.add_option("--userdb", args.userdb, "sqlite user database, as ternd's --userdb")
      ->capture_default_str();
  command.add_option_function<std::string>(
      "--realm", [&args](const std::string& realm) { args.realm = realm; },
      "realm, as ternd's --realm (keys are derived from it); default: the "
      "database's only realm, required when it has none or several");
  command.add_flag("--json", args.json, "print JSON");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Manage tern's users in its sqlite database."};
  app.name("ternctl");
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 done; 1 the operation failed (duplicate, unknown user, unreadable "
      "database); 2 usage error, nothing done.");

  auto* user = app.add_subcommand("user", "users with long-term credentials");
  user->require_subcommand(1);

  StoreArgs args;
  std::string name;
  std::optional<std::string> password;
  auto* add = user->add_subcommand(
      "add", "add a user; with no --password, a random one is made and printed");
  add_store_options(*add, args);
  add->add_option("NAME", name, "user name")->required();
  add->add_option_function<std::string>(
      "--password", [&password](const std::string& p) { password = p; }, "the user's password");

  auto* del = user->add_subcommand("delete", "delete a user");
  add_store_options(*del, args);
  del->add_option("NAME", name, "user name")->required();

  auto* list = user->add_subcommand("list", "list users (of every realm unless --realm)");
  add_store_options(*list, args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ternctl: " << e.what() << " (see --help)\n";
    return tern::admin::kExitUsage;
  }

  const tern::admin::Streams io{std::cout, std::cerr};
  if (add->parsed()) return tern::admin::user_add(args, name, password, io);
  if (del->parsed()) return tern::admin::user_delete(args, name, io);
  if (list->parsed()) return tern::admin::user_list(args, io);
  return tern::admin::kExitUsage;  // unreachable: a subcommand is required
}

#include "admin/user_commands.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>
#include <ostream>

#include "admin/password.h"
#include "auth/sqlite_store.h"
#include "base/json_writer.h"

namespace tern::admin {
namespace {

using auth::sqlite::OpenMode;

void algorithms_json(JsonWriter& j, const auth::UserRecord& user) {
  j.key("algorithms").begin_array().value("MD5");
  if (user.has_sha256_key) j.value("SHA-256");
  j.end_array();
}

}  // namespace

int user_add(const StoreArgs& args, const std::string& name,
             const std::optional<std::string>& password, Streams io) {
  return with_store(args, OpenMode::CreateIfMissing, io, [&](auto& store) -> int {
    const auto realm = resolve_realm(args, store, io);
    if (!realm) return realm.error();

    const bool generated = !password;
    const auto chosen = generated ? random_password() : password;
    if (!chosen) return report(io, kExitFailed, "cannot make a random password: no entropy");
    if (auto added = store.add_user(*realm, name, *chosen); !added) {
      return report(io, kExitFailed, added.error().message);
    }

    if (args.json) {
      JsonWriter j;
      j.begin_object().field("realm", *realm).field("name", name);
      if (generated) j.field("password", *chosen);
      io.out << j.end_object().text() << '\n';
    } else {
      io.out << fmt::format("added user {} in realm {}\n", name, *realm);
      if (generated) io.out << fmt::format("password: {}\n", *chosen);
    }
    return kExitOk;
  });
}

int user_delete(const StoreArgs& args, const std::string& name, Streams io) {
  return with_store(args, OpenMode::ExistingOnly, io, [&](auto& store) -> int {
    const auto realm = resolve_realm(args, store, io);
    if (!realm) return realm.error();
    if (auto deleted = store.delete_user(*realm, name); !deleted) {
      return report(io, kExitFailed, deleted.error().message);
    }
    if (args.json) {
      JsonWriter j;
      j.begin_object().field("realm", *realm).field("name", name).field("deleted", true);
      io.out << j.end_object().text() << '\n';
    } else {
      io.out << fmt::format("deleted user {} in realm {}\n", name, *realm);
    }
    return kExitOk;
  });
}

int user_list(const StoreArgs& args, Streams io) {
  return with_store(args, OpenMode::ExistingOnly, io, [&](auto& store) -> int {
    const auto users = store.list_users(args.realm);
    if (!users) return report(io, kExitFailed, users.error().message);

    if (args.json) {
      JsonWriter j;
      j.begin_array();
      for (const auto& u : *users) {
        j.begin_object().field("realm", u.realm).field("name", u.name);
        algorithms_json(j, u);
        j.end_object();
      }
      io.out << j.end_array().text() << '\n';
    } else {
      for (const auto& u : *users)
        io.out << printable(u.realm) << '\t' << printable(u.name) << '\n';
    }
    return kExitOk;
  });
}

}  // namespace tern::admin

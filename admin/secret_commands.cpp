#include "admin/secret_commands.h"

#include <fmt/format.h>

#include <ctime>
#include <ostream>

#include "admin/time_text.h"
#include "base/json_writer.h"

namespace tern::admin {
namespace {

using auth::sqlite::OpenMode;

}  // namespace

int secret_add(const StoreArgs& args, const std::string& value, Streams io) {
  if (value.empty()) return report(io, kExitUsage, "the secret is empty");
  return with_store(args, OpenMode::CreateIfMissing, io, [&](auto& store) -> int {
    const auto realm = resolve_realm(args, store, io);
    if (!realm) return realm.error();
    const int64_t now = std::time(nullptr);
    if (auto added = store.add_secret(*realm, value, now); !added) {
      return report(io, kExitFailed, added.error().message);
    }
    if (args.json) {
      JsonWriter j;
      j.begin_object().field("realm", *realm).field("created", now).end_object();
      io.out << j.text() << '\n';
    } else {
      io.out << fmt::format("added a secret in realm {}\n", printable(*realm));
    }
    return kExitOk;
  });
}

int secret_delete(const StoreArgs& args, const std::string& value, Streams io) {
  return with_store(args, OpenMode::ExistingOnly, io, [&](auto& store) -> int {
    const auto realm = resolve_realm(args, store, io);
    if (!realm) return realm.error();
    if (auto deleted = store.delete_secret(*realm, value); !deleted) {
      return report(io, kExitFailed, deleted.error().message);
    }
    if (args.json) {
      JsonWriter j;
      j.begin_object().field("realm", *realm).field("deleted", true).end_object();
      io.out << j.text() << '\n';
    } else {
      io.out << fmt::format("deleted a secret in realm {}\n", printable(*realm));
    }
    return kExitOk;
  });
}

int secret_list(const StoreArgs& args, Streams io) {
  return with_store(args, OpenMode::ExistingOnly, io, [&](auto& store) -> int {
    const auto secrets = store.list_secrets(args.realm);
    if (!secrets) return report(io, kExitFailed, secrets.error().message);
    if (args.json) {
      JsonWriter j;
      j.begin_array();
      for (const auto& s : *secrets) {
        j.begin_object().field("realm", s.realm).field("value", s.value);
        j.field("created", s.created).end_object();
      }
      io.out << j.end_array().text() << '\n';
    } else {
      for (const auto& s : *secrets) {
        io.out << printable(s.realm) << '\t' << utc_time(s.created) << '\t' << printable(s.value)
               << '\n';
      }
    }
    return kExitOk;
  });
}

}  // namespace tern::admin

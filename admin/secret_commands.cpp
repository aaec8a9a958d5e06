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
      io.out << fmt::format(R"({{"realm":{},"created":{}}})", json_quote(*realm), now) << '\n';
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
      io.out << fmt::format(R"({{"realm":{},"deleted":true}})", json_quote(*realm)) << '\n';
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
      io.out << '[';
      for (size_t i = 0; i < secrets->size(); ++i) {
        const auto& s = (*secrets)[i];
        io.out << (i == 0 ? "" : ",")
               << fmt::format(R"({{"realm":{},"value":{},"created":{}}})", json_quote(s.realm),
                              json_quote(s.value), s.created);
      }
      io.out << "]\n";
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

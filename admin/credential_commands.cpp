#include "admin/credential_commands.h"

#include <fmt/format.h>

#include <ostream>
#include <type_traits>

#include "admin/ice_servers.h"
#include "admin/time_text.h"
#include "auth/rest_credentials.h"
#include "auth/revocations.h"
#include "auth/store_text.h"
#include "base/json_writer.h"

namespace tern::admin {
namespace {

using auth::sqlite::OpenMode;

// The realm's newest secret, or the exit code of the failure already reported.
Result<std::string, int> secret_from_store(const StoreArgs& args, Streams io) {
  std::string secret;
  const int code = with_store(args, OpenMode::ExistingOnly, io, [&](auto& store) -> int {
    auto realm = resolve_realm(args, store, io);
    if (!realm) return realm.error();
    auto secrets = store.list_secrets(*realm);
    if (!secrets) return report(io, kExitFailed, secrets.error().message);
    if (secrets->empty()) {
      return report(io, kExitFailed,
                    fmt::format("realm {} has no secret; add one with ternctl secret add, or "
                                "give --secret",
                                *realm));
    }
    secret = secrets->front().value;  // newest first
    return kExitOk;
  });
  if (code != kExitOk) return unexpected(code);
  return secret;
}

// --url as given, else this host's defaults; or the exit code of the failure reported.
Result<std::vector<std::string>, int> ice_urls(const MintArgs& mint, Streams io) {
  if (!mint.urls.empty()) {
    if (mint.host) return unexpected(report(io, kExitUsage, "give --host or --url, not both"));
    for (const auto& u : mint.urls) {
      if (!is_ice_url(u)) {
        return unexpected(report(
            io, kExitUsage, fmt::format("--url {}: not a turn:, turns:, stun: or stuns: URL", u)));
      }
    }
    return mint.urls;
  }
  std::optional<std::string> host = mint.host ? mint.host : local_host_name();
  if (!host) {
    return unexpected(
        report(io, kExitFailed, "this machine has no host name: give --host or --url"));
  }
  if (const std::string why = host_problem(*host); !why.empty()) {
    return unexpected(report(io, kExitUsage, fmt::format("--host {}: {}", *host, why)));
  }
  return default_ice_urls(*host);
}

void print_json(const MintArgs& mint, const std::vector<std::string>& urls,
                const std::string& username, const std::string& password, Streams io) {
  JsonWriter j;
  j.begin_object().field("username", username).field("password", password);
  j.field("ttl", mint.ttl).key("iceServers");
  ice_servers_json(j, urls, username, password);
  io.out << j.end_object().text() << '\n';
}

void print_text(const std::vector<std::string>& urls, const std::string& username,
                const std::string& password, int64_t expiry, Streams io) {
  io.out << "username: " << printable(username) << '\n'
         << "password: " << password << '\n'
         << "expires:  " << utc_time(expiry) << '\n';
  const char* label = "urls:     ";
  for (const auto& u : urls) {
    io.out << label << printable(u) << '\n';
    label = "          ";
  }
}

}  // namespace

int credential_mint(const StoreArgs& store, const MintArgs& mint, int64_t now, Streams io) {
  if (mint.ttl <= 0) return report(io, kExitUsage, "--ttl must be at least 1 second");
  auto urls = ice_urls(mint, io);
  if (!urls) return urls.error();
  if (mint.secret && mint.secret->empty()) return report(io, kExitUsage, "--secret is empty");
  std::string secret;
  if (mint.secret) {
    secret = *mint.secret;
  } else {
    auto from_store = secret_from_store(store, io);
    if (!from_store) return from_store.error();
    secret = std::move(*from_store);
  }
  const int64_t expiry = now + mint.ttl;
  const std::string username = mint.user && !mint.user->empty()
                                   ? fmt::format("{}:{}", expiry, *mint.user)
                                   : std::to_string(expiry);
  const std::string password = auth::rest_password(secret, username);
  if (store.json) {
    print_json(mint, *urls, username, password, io);
  } else {
    print_text(*urls, username, password, expiry, io);
  }
  return kExitOk;
}

namespace {

// The revocation `revoke` asks for, or the exit code of the refusal reported.
Result<auth::Revocation, int> revocation_for(const RevokeArgs& revoke, int64_t now, Streams io) {
  const auto kind = auth::revocation_kind(revoke.name);
  if (!kind) {
    return unexpected(
        report(io, kExitUsage,
               fmt::format("credential revoke {}: {}", printable(revoke.name), kind.error())));
  }
  if (*kind == auth::RevocationKind::UserId) {
    if (revoke.ttl <= 0)
      return unexpected(report(io, kExitUsage, "--ttl must be at least 1 second"));
    return auth::Revocation{revoke.name, now + revoke.ttl};
  }
  const int64_t expiry = *auth::rest_expiry(revoke.name, ':', auth::ExpiryPosition::FirstOrLast);
  if (expiry < now) {
    return unexpected(
        report(io, kExitFailed,
               fmt::format("credential revoke {}: it expired at {}; nothing to revoke",
                           printable(revoke.name), utc_time(expiry))));
  }
  return auth::Revocation{revoke.name, expiry};
}

}  // namespace

int credential_revoke(const StoreArgs& store, const RevokeArgs& revoke, int64_t now, Streams io) {
  if (!revoke.store_given) {
    return report(io, kExitUsage,
                  "credential revoke: give the store the nodes read: --redis-userdb CONN (a "
                  "fleet) or --userdb FILE (one node)");
  }
  auto revocation = revocation_for(revoke, now, io);
  if (!revocation) return revocation.error();
  return with_store(store, auth::sqlite::OpenMode::ExistingOnly, io, [&](auto& db) -> int {
    auto realm = resolve_realm(store, db, io);
    if (!realm) return realm.error();
    int64_t nodes = -1;  // unknown: sqlite has no listeners
    auth::StoreStatus done = std::monostate{};
    if constexpr (std::is_same_v<std::decay_t<decltype(db)>, auth::RedisStore>) {
      done = db.revoke(*realm, *revocation, now, &nodes);
    } else {
      done = db.revoke(*realm, *revocation, now);
    }
    if (!done) return report(io, kExitFailed, done.error().message);
    if (store.json) {
      JsonWriter j;
      j.begin_object().field("name", revocation->name).field("realm", *realm);
      j.field("expiry", revocation->expiry);
      if (nodes >= 0) j.field("nodes", nodes);
      io.out << j.end_object().text() << '\n';
      return kExitOk;
    }
    io.out << fmt::format("revoked {} in realm {} until {}", printable(revocation->name),
                          printable(*realm), utc_time(revocation->expiry));
    if (nodes >= 0) io.out << fmt::format(" ({} nodes listening heard it)", nodes);
    io.out << '\n';
    return kExitOk;
  });
}

int credential_list_revoked(const StoreArgs& store, int64_t now, Streams io) {
  return with_store(store, auth::sqlite::OpenMode::ExistingOnly, io, [&](auto& db) -> int {
    auto realm = resolve_realm(store, db, io);
    if (!realm) return realm.error();
    auto list = db.list_revoked(*realm, now);
    if (!list) return report(io, kExitFailed, list.error().message);
    if (store.json) {
      JsonWriter j;
      j.begin_object().field("realm", *realm).key("revoked").begin_array();
      for (const auto& r : *list) {
        j.begin_object().field("name", r.name).field("expiry", r.expiry).end_object();
      }
      io.out << j.end_array().end_object().text() << '\n';
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows{{"NAME", "UNTIL"}};
    for (const auto& r : *list) rows.push_back({printable(r.name), utc_time(r.expiry)});
    print_table(rows, io.out);
    return kExitOk;
  });
}

}  // namespace tern::admin

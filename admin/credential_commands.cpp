#include "admin/credential_commands.h"

#include <fmt/format.h>

#include <ostream>

#include "admin/ice_servers.h"
#include "admin/time_text.h"
#include "auth/rest_credentials.h"
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
  io.out << fmt::format(R"({{"username":{},"password":{},"ttl":{},"iceServers":{}}})",
                        json_quote(username), json_quote(password), mint.ttl,
                        ice_servers_json(urls, username, password))
         << '\n';
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

}  // namespace tern::admin

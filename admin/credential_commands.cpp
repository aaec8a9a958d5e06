#include "admin/credential_commands.h"

#include <fmt/format.h>

#include <ostream>

#include "admin/time_text.h"
#include "auth/rest_credentials.h"
#include "auth/store_text.h"

namespace tern::admin {
namespace {

using auth::sqlite::OpenMode;

// The schemes of RFC 7064/7065 URIs a browser's RTCIceServer takes.
bool is_ice_url(std::string_view url) {
  return url.starts_with("turn:") || url.starts_with("turns:") || url.starts_with("stun:") ||
         url.starts_with("stuns:");
}

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

void print_json(const MintArgs& mint, const std::string& username, const std::string& password,
                Streams io) {
  std::string out = fmt::format(R"({{"username":{},"password":{},"ttl":{})",
                                auth::json_quote(username), auth::json_quote(password), mint.ttl);
  if (!mint.urls.empty()) {
    std::string urls;
    for (const auto& u : mint.urls) urls += (urls.empty() ? "" : ",") + auth::json_quote(u);
    out += fmt::format(R"(,"iceServers":[{{"urls":[{}],"username":{},"credential":{}}}])", urls,
                       auth::json_quote(username), auth::json_quote(password));
  }
  io.out << out << "}\n";
}

}  // namespace

int credential_mint(const StoreArgs& store, const MintArgs& mint, int64_t now, Streams io) {
  if (mint.ttl <= 0) return report(io, kExitUsage, "--ttl must be at least 1 second");
  for (const auto& u : mint.urls) {
    if (!is_ice_url(u)) {
      return report(io, kExitUsage,
                    fmt::format("--url {}: not a turn:, turns:, stun: or stuns: URL", u));
    }
  }
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
    print_json(mint, username, password, io);
  } else {
    io.out << "username: " << printable(username) << '\n'
           << "password: " << password << '\n'
           << "expires:  " << utc_time(expiry) << '\n';
  }
  return kExitOk;
}

}  // namespace tern::admin

#include "server/admin/ice_credential.h"

#include <algorithm>

#include "auth/rest_password.h"
#include "base/json_writer.h"
#include "server/config/listen_plan.h"

namespace tern {
namespace {

bool is_wildcard(const TransportAddress& a) {
  return std::ranges::all_of(a.ip_bytes(), [](uint8_t b) { return b == 0; });
}

void add_urls(std::vector<std::string>& out, const std::vector<TransportAddress>& listeners,
              std::string_view scheme, std::string_view transport) {
  for (const auto& a : listeners) {
    if (is_wildcard(a)) continue;
    std::string url =
        std::string(scheme) + ":" + a.to_string() + "?transport=" + std::string(transport);
    if (std::ranges::find(out, url) == out.end()) out.push_back(std::move(url));
  }
}

}  // namespace

std::optional<std::string> mint_ice_credential(const IceCredentialSource& source,
                                               int64_t now_unix) {
  const auto secret = source.secret ? source.secret() : std::nullopt;
  if (!secret) return std::nullopt;
  const std::string username = std::to_string(now_unix + kIceCredentialTtlS) + source.separator +
                               std::string(kIceCredentialUser);
  const auto password = auth::try_rest_password(*secret, username);
  if (!password) return std::nullopt;
  JsonWriter w;
  w.begin_object()
      .field("username", username)
      .field("credential", *password)
      .field("ttl", kIceCredentialTtlS)
      .key("urls")
      .begin_array();
  for (const auto& url : source.urls) w.value(url);
  w.end_array().end_object();
  return w.take();
}

std::vector<std::string> ice_urls(const ListenPlan& plan) {
  std::vector<std::string> urls;
  add_urls(urls, plan.udp, "turn", "udp");
  add_urls(urls, plan.tcp, "turn", "tcp");
  add_urls(urls, plan.tls, "turns", "tcp");
  return urls;
}

}  // namespace tern

#include "admin/ice_servers.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "base/json_writer.h"

namespace tern::admin {

bool is_ice_url(std::string_view url) {
  return url.starts_with("turn:") || url.starts_with("turns:") || url.starts_with("stun:") ||
         url.starts_with("stuns:");
}

std::string host_problem(std::string_view host) {
  if (host.empty()) return "is empty";
  const bool bad = std::any_of(host.begin(), host.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u >= 0x7F ||
           std::string_view("/?#@\"'\\,").find(c) != std::string_view::npos;
  });
  if (bad) return "is not a host name or IP address";
  return "";
}

std::vector<std::string> default_ice_urls(std::string_view host) {
  // RFC 7065's host is RFC 3986's: an IPv6 literal goes in brackets.
  const bool bare_ipv6 = host.find(':') != std::string_view::npos && !host.starts_with('[');
  const std::string h = bare_ipv6 ? fmt::format("[{}]", host) : std::string(host);
  return {fmt::format("turn:{}:{}?transport=udp", h, kDefaultTurnPort),
          fmt::format("turn:{}:{}?transport=tcp", h, kDefaultTurnPort),
          fmt::format("turns:{}:{}?transport=tcp", h, kDefaultTlsPort)};
}

std::optional<std::string> local_host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return std::nullopt;
  return std::string(name.data());
}

void ice_servers_json(JsonWriter& j, const std::vector<std::string>& urls,
                      std::string_view username, std::string_view credential) {
  j.begin_array().begin_object().key("urls").begin_array();
  for (const auto& u : urls) j.value(u);
  j.end_array().field("username", username).field("credential", credential);
  j.end_object().end_array();
}

}  // namespace tern::admin

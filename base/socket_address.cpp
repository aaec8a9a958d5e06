#include "base/socket_address.h"

#include <arpa/inet.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "protocol/byte_order.h"

namespace tern {

namespace {

// sockaddr_in and sockaddr_in6 differ only in where the address and port sit and how
// long they are; one description per family keeps both conversions to one path.
struct Layout {
  sa_family_t domain;
  Family family;
  socklen_t size;
  size_t ip_at;
  size_t port_at;
};
constexpr Layout kV4{AF_INET, Family::V4, sizeof(sockaddr_in), offsetof(sockaddr_in, sin_addr),
                     offsetof(sockaddr_in, sin_port)};
constexpr Layout kV6{AF_INET6, Family::V6, sizeof(sockaddr_in6), offsetof(sockaddr_in6, sin6_addr),
                     offsetof(sockaddr_in6, sin6_port)};

}  // namespace

SockAddr to_sockaddr(const TransportAddress& a) {
  const Layout& l = a.family == Family::V4 ? kV4 : kV6;
  SockAddr out;
  out.storage.ss_family = l.domain;
  auto* bytes = reinterpret_cast<uint8_t*>(&out.storage);
  store_u16(bytes + l.port_at, a.port);
  std::memcpy(bytes + l.ip_at, a.ip.data(), a.ip_size());
  out.length = l.size;
  return out;
}

std::optional<TransportAddress> from_sockaddr(const sockaddr* sa, socklen_t length) {
  if (length < sizeof(sa_family_t)) return std::nullopt;
  const Layout* l = sa->sa_family == AF_INET ? &kV4 : sa->sa_family == AF_INET6 ? &kV6 : nullptr;
  if (!l || length < l->size) return std::nullopt;
  const auto* bytes = reinterpret_cast<const uint8_t*>(sa);
  TransportAddress t;
  t.family = l->family;
  std::memcpy(t.ip.data(), bytes + l->ip_at, t.ip_size());
  t.port = load_u16(bytes + l->port_at);
  return t;
}

std::optional<TransportAddress> from_sockaddr(const sockaddr* sa) {
  return from_sockaddr(sa, sizeof(sockaddr_storage));
}

std::optional<TransportAddress> parse_ip(std::string_view text, uint16_t port) {
  std::string s(text);
  TransportAddress t;
  t.port = port;
  if (inet_pton(AF_INET, s.c_str(), t.ip.data()) == 1) {
    t.family = Family::V4;
    return t;
  }
  if (inet_pton(AF_INET6, s.c_str(), t.ip.data()) == 1) {
    t.family = Family::V6;
    return t;
  }
  return std::nullopt;
}

std::optional<TransportAddress> parse_ip_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (text.empty() || text.front() == '/' || colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port == 0 || port > 65535) return std::nullopt;
  return parse_ip(host, static_cast<uint16_t>(port));
}

std::vector<TransportAddress> parse_ip_ports(const std::vector<std::string>& texts) {
  std::vector<TransportAddress> out;
  for (const auto& t : texts) {
    if (auto a = parse_ip_port(t)) out.push_back(*a);
  }
  return out;
}

}  // namespace tern

#include "bench/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <random>

namespace tern::bench {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5) return std::nullopt;
  unsigned port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) return std::nullopt;

  Endpoint e;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&e.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    e.length = sizeof(sockaddr_in);
    return e;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    e.length = sizeof(sockaddr_in6);
    return e;
  }
  return std::nullopt;
}

Endpoint to_endpoint(const TransportAddress& a) {
  Endpoint e;
  if (a.family == Family::V4) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&e.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(a.port);
    std::memcpy(&v4->sin_addr, a.ip.data(), 4);
    e.length = sizeof(sockaddr_in);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(a.port);
    std::memcpy(&v6->sin6_addr, a.ip.data(), 16);
    e.length = sizeof(sockaddr_in6);
  }
  return e;
}

TransportAddress to_transport_address(const sockaddr_storage& s) {
  TransportAddress a;
  if (s.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&s);
    a.family = Family::V4;
    std::memcpy(a.ip.data(), &v4->sin_addr, 4);
    a.port = ntohs(v4->sin_port);
  } else {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&s);
    a.family = Family::V6;
    std::memcpy(a.ip.data(), &v6->sin6_addr, 16);
    a.port = ntohs(v6->sin6_port);
  }
  return a;
}

std::string to_string(const Endpoint& e) {
  return to_transport_address(e.storage).to_string();
}

void set_nonblocking(int fd, bool on) {
  const int flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
}

void grow_buffers(int fd, int bytes) {
  // The FORCE variants pass the sysctl caps (root only); the plain ones are the fallback.
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  }
}

UniqueFd open_udp_client(const Endpoint& server, const Endpoint* local) {
  UniqueFd fd(::socket(server.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  // The load generator must not be where packets are lost: its sockets take bursts the
  // server sends faster than this one thread reads them.
  grow_buffers(fd.get(), 1 << 20);
  if (local && ::bind(fd.get(), local->get(), local->length) != 0) return UniqueFd();
  if (::connect(fd.get(), server.get(), server.length) != 0) return UniqueFd();
  return fd;
}

UniqueFd open_udp_bound(const Endpoint& local) {
  UniqueFd fd(::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  if (::bind(fd.get(), local.get(), local.length) != 0) return UniqueFd();
  return fd;
}

UniqueFd open_tcp_client(const Endpoint& server, const Endpoint* local) {
  UniqueFd fd(::socket(server.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  if (local && ::bind(fd.get(), local->get(), local->length) != 0) return UniqueFd();
  const int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd.get(), server.get(), server.length) != 0) return UniqueFd();
  set_nonblocking(fd.get(), true);
  return fd;
}

Endpoint random_loopback_source() {
  std::random_device rd;
  const uint32_t r = rd();
  const auto b = [&](int shift, int lo, int hi) {
    return static_cast<uint8_t>(lo + static_cast<int>((r >> shift) & 0xFF) % (hi - lo + 1));
  };
  return to_endpoint(TransportAddress::v4({127, b(0, 1, 254), b(8, 0, 255), b(16, 1, 254)}, 0));
}

bool is_ipv4_loopback(const Endpoint& e) {
  if (e.family() != AF_INET) return false;
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&e.storage);
  return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
}

std::optional<Endpoint> local_endpoint(int fd) {
  Endpoint e;
  e.length = sizeof e.storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&e.storage), &e.length) != 0) {
    return std::nullopt;
  }
  return e;
}

long raise_fd_limit(long wanted) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return -1;
  if (static_cast<long>(lim.rlim_cur) >= wanted) return static_cast<long>(lim.rlim_cur);
  rlimit want = lim;
  want.rlim_cur = static_cast<rlim_t>(wanted);
  if (want.rlim_max < want.rlim_cur) want.rlim_max = want.rlim_cur;  // root may raise it
  if (setrlimit(RLIMIT_NOFILE, &want) != 0) {
    want = lim;
    want.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &want);
  }
  getrlimit(RLIMIT_NOFILE, &lim);
  return static_cast<long>(lim.rlim_cur);
}

}  // namespace tern::bench

#include "bench/net.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <random>

#include "base/socket_address.h"

namespace tern::bench {

std::optional<TransportAddress> parse_endpoint(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    // A bare IPv6 address has several colons: which one ends the address is ambiguous.
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5) return std::nullopt;
  unsigned port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  return parse_ip(host, static_cast<uint16_t>(port));
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

namespace {

bool bind_to(int fd, const TransportAddress& local) {
  const SockAddr sa = to_sockaddr(local);
  return ::bind(fd, sa.get(), sa.length) == 0;
}

bool connect_to(int fd, const TransportAddress& server) {
  const SockAddr sa = to_sockaddr(server);
  return ::connect(fd, sa.get(), sa.length) == 0;
}

}  // namespace

FileDescriptor open_udp_client(const TransportAddress& server, const TransportAddress* local) {
  FileDescriptor fd(::socket(socket_domain(server), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  // The load generator must not be where packets are lost: its sockets take bursts the
  // server sends faster than this one thread reads them.
  grow_buffers(fd.get(), 1 << 20);
  if (local && !bind_to(fd.get(), *local)) return FileDescriptor();
  if (!connect_to(fd.get(), server)) return FileDescriptor();
  return fd;
}

FileDescriptor open_udp_bound(const TransportAddress& local) {
  FileDescriptor fd(::socket(socket_domain(local), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  if (!bind_to(fd.get(), local)) return FileDescriptor();
  return fd;
}

FileDescriptor open_tcp_client(const TransportAddress& server, const TransportAddress* local) {
  FileDescriptor fd(::socket(socket_domain(server), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  if (local && !bind_to(fd.get(), *local)) return FileDescriptor();
  const int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!connect_to(fd.get(), server)) return FileDescriptor();
  set_nonblocking(fd.get(), true);
  return fd;
}

TransportAddress random_loopback_source() {
  std::random_device rd;
  const uint32_t r = rd();
  const auto b = [&](int shift, int lo, int hi) {
    return static_cast<uint8_t>(lo + static_cast<int>((r >> shift) & 0xFF) % (hi - lo + 1));
  };
  return TransportAddress::v4({127, b(0, 1, 254), b(8, 0, 255), b(16, 1, 254)}, 0);
}

bool is_ipv4_loopback(const TransportAddress& a) {
  return a.family == Family::V4 && is_loopback(a);
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

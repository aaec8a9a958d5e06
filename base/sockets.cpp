#include "base/sockets.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "base/socket_address.h"

namespace tern {

namespace {

std::string describe(const char* what, const TransportAddress& a) {
  return std::string(what) + " " + a.to_string() + ": " + std::strerror(errno);
}

bool set_int_option(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

}  // namespace

Result<FileDescriptor, std::string> open_bound_socket(SocketKind kind,
                                                      const TransportAddress& address,
                                                      const SocketOptions& options) {
  const int domain = socket_domain(address);
  const int type =
      (kind == SocketKind::Udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  FileDescriptor fd(::socket(domain, type, 0));
  if (!fd.valid()) return unexpected(describe("socket", address));
  const int s = fd.get();
  if (!set_int_option(s, SOL_SOCKET, SO_REUSEADDR, 1) ||
      (options.reuse_port && !set_int_option(s, SOL_SOCKET, SO_REUSEPORT, 1)) ||
      (domain == AF_INET6 && !set_int_option(s, IPPROTO_IPV6, IPV6_V6ONLY, 1)) ||
      (options.receive_buffer > 0 &&
       !set_int_option(s, SOL_SOCKET, SO_RCVBUF, options.receive_buffer)) ||
      (options.send_buffer > 0 && !set_int_option(s, SOL_SOCKET, SO_SNDBUF, options.send_buffer))) {
    return unexpected(describe("setsockopt", address));
  }
  const SockAddr sa = to_sockaddr(address);
  if (::bind(s, sa.get(), sa.length) != 0) return unexpected(describe("bind", address));
  if (kind == SocketKind::TcpListen && ::listen(s, SOMAXCONN) != 0) {
    return unexpected(describe("listen", address));
  }
  return fd;
}

std::optional<std::string> check_port_unused(SocketKind kind, const TransportAddress& address) {
  if (address.port == 0) return std::nullopt;
  const int domain = socket_domain(address);
  const int type = kind == SocketKind::Udp ? SOCK_DGRAM : SOCK_STREAM;
  FileDescriptor fd(::socket(domain, type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return describe("socket", address);
  // TCP: SO_REUSEADDR passes over TIME_WAIT leftovers of our own last run, but not over a
  // listener. UDP: no option at all, so any socket on the port makes bind() fail.
  if (kind == SocketKind::TcpListen) set_int_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1);
  if (domain == AF_INET6) set_int_option(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1);
  const SockAddr sa = to_sockaddr(address);
  if (::bind(fd.get(), sa.get(), sa.length) != 0) {
    if (errno == EADDRINUSE) {
      return std::string(kind == SocketKind::Udp ? "UDP " : "TCP ") + address.to_string() +
             " is already in use (another ternd or turnserver?)";
    }
    return describe("bind", address);
  }
  return std::nullopt;
}

Result<TransportAddress, std::string> local_address(int fd) {
  SockAddr sa;
  sa.length = sizeof sa.storage;
  if (::getsockname(fd, sa.get(), &sa.length) != 0) {
    return unexpected(std::string("getsockname: ") + std::strerror(errno));
  }
  auto a = from_sockaddr(sa.get(), sa.length);
  if (!a) return unexpected(std::string("getsockname: not an IPv4 or IPv6 address"));
  return *a;
}

}  // namespace tern

#include "tests/support/tcp_peer.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/socket_address.h"
#include "base/sockets.h"

namespace tern::test {

namespace {
using Clock = std::chrono::steady_clock;

bool wait(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

FileDescriptor stream_socket(Family family) {
  return FileDescriptor(::socket(family == Family::V4 ? AF_INET : AF_INET6,
                                 SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}
}  // namespace

Result<TcpStream, std::string> TcpStream::connect(const TransportAddress& from,
                                                  const TransportAddress& to, Millis timeout) {
  FileDescriptor fd = stream_socket(to.family);
  if (!fd.valid()) return unexpected(std::string("socket: ") + std::strerror(errno));
  TransportAddress local = from;
  local.port = 0;
  const SockAddr l = to_sockaddr(local);
  if (::bind(fd.get(), l.get(), l.length) != 0) {
    return unexpected(std::string("bind: ") + std::strerror(errno));
  }
  const SockAddr r = to_sockaddr(to);
  if (::connect(fd.get(), r.get(), r.length) != 0 && errno != EINPROGRESS) {
    return unexpected(std::string("connect: ") + std::strerror(errno));
  }
  if (!wait(fd.get(), POLLOUT, Clock::now() + timeout))
    return unexpected(std::string("connect timed out"));
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) return unexpected(std::string("connect: ") + std::strerror(error));
  return TcpStream(std::move(fd));
}

bool TcpStream::send_all(std::span<const uint8_t> data, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!data.empty()) {
    const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data = data.subspan(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (!wait(fd_.get(), POLLOUT, deadline)) return false;
  }
  return true;
}

Result<Bytes, RecvError> TcpStream::receive_exact(size_t size, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  Bytes out(size);
  size_t have = 0;
  while (have < size) {
    const ssize_t n = ::recv(fd_.get(), out.data() + have, size - have, 0);
    if (n > 0) {
      have += static_cast<size_t>(n);
      continue;
    }
    if (n == 0 || errno == ECONNRESET) return unexpected(RecvError::Closed);
    if (errno != EAGAIN && errno != EINTR) return unexpected(RecvError::Failed);
    if (!wait(fd_.get(), POLLIN, deadline)) return unexpected(RecvError::Timeout);
  }
  return out;
}

bool TcpStream::closed_within(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  uint8_t buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (n < 0 && !wait(fd_.get(), POLLIN, deadline)) return false;
  }
}

TransportAddress TcpStream::local_address() const {
  auto a = tern::local_address(fd_.get());
  return a ? *a : TransportAddress{};
}

TransportAddress TcpStream::remote_address() const {
  SockAddr a;
  a.length = sizeof a.storage;
  if (::getpeername(fd_.get(), reinterpret_cast<sockaddr*>(&a.storage), &a.length) != 0) return {};
  auto t = from_sockaddr(a);
  return t ? *t : TransportAddress{};
}

Result<TcpListener, std::string> TcpListener::open(const TransportAddress& address) {
  auto fd = open_bound_socket(SocketKind::TcpListen, address, {.reuse_port = false});
  if (!fd) return unexpected(fd.error());
  auto bound = tern::local_address(fd->get());
  if (!bound) return unexpected(bound.error());
  return TcpListener(std::move(*fd), *bound);
}

Result<TcpStream, std::string> TcpListener::accept(Millis timeout) {
  if (!wait(fd_.get(), POLLIN, Clock::now() + timeout))
    return unexpected(std::string("no connection"));
  FileDescriptor conn(::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!conn.valid()) return unexpected(std::string("accept: ") + std::strerror(errno));
  return TcpStream(std::move(conn));
}

}  // namespace tern::test

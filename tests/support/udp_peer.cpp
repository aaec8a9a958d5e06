#include "tests/support/udp_peer.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/socket_address.h"
#include "base/sockets.h"

namespace tern::test {
namespace {

using Clock = std::chrono::steady_clock;

bool readable_before(int fd, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(std::clamp<long long>(left, 0, 60'000)));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

}  // namespace

Result<UdpPeer, std::string> UdpPeer::open(const TransportAddress& address) {
  FileDescriptor fd(socket(socket_domain(address), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return unexpected(std::string("socket: ") + std::strerror(errno));
  // Relayed bursts wait here while the test thread waits for a core.
  const int buffer = 1 << 20;
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  SockAddr sa = to_sockaddr(address);
  if (bind(fd.get(), sa.get(), sa.length) != 0) {
    return unexpected("bind " + address.to_string() + ": " + std::strerror(errno));
  }
  auto actual = local_address(fd.get());
  if (!actual) return unexpected(actual.error());
  return UdpPeer(std::move(fd), *actual);
}

bool UdpPeer::send_to(const TransportAddress& to, std::span<const uint8_t> data) {
  SockAddr sa = to_sockaddr(to);
  return ::sendto(fd_.get(), data.data(), data.size(), 0, sa.get(), sa.length) ==
         static_cast<ssize_t>(data.size());
}

Result<Datagram, RecvError> UdpPeer::receive(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  Bytes buf(65536);
  for (;;) {
    SockAddr from;
    from.length = sizeof from.storage;
    ssize_t n = recvfrom(fd_.get(), buf.data(), buf.size(), 0, from.get(), &from.length);
    if (n >= 0) {
      auto address = from_sockaddr(from);
      if (!address) continue;
      buf.resize(static_cast<size_t>(n));
      return Datagram{*address, std::move(buf)};
    }
    // An ICMP error left by an earlier send is not a datagram for us.
    if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED) {
      return unexpected(RecvError::Failed);
    }
    if (errno == EAGAIN && !readable_before(fd_.get(), deadline)) {
      return unexpected(RecvError::Timeout);
    }
  }
}

Result<Datagram, RecvError> UdpPeer::echo(Millis timeout) {
  auto d = receive(timeout);
  if (d && !send_to(d->from, d->data)) return unexpected(RecvError::Failed);
  return d;
}

bool UdpPeer::silent_for(Millis timeout) {
  auto d = receive(timeout);
  return !d && d.error() == RecvError::Timeout;
}

bool udp_port_closed(const TransportAddress& to, Millis timeout) {
  FileDescriptor fd(socket(socket_domain(to), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  SockAddr sa = to_sockaddr(to);
  if (connect(fd.get(), sa.get(), sa.length) != 0) return false;
  const uint8_t probe[] = {0xff, 0xff, 0xff, 0xff};  // neither STUN nor ChannelData
  if (send(fd.get(), probe, sizeof probe, 0) < 0) return errno == ECONNREFUSED;
  const auto deadline = Clock::now() + timeout;
  uint8_t buf[64];
  for (;;) {
    if (recv(fd.get(), buf, sizeof buf, 0) >= 0) return false;  // something answered
    if (errno == ECONNREFUSED) return true;
    if (errno != EAGAIN && errno != EINTR) return false;
    if (!readable_before(fd.get(), deadline)) {
      // POLLERR wakes poll too; without it and without data the port just kept quiet,
      // which a bound relay socket without a permission for us also does.
      return false;
    }
  }
}

}  // namespace tern::test

#include "tests/interop/turnutils_peer.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <thread>
#include <utility>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/support/free_ports.h"
#include "tests/support/process.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

FileDescriptor bound_udp(IpVersion version, uint16_t port) {
  FileDescriptor fd(socket(address_family(version), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  SockAddr sa = to_sockaddr(loopback(version, port));
  if (bind(fd.get(), sa.get(), sa.length) != 0) fd.reset();
  return fd;
}

// turnutils_peer listens on -p PORT and on PORT + 1 (uclient sends each RTCP leg's data
// there); if PORT + 1 is taken it says so and carries on with half the echo, so both
// must be free. The kernel offers PORT; PORT + 1 is probed.
uint16_t free_udp_port_pair(IpVersion version) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    FileDescriptor first = bound_udp(version, 0);
    if (!first.valid()) return 0;
    auto a = local_address(first.get());
    if (!a) return 0;
    if (a->port == 0 || a->port == 65535) continue;
    if (bound_udp(version, a->port + 1).valid()) return a->port;
  }
  return 0;
}

}  // namespace

Result<TurnutilsPeer, std::string> TurnutilsPeer::start(IpVersion version) {
  TurnutilsPeer peer;
  // Held until the peer answers, like ternd's ports: nothing else picks this port meanwhile.
  PortLock lock = PortLock::acquire();
  uint16_t port = free_udp_port_pair(version);
  if (port == 0) return unexpected(std::string("no two free UDP ports on ") + to_string(version));
  peer.address_ = loopback(version, port);
  peer.pid_ = spawn({kTurnutilsPeer, "-L", peer.address_.ip_string(), "-p", std::to_string(port)},
                    peer.dir_ / "peer.stdout", peer.dir_ / "peer.stderr");
  if (peer.pid_ < 0) return unexpected(std::string("fork failed"));
  // A process start on a loaded machine can take seconds; the loop ends at the first echo.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!peer.running()) {
      return unexpected("turnutils_peer on " + peer.address_.to_string() +
                        " exited during startup: " + peer.output());
    }
    if (peer.echoes()) return peer;
    std::this_thread::sleep_for(20ms);
  }
  return unexpected("turnutils_peer on " + peer.address_.to_string() +
                    " did not echo within 20 s: " + peer.output());
}

TurnutilsPeer::TurnutilsPeer(TurnutilsPeer&& other) noexcept
    : dir_(std::move(other.dir_)), address_(other.address_), pid_(std::exchange(other.pid_, -1)) {}

TurnutilsPeer::~TurnutilsPeer() {
  stop();
}

bool TurnutilsPeer::running() {
  if (pid_ <= 0) return false;
  if (poll_exit(pid_).running) return true;
  pid_ = -1;  // reaped: its pid (and group) may be reused, never signal it again
  return false;
}

std::string TurnutilsPeer::output() const {
  return tail(read_file(dir_ / "peer.stdout") + read_file(dir_ / "peer.stderr"));
}

bool TurnutilsPeer::echoes() const {
  TransportAddress second = address_;
  second.port = address_.port + 1;
  return echoes_on(address_) && echoes_on(second);
}

bool TurnutilsPeer::echoes_on(const TransportAddress& to_address) {
  FileDescriptor fd(socket(socket_domain(to_address), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  SockAddr to = to_sockaddr(to_address);
  if (!fd.valid() || connect(fd.get(), to.get(), to.length) != 0) return false;
  static constexpr std::array<char, 5> kProbe{'p', 'r', 'o', 'b', 'e'};
  if (send(fd.get(), kProbe.data(), kProbe.size(), 0) != static_cast<ssize_t>(kProbe.size())) {
    return false;
  }
  pollfd p{fd.get(), POLLIN, 0};
  if (poll(&p, 1, 200) != 1) return false;
  std::array<char, 16> back{};
  return recv(fd.get(), back.data(), back.size(), 0) == static_cast<ssize_t>(kProbe.size());
}

void TurnutilsPeer::stop() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  wait_for_exit(pid_, 5s);
  pid_ = -1;
}

}  // namespace tern::test

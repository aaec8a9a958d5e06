#include "tests/interop/turnutils_peer.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <thread>
#include <utility>

#include "tests/support/free_ports.h"
#include "tests/support/process.h"
#include "tests/support/unique_fd.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// A UDP port the kernel just handed out on the loopback address of `version`.
uint16_t free_udp_port(IpVersion version) {
  UniqueFd fd(socket(address_family(version), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return 0;
  SockAddr sa = to_sockaddr(loopback(version, 0));
  if (bind(fd.get(), sa.get(), sa.length) != 0) return 0;
  SockAddr bound;
  bound.length = sizeof bound.storage;
  if (getsockname(fd.get(), bound.get(), &bound.length) != 0) return 0;
  auto a = from_sockaddr(bound.get(), bound.length);
  return a ? a->port : 0;
}

}  // namespace

Result<TurnutilsPeer, std::string> TurnutilsPeer::start(IpVersion version) {
  TurnutilsPeer peer;
  // Held until the peer answers, like ternd's ports: nothing else picks this port meanwhile.
  PortLock lock = PortLock::acquire();
  uint16_t port = free_udp_port(version);
  if (port == 0) return unexpected(std::string("no free UDP port on ") + to_string(version));
  peer.address_ = loopback(version, port);
  peer.pid_ = spawn({kTurnutilsPeer, "-L", peer.address_.ip_string(), "-p", std::to_string(port)},
                    peer.dir_ / "peer.stdout", peer.dir_ / "peer.stderr");
  if (peer.pid_ < 0) return unexpected(std::string("fork failed"));
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!peer.running()) {
      return unexpected("turnutils_peer on " + peer.address_.to_string() +
                        " exited during startup: " + peer.output());
    }
    if (peer.echoes()) return peer;
    std::this_thread::sleep_for(20ms);
  }
  return unexpected("turnutils_peer on " + peer.address_.to_string() +
                    " did not echo within 5 s: " + peer.output());
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
  UniqueFd fd(socket(address_family(address_.family == Family::V4 ? IpVersion::V4 : IpVersion::V6),
                     SOCK_DGRAM | SOCK_CLOEXEC, 0));
  SockAddr to = to_sockaddr(address_);
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

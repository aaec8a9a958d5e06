#include "bench/echo_peer.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include <array>
#include <vector>

#include "base/socket_address.h"
#include "base/sockets.h"
#include "bench/receive_batch.h"

namespace tern::bench {

namespace {

// A socket keeps the namespace it was made in, so only its creation needs the calling
// thread to step into `netns` and back.
FileDescriptor open_udp_bound_in(const TransportAddress& local, const std::string& netns) {
  if (netns.empty()) return open_udp_bound(local);
  FileDescriptor home(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  FileDescriptor target(open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC));
  if (!home.valid() || !target.valid() || setns(target.get(), CLONE_NEWNET) != 0) return {};
  FileDescriptor fd = open_udp_bound(local);
  if (setns(home.get(), CLONE_NEWNET) != 0) return {};
  return fd;
}

}  // namespace

bool EchoPeer::start(const std::string& ip, const std::string& netns, uint16_t port) {
  auto local = parse_ip(ip, port);
  if (!local) return false;
  fd_ = open_udp_bound_in(*local, netns);
  if (!fd_.valid()) return false;
  // A thousand flows arrive in bursts; the default ~200 KiB would drop them here and the
  // loss would be blamed on the server.
  grow_buffers(fd_.get(), 8 << 20);
  const auto bound = local_address(fd_.get());
  if (!bound) return false;
  address_ = *bound;
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
  return true;
}

void EchoPeer::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void EchoPeer::run(std::stop_token stop) {
  ReceiveBatch batch;
  auto& iov = batch.iov;
  auto& headers = batch.h;
  while (!stop.stop_requested()) {
    pollfd p{.fd = fd_.get(), .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 20) <= 0) continue;
    for (int round = 0; round < 16; ++round) {
      const int n = batch.receive(fd_.get());
      if (n <= 0) break;
      uint64_t bytes = 0;
      for (int i = 0; i < n; ++i) {
        // Echo exactly what came: the same headers now name the destination and length.
        iov[i].iov_len = headers[i].msg_len;
        bytes += headers[i].msg_len;
      }
      packets_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      bytes_.fetch_add(bytes, std::memory_order_relaxed);
      int sent = 0;
      while (sent < n) {
        const int m = sendmmsg(fd_.get(), headers.data() + sent, static_cast<unsigned>(n - sent),
                               MSG_DONTWAIT);
        if (m <= 0) break;  // a full buffer drops the rest; the client counts it as loss
        sent += m;
      }
      if (n < static_cast<int>(ReceiveBatch::kSize)) break;
    }
  }
}

}  // namespace tern::bench

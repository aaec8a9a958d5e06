// tern-bench-floor: the kernel's floor for the Binding scenario. Answers every Binding
// request with one fixed success response (only the transaction id copied in), using
// recvmmsg/sendmmsg, so whatever a real server costs beyond this is its own.
//
//   tern-bench-floor IP:PORT [--threads N]
// Runs until SIGTERM or SIGINT.

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base/socket_address.h"
#include "bench/net.h"
#include "bench/receive_batch.h"
#include "protocol/message_builder.h"
#include "protocol/xor_address.h"

namespace {

std::atomic<bool> g_stop{false};  // the one thing a signal handler may touch

void on_signal(int) {
  g_stop.store(true);
}

// One socket per thread with SO_REUSEPORT, as ternd's workers do.
tern::FileDescriptor open_socket(const tern::TransportAddress& at) {
  tern::FileDescriptor fd(::socket(tern::socket_domain(at), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  const tern::SockAddr sa = tern::to_sockaddr(at);
  if (::bind(fd.get(), sa.get(), sa.length) != 0) return tern::FileDescriptor();
  tern::bench::grow_buffers(fd.get(), 4 << 20);
  return fd;
}

void serve(int fd) {
  constexpr size_t kBatch = tern::bench::ReceiveBatch::kSize;
  // The fixed reply: a Binding success with an XOR-MAPPED-ADDRESS that never changes.
  std::array<uint8_t, 64> reply_template{};
  const tern::stun::TransactionId zero{};
  tern::stun::MessageBuilder b(reply_template, tern::stun::Method::Binding,
                               tern::stun::Class::SuccessResponse, zero);
  tern::stun::XorMappedAddress{tern::TransportAddress::v4({127, 0, 0, 1}, 40000)}.add_to(b);
  const size_t reply_size = b.size();

  tern::bench::ReceiveBatch batch;
  std::vector<std::array<uint8_t, 64>> out(kBatch);
  std::array<iovec, kBatch> out_iov{};
  std::array<mmsghdr, kBatch> out_h{};
  while (!g_stop.load(std::memory_order_relaxed)) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const int n = batch.receive(fd);
    if (n <= 0) continue;
    unsigned replies = 0;
    for (int i = 0; i < n; ++i) {
      const auto& h = batch.h[static_cast<size_t>(i)];
      const uint8_t* req = batch.data[static_cast<size_t>(i)].data();
      // A Binding request: type 0x0001, and long enough to hold a transaction id.
      if (h.msg_len < 20 || req[0] != 0x00 || req[1] != 0x01) continue;
      auto& o = out[replies];
      std::memcpy(o.data(), reply_template.data(), reply_size);
      std::memcpy(o.data() + 8, req + 8, 12);
      out_iov[replies] = {o.data(), reply_size};
      out_h[replies].msg_hdr = {};
      out_h[replies].msg_hdr.msg_name = &batch.from[static_cast<size_t>(i)];
      out_h[replies].msg_hdr.msg_namelen = h.msg_hdr.msg_namelen;
      out_h[replies].msg_hdr.msg_iov = &out_iov[replies];
      out_h[replies].msg_hdr.msg_iovlen = 1;
      replies++;
    }
    unsigned sent = 0;
    while (sent < replies) {
      const int m = sendmmsg(fd, out_h.data() + sent, replies - sent, 0);
      if (m <= 0) break;
      sent += static_cast<unsigned>(m);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tern-bench-floor IP:PORT [--threads N]\n");
    return 2;
  }
  const auto at = tern::bench::parse_endpoint(argv[1]);
  int threads = 1;
  if (argc >= 4 && std::string(argv[2]) == "--threads") threads = std::max(1, std::atoi(argv[3]));
  if (!at) {
    std::fprintf(stderr, "tern-bench-floor: bad address %s\n", argv[1]);
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::vector<tern::FileDescriptor> fds;
  for (int i = 0; i < threads; ++i) {
    fds.push_back(open_socket(*at));
    if (!fds.back().valid()) {
      std::fprintf(stderr, "tern-bench-floor: cannot bind %s: %s\n", argv[1], std::strerror(errno));
      return 1;
    }
  }
  std::vector<std::jthread> workers;
  for (auto& fd : fds) workers.emplace_back([&fd] { serve(fd.get()); });
  return 0;  // the jthreads join when g_stop ends their loops
}

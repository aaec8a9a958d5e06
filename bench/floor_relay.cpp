// tern-bench-floor-relay: the floor of a user-space relay, for the veth testbed (issue #16).
// It has a TURN relay's sockets and nothing else: clients send plain UDP to one listening
// socket; each client gets a socket of its own on the relay address, which sends its
// datagrams to one fixed peer; what the peer sends back to that socket goes to the client
// from the listening socket. One thread, epoll, recvmmsg on every ready socket, the
// answers to clients in one sendmmsg per pass, as a ternd worker does; no parsing, no
// permissions, no counters, no timers. Whatever a relay costs above this it costs in its
// own code; what this costs above client and peer talking directly is the kernel's two
// extra UDP traversals and the wake-ups, which no user-space relay avoids.
//
//   tern-bench-floor-relay LISTEN_IP:PORT RELAY_IP PEER_IP:PORT
// with tern-bench relay --direct --via LISTEN_IP:PORT --peer-port PORT. Runs until SIGTERM
// or SIGINT.

#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/socket_address.h"
#include "bench/net.h"
#include "bench/receive_batch.h"

namespace {

std::atomic<bool> g_stop{false};  // the one thing a signal handler may touch

void on_signal(int) {
  g_stop.store(true);
}

constexpr size_t kBatch = 64;
constexpr size_t kSlot = 2048;

// Datagrams to send from one socket, sent in one sendmmsg.
struct Outbox {
  std::vector<std::array<uint8_t, kSlot>> data = std::vector<std::array<uint8_t, kSlot>>(kBatch);
  std::array<sockaddr_storage, kBatch> to{};
  std::array<socklen_t, kBatch> to_len{};
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> h{};
  size_t n = 0;

  void add(const uint8_t* bytes, size_t size, const sockaddr_storage& dst, socklen_t len) {
    std::memcpy(data[n].data(), bytes, size);
    iov[n] = {data[n].data(), size};
    to[n] = dst;
    to_len[n] = len;
    h[n].msg_hdr = {};
    h[n].msg_hdr.msg_name = &to[n];
    h[n].msg_hdr.msg_namelen = len;
    h[n].msg_hdr.msg_iov = &iov[n];
    h[n].msg_hdr.msg_iovlen = 1;
    ++n;
  }
  bool full() const { return n == kBatch; }
  void flush(int fd) {
    for (size_t sent = 0; sent < n;) {
      const int m = sendmmsg(fd, h.data() + sent, static_cast<unsigned>(n - sent), 0);
      if (m <= 0) break;
      sent += static_cast<size_t>(m);
    }
    n = 0;
  }
};

struct Flow {
  tern::FileDescriptor relay;
  sockaddr_storage client{};
  socklen_t client_len = 0;
};

std::string key_of(const sockaddr_storage& a, socklen_t len) {
  return {reinterpret_cast<const char*>(&a), len};
}

int run(const tern::TransportAddress& listen_at, const tern::TransportAddress& relay_ip,
        const tern::TransportAddress& peer) {
  tern::FileDescriptor listener = tern::bench::open_udp_bound(listen_at);
  if (!listener.valid()) {
    std::fprintf(stderr, "tern-bench-floor-relay: cannot bind the listening address: %s\n",
                 std::strerror(errno));
    return 1;
  }
  tern::bench::grow_buffers(listener.get(), 8 << 20);
  tern::FileDescriptor ep(epoll_create1(EPOLL_CLOEXEC));
  epoll_event ev{.events = EPOLLIN, .data = {.u64 = 0}};
  epoll_ctl(ep.get(), EPOLL_CTL_ADD, listener.get(), &ev);
  const tern::SockAddr peer_sa = tern::to_sockaddr(peer);
  sockaddr_storage peer_ss{};
  std::memcpy(&peer_ss, peer_sa.get(), peer_sa.length);

  std::vector<Flow> flows;  // event data u64 = index + 1
  std::unordered_map<std::string, size_t> by_client;
  tern::bench::ReceiveBatch in;
  Outbox to_clients, to_peer;
  std::array<epoll_event, 256> ready{};
  while (!g_stop.load(std::memory_order_relaxed)) {
    const int n = epoll_wait(ep.get(), ready.data(), static_cast<int>(ready.size()), 100);
    for (int e = 0; e < n; ++e) {
      const uint64_t tag = ready[static_cast<size_t>(e)].data.u64;
      if (tag == 0) {
        // Clients to the peer, each through its own relay socket.
        for (int got = in.receive(listener.get()); got > 0; got = in.receive(listener.get())) {
          for (size_t i = 0; i < static_cast<size_t>(got); ++i) {
            const socklen_t len = in.h[i].msg_hdr.msg_namelen;
            auto [it, fresh] = by_client.try_emplace(key_of(in.from[i], len), flows.size());
            if (fresh) {
              Flow f;
              f.relay = tern::bench::open_udp_bound(relay_ip);
              f.client = in.from[i];
              f.client_len = len;
              epoll_event rev{.events = EPOLLIN, .data = {.u64 = flows.size() + 1}};
              if (!f.relay.valid() || epoll_ctl(ep.get(), EPOLL_CTL_ADD, f.relay.get(), &rev)) {
                by_client.erase(it);
                continue;
              }
              flows.push_back(std::move(f));
            }
            // A relay sends to the peer from the client's own socket: one send each, as
            // consecutive datagrams of one client could share one.
            to_peer.add(in.data[i].data(), in.h[i].msg_len, peer_ss, peer_sa.length);
            const bool next_same =
                i + 1 < static_cast<size_t>(got) &&
                key_of(in.from[i + 1], in.h[i + 1].msg_hdr.msg_namelen) == it->first;
            if (!next_same || to_peer.full()) to_peer.flush(flows[it->second].relay.get());
          }
          if (got < static_cast<int>(tern::bench::ReceiveBatch::kSize)) break;
        }
      } else {
        Flow& f = flows[tag - 1];
        for (int got = in.receive(f.relay.get()); got > 0; got = in.receive(f.relay.get())) {
          for (size_t i = 0; i < static_cast<size_t>(got); ++i) {
            to_clients.add(in.data[i].data(), in.h[i].msg_len, f.client, f.client_len);
            if (to_clients.full()) to_clients.flush(listener.get());
          }
          if (got < static_cast<int>(tern::bench::ReceiveBatch::kSize)) break;
        }
      }
    }
    to_clients.flush(listener.get());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: tern-bench-floor-relay LISTEN_IP:PORT RELAY_IP PEER_IP:PORT\n");
    return 2;
  }
  const auto listen_at = tern::bench::parse_endpoint(argv[1]);
  const auto relay_ip = tern::parse_ip(argv[2]);
  const auto peer = tern::bench::parse_endpoint(argv[3]);
  if (!listen_at || !relay_ip || !peer) {
    std::fprintf(stderr, "tern-bench-floor-relay: bad address\n");
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  return run(*listen_at, *relay_ip, *peer);
}

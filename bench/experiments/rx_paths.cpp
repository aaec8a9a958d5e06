// Issue #16's many-flows experiment, outside ternd: a "relay worker" thread owning N UDP
// sockets answers every datagram from the socket it came in on, at a paced load spread over
// all sockets (real calls: each socket gets a packet now and then). It compares the
// receive/send paths a worker could use, by the worker thread's CPU per packet:
//   epoll     epoll_wait, one recvmmsg per ready socket, one sendto per answer (today's
//             ternd at paced load: every ready socket has one datagram)
//   busypoll  the same with SO_BUSY_POLL 50 µs + SO_PREFER_BUSY_POLL on every socket
//   mmsg      epoll, the answers of one receive in one sendmmsg
//   gso       epoll, the answers of one receive in one send with UDP_SEGMENT (UDP GSO)
//   coalesceN epoll, but the worker sleeps N µs after each pass that served something, so
//             packets that arrive meanwhile share the next wakeup
//   uring     io_uring: a multishot recvmsg per socket, all fed from one provided buffer
//             ring; answers are sendmsg SQEs that go in with the next wait
//             (io_uring_submit_and_wait), so one syscall per wakeup for all sockets
// Not built by CMake (a measurement, not a part of tern). By hand, with Debian's
// liburing-dev:
//   g++ -O2 -std=c++20 bench/experiments/rx_paths.cpp -luring -lpthread -o /tmp/rx_paths
//   /tmp/rx_paths MODE SOCKETS RATE_PPS SECONDS     (worker on CPU 0, load on CPU 1)
// Loopback only.

#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kSize = 120;
constexpr unsigned kBufs = 4096;
constexpr unsigned kBufSize = 2048;
constexpr int kGroup = 7;

int64_t now_ns(clockid_t c = CLOCK_MONOTONIC) {
  timespec t{};
  clock_gettime(c, &t);
  return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

int udp_bound(uint16_t port = 0) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::exit(1);
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  return fd;
}

sockaddr_in address_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return a;
}

std::atomic<bool> stop{false};
std::atomic<uint64_t> answered{0};
uint64_t syscalls = 0;  // the worker's, counted where it makes them

// How a worker sends a receive batch's answers: one sendto each (ternd towards peers at
// paced load), one sendmmsg for the batch (ternd towards clients), or UDP GSO: the
// answers of one batch (one socket, here one destination, one size) as a single send with
// UDP_SEGMENT, which the stack splits into datagrams only at the end.
enum class Sends { Each, Mmsg, Gso };

void send_batch(int fd, Sends how, std::vector<std::array<char, kBufSize>>& data,
                std::array<sockaddr_in, 64>& from, std::array<mmsghdr, 64>& h, int got) {
  if (how == Sends::Each || got == 1) {
    for (int i = 0; i < got; ++i) {
      sendto(fd, data[i].data(), h[i].msg_len, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from[i]),
             sizeof from[i]);
    }
    syscalls += static_cast<uint64_t>(got);
    return;
  }
  std::array<iovec, 64> out{};
  for (int i = 0; i < got; ++i) out[i] = {data[i].data(), h[i].msg_len};
  if (how == Sends::Mmsg) {
    std::array<mmsghdr, 64> m{};
    for (int i = 0; i < got; ++i) {
      m[i].msg_hdr.msg_name = &from[i];
      m[i].msg_hdr.msg_namelen = sizeof from[i];
      m[i].msg_hdr.msg_iov = &out[i];
      m[i].msg_hdr.msg_iovlen = 1;
    }
    sendmmsg(fd, m.data(), static_cast<unsigned>(got), MSG_DONTWAIT);
    ++syscalls;
    return;
  }
  // GSO: every datagram here is kSize bytes to the load thread's one socket.
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(uint16_t))> control{};
  msghdr msg{};
  msg.msg_name = &from[0];
  msg.msg_namelen = sizeof from[0];
  msg.msg_iov = out.data();
  msg.msg_iovlen = static_cast<size_t>(got);
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_UDP;
  c->cmsg_type = UDP_SEGMENT;
  c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  const uint16_t segment = kSize;
  std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
  sendmsg(fd, &msg, MSG_DONTWAIT);
  ++syscalls;
}

void worker_epoll(const std::vector<int>& fds, int coalesce_us, Sends how = Sends::Each) {
  int ep = epoll_create1(0);
  for (size_t i = 0; i < fds.size(); ++i) {
    epoll_event e{.events = EPOLLIN, .data = {.u64 = i}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
  }
  std::vector<epoll_event> ev(256);
  constexpr int kBatch = 64;
  std::vector<std::array<char, kBufSize>> data(kBatch);
  std::array<sockaddr_in, kBatch> from{};
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> h{};
  while (!stop.load(std::memory_order_relaxed)) {
    const int n = epoll_wait(ep, ev.data(), static_cast<int>(ev.size()), 20);
    ++syscalls;
    for (int k = 0; k < n; ++k) {
      const int fd = fds[ev[static_cast<size_t>(k)].data.u64];
      for (int i = 0; i < kBatch; ++i) {
        iov[i] = {data[i].data(), kBufSize};
        h[i].msg_hdr = {};
        h[i].msg_hdr.msg_name = &from[i];
        h[i].msg_hdr.msg_namelen = sizeof from[i];
        h[i].msg_hdr.msg_iov = &iov[i];
        h[i].msg_hdr.msg_iovlen = 1;
      }
      const int got = recvmmsg(fd, h.data(), kBatch, MSG_DONTWAIT, nullptr);
      ++syscalls;
      if (got > 0) send_batch(fd, how, data, from, h, got);
      if (got > 0) answered.fetch_add(static_cast<uint64_t>(got), std::memory_order_relaxed);
    }
    // Coalescing: after a pass, let what arrives meanwhile pile up, so the next wakeup
    // serves many sockets at once (a bounded delay, as a NIC's interrupt moderation).
    if (n > 0 && coalesce_us > 0) {
      usleep(static_cast<useconds_t>(coalesce_us));
      ++syscalls;
    }
  }
  close(ep);
}

struct Send {
  msghdr msg{};
  iovec iov{};
  sockaddr_in to{};
  std::array<char, kBufSize> bytes{};
};

void worker_uring(const std::vector<int>& fds) {
  io_uring ring{};
  io_uring_params p{};
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  if (io_uring_queue_init_params(4096, &ring, &p) != 0) {
    std::fprintf(stderr, "io_uring_queue_init failed\n");
    std::exit(1);
  }
  const size_t ring_bytes = kBufs * sizeof(io_uring_buf);
  auto* br = static_cast<io_uring_buf_ring*>(
      mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0));
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(br);
  reg.ring_entries = kBufs;
  reg.bgid = kGroup;
  if (io_uring_register_buf_ring(&ring, &reg, 0) != 0) {
    std::fprintf(stderr, "no provided buffer rings\n");
    std::exit(1);
  }
  io_uring_buf_ring_init(br);
  std::vector<char> pool(size_t{kBufs} * kBufSize);
  for (unsigned i = 0; i < kBufs; ++i) {
    io_uring_buf_ring_add(br, pool.data() + size_t{i} * kBufSize, kBufSize,
                          static_cast<unsigned short>(i), io_uring_buf_ring_mask(kBufs),
                          static_cast<int>(i));
  }
  io_uring_buf_ring_advance(br, kBufs);
  msghdr want{};
  want.msg_namelen = sizeof(sockaddr_in);
  // A full submission queue goes in at once, so there is always an entry.
  auto get_sqe = [&ring] {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (sqe) return sqe;
    io_uring_submit(&ring);
    ++syscalls;
    return io_uring_get_sqe(&ring);
  };
  auto arm = [&](size_t i) {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_recvmsg_multishot(sqe, fds[i], &want, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kGroup;
    io_uring_sqe_set_data64(sqe, i);
  };
  for (size_t i = 0; i < fds.size(); ++i) arm(i);
  // Sends need their bytes until they complete: a slot per SQE, reused round-robin (the
  // ring is far larger than what is in flight at these rates).
  std::vector<Send> sends(4096);
  size_t next_send = 0;
  constexpr uint64_t kSendTag = uint64_t{1} << 63;
  __kernel_timespec tick{.tv_sec = 0, .tv_nsec = 20'000'000};
  while (!stop.load(std::memory_order_relaxed)) {
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &tick, nullptr);
    ++syscalls;
    unsigned head = 0, seen = 0, recycled = 0;
    uint64_t got = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      const uint64_t tag = io_uring_cqe_get_data64(cqe);
      if (tag & kSendTag) continue;
      const size_t i = tag;
      if (!(cqe->flags & IORING_CQE_F_MORE)) arm(i);
      if (cqe->res <= 0 || !(cqe->flags & IORING_CQE_F_BUFFER)) continue;
      const unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
      char* buf = pool.data() + size_t{bid} * kBufSize;
      auto* out = io_uring_recvmsg_validate(buf, cqe->res, &want);
      if (out) {
        Send& s = sends[next_send++ % sends.size()];
        std::memcpy(&s.to, io_uring_recvmsg_name(out), sizeof s.to);
        const auto len = io_uring_recvmsg_payload_length(out, cqe->res, &want);
        std::memcpy(s.bytes.data(), io_uring_recvmsg_payload(out, &want), len);
        s.iov = {s.bytes.data(), len};
        s.msg = {};
        s.msg.msg_name = &s.to;
        s.msg.msg_namelen = sizeof s.to;
        s.msg.msg_iov = &s.iov;
        s.msg.msg_iovlen = 1;
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_sendmsg(sqe, fds[i], &s.msg, MSG_DONTWAIT);
        io_uring_sqe_set_data64(sqe, kSendTag);
        ++got;
      }
      io_uring_buf_ring_add(br, buf, kBufSize, static_cast<unsigned short>(bid),
                            io_uring_buf_ring_mask(kBufs), static_cast<int>(recycled++));
    }
    io_uring_buf_ring_advance(br, static_cast<int>(recycled));
    io_uring_cq_advance(&ring, seen);
    answered.fetch_add(got, std::memory_order_relaxed);
  }
  io_uring_queue_exit(&ring);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(
        stderr,
        "usage: rx_paths epoll|mmsg|gso|busypoll|uring|coalesceN SOCKETS RATE_PPS SECONDS\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int n = std::atoi(argv[2]);
  const double rate = std::atof(argv[3]);
  const double seconds = std::atof(argv[4]);
  if (n < 1 || n > 10000 || rate <= 0 || seconds <= 0 || seconds > 60) return 2;
  std::vector<int> fds;
  std::vector<sockaddr_in> addrs;
  for (int i = 0; i < n; ++i) {
    fds.push_back(udp_bound());
    addrs.push_back(address_of(fds.back()));
    if (mode == "busypoll") {
      int usec = 50, one = 1;
      setsockopt(fds.back(), SOL_SOCKET, SO_BUSY_POLL, &usec, sizeof usec);
      setsockopt(fds.back(), SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof one);
    }
  }
  int64_t worker_cpu = 0;
  std::thread worker([&] {
    pin(0);
    const int64_t c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    if (mode == "uring")
      worker_uring(fds);
    else if (mode == "mmsg" || mode == "gso")
      worker_epoll(fds, 0, mode == "gso" ? Sends::Gso : Sends::Mmsg);
    else
      worker_epoll(fds, mode.starts_with("coalesce") ? std::atoi(mode.c_str() + 8) : 0);
    worker_cpu = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
  });
  pin(1);
  const int load = udp_bound();
  std::array<char, kSize> payload{};
  uint64_t sent = 0, back = 0;
  const int64_t start = now_ns();
  const int64_t end = start + static_cast<int64_t>(seconds * 1e9);
  std::array<char, kBufSize> sink{};
  for (int64_t now = start; now < end; now = now_ns()) {
    const auto due = static_cast<uint64_t>(rate * static_cast<double>(now - start) / 1e9);
    for (; sent < due; ++sent) {
      const auto& to = addrs[sent % addrs.size()];
      sendto(load, payload.data(), kSize, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    }
    while (recv(load, sink.data(), sink.size(), MSG_DONTWAIT) > 0) ++back;
    usleep(200);
  }
  const int64_t drain = now_ns() + 200'000'000;
  while (now_ns() < drain && back < sent) {
    if (recv(load, sink.data(), sink.size(), MSG_DONTWAIT) > 0)
      ++back;
    else
      usleep(1000);
  }
  stop = true;
  worker.join();
  const uint64_t done = answered.load();
  std::printf(
      "%s sockets=%d rate=%.0f sent=%llu answered=%llu back=%llu worker_cpu_us_per_pkt=%.3f "
      "syscalls_per_pkt=%.2f\n",
      mode.c_str(), n, rate, static_cast<unsigned long long>(sent),
      static_cast<unsigned long long>(done), static_cast<unsigned long long>(back),
      done ? static_cast<double>(worker_cpu) / 1000.0 / static_cast<double>(done) : 0.0,
      done ? static_cast<double>(syscalls) / static_cast<double>(done) : 0.0);
  return 0;
}

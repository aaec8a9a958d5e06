#pragma once
// epoll with an owned fd: the one readiness API the load loops use.

#include <sys/epoll.h>

#include <cstdint>
#include <span>

#include "bench/net.h"

namespace tern::bench {

class Poller {
 public:
  Poller() : fd_(epoll_create1(EPOLL_CLOEXEC)) {}
  bool valid() const { return fd_.valid(); }
  bool add(int fd, uint64_t key, uint32_t events = EPOLLIN) {
    epoll_event e{.events = events, .data = {.u64 = key}};
    return epoll_ctl(fd_.get(), EPOLL_CTL_ADD, fd, &e) == 0;
  }
  bool modify(int fd, uint64_t key, uint32_t events) {
    epoll_event e{.events = events, .data = {.u64 = key}};
    return epoll_ctl(fd_.get(), EPOLL_CTL_MOD, fd, &e) == 0;
  }
  void remove(int fd) { epoll_ctl(fd_.get(), EPOLL_CTL_DEL, fd, nullptr); }
  // Ready events, at most out.size(); 0 on timeout or EINTR.
  int wait(std::span<epoll_event> out, int timeout_ms) {
    const int n = epoll_wait(fd_.get(), out.data(), static_cast<int>(out.size()), timeout_ms);
    return n < 0 ? 0 : n;
  }

 private:
  FileDescriptor fd_;
};

}  // namespace tern::bench

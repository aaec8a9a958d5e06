#pragma once
// Client → peer datagrams of one receive batch, sent together: ChannelData and Send
// indications that arrive in one recvmmsg leave in one sendmmsg per relay socket instead
// of one sendto each (the syscall, not tern's own code, is most of a relayed packet's
// cost). The payloads stay where the batch received them, so nothing is copied.

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <span>

#include "server/counters.h"
#include "server/socket_address.h"

namespace tern {

class PeerSendQueue {
 public:
  static constexpr size_t kCapacity = 32;  // one receive batch

  // From open() to flush(), send() queues; outside, it tells the caller to send at once
  // (stream clients, whose bytes do not outlive the call).
  void open() { open_ = true; }
  // Queues `data` (which must stay valid until flush) for `fd` to send to `to`; false
  // when the queue is not open or is full.
  bool send(int fd, const SockAddr& to, std::span<const uint8_t> data);
  // Sends what is queued, one sendmmsg per run of datagrams of the same socket, and
  // closes the queue. Datagrams the kernel refused are counted as relay_send_failures.
  void flush(WorkerCounters& counters);
  // Drops what is queued for `fd`: its relay socket is closing, and the number may be
  // reused by the next socket opened within this same batch (which must never send
  // another allocation's data from its address).
  void forget(int fd);
  size_t size() const { return size_; }

 private:
  struct Entry {
    int fd;
    SockAddr to;
    iovec iov;
  };
  std::array<Entry, kCapacity> entries_;
  std::array<mmsghdr, kCapacity> headers_;
  size_t size_ = 0;
  bool open_ = false;
};

}  // namespace tern

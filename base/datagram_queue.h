#pragma once
// Datagrams sent together: one sendmmsg per socket instead of one sendto
// each (the syscall, not tern's own code, is most of a relayed packet's cost).
//  - Client → peer: what one receive batch relays leaves after the batch; the payloads
//    stay where the batch received them (send), nothing is copied.
//  - Peer → client: every relay socket of a worker answers its clients through the few
//    listening sockets, so what one pass of the event loop relays to UDP clients is
//    copied here (send_copy) and leaves after the pass, in one sendmmsg per listening
//    socket however many allocations it came from.

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "base/counter.h"
#include "base/socket_address.h"

namespace tern {

class DatagramQueue {
 public:
  static constexpr size_t kCapacity = 64;
  static constexpr size_t kCopySize = 4096;  // the largest datagram send_copy takes

  // Counts what the kernel refuses in `failures` (relay_send_failures, udp_send_failures)
  // and, when given, what it takes in `sent`; both must outlive the queue.
  explicit DatagramQueue(Counter& failures, Counter* sent = nullptr)
      : failures_(&failures), sent_(sent) {}
  DatagramQueue(const DatagramQueue&) = delete;
  DatagramQueue& operator=(const DatagramQueue&) = delete;

  // From open() to flush(), send() queues; outside, it tells the caller to send at once
  // (stream clients, whose bytes do not outlive the call).
  void open() { open_ = true; }
  // Queues `data` (which must stay valid until flush) for `fd` to send to `to`; false
  // when the queue is not open or is full.
  bool send(int fd, const SockAddr& to, std::span<const uint8_t> data);
  // Queues a copy of `data`, flushing first when the queue is full; false only when
  // `data` is larger than kCopySize (the caller sends it itself).
  bool send_copy(int fd, const SockAddr& to, std::span<const uint8_t> data);
  // Sends what is queued, one sendmmsg per socket (each socket's datagrams in the order
  // they were queued), and closes the queue. Returns how many the kernel took.
  size_t flush();
  // Drops what is queued for `fd`: its relay socket is closing, and the number may be
  // reused by the next socket opened before the flush (which must never send another
  // allocation's data from its address).
  void forget(int fd);
  size_t size() const { return size_; }

 private:
  struct Entry {
    int fd;
    SockAddr to;
    iovec iov;
  };
  void push(int fd, const SockAddr& to, uint8_t* data, size_t size);

  Counter* failures_;
  Counter* sent_;
  std::array<Entry, kCapacity> entries_;
  std::array<mmsghdr, kCapacity> headers_;
  std::array<mmsghdr, kCapacity> order_;  // headers_ grouped by socket, for flush
  std::array<int, kCapacity> order_fds_;
  std::vector<uint8_t> copies_;  // kCapacity × kCopySize, made on the first send_copy
  size_t size_ = 0;
  bool open_ = false;
};

}  // namespace tern

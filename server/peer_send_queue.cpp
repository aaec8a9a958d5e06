#include "server/peer_send_queue.h"

namespace tern {

bool PeerSendQueue::send(int fd, const SockAddr& to, std::span<const uint8_t> data) {
  if (!open_ || size_ == kCapacity) return false;
  Entry& e = entries_[size_];
  e.fd = fd;
  e.to = to;
  // sendmmsg does not write through iov_base; the cast only meets iovec's type.
  e.iov = {const_cast<uint8_t*>(data.data()), data.size()};
  auto& h = headers_[size_].msg_hdr;
  h = {};
  h.msg_name = e.to.get();
  h.msg_namelen = e.to.length;
  h.msg_iov = &e.iov;
  h.msg_iovlen = 1;
  ++size_;
  return true;
}

void PeerSendQueue::forget(int fd) {
  size_t kept = 0;
  for (size_t i = 0; i < size_; ++i) {
    if (entries_[i].fd == fd) continue;
    if (kept != i) {
      entries_[kept] = entries_[i];
      headers_[kept] = headers_[i];
    }
    // The header points into its own entry, which may have moved.
    headers_[kept].msg_hdr.msg_name = entries_[kept].to.get();
    headers_[kept].msg_hdr.msg_iov = &entries_[kept].iov;
    ++kept;
  }
  size_ = kept;
}

void PeerSendQueue::flush(WorkerCounters& counters) {
  size_t start = 0;
  while (start < size_) {
    const int fd = entries_[start].fd;
    size_t end = start + 1;
    while (end < size_ && entries_[end].fd == fd) ++end;
    while (start < end) {
      const int n = ::sendmmsg(fd, headers_.data() + start, static_cast<unsigned>(end - start), 0);
      if (n <= 0) {
        // UDP may drop: a full socket buffer (or an ICMP error pending on the socket)
        // loses the rest of this run, counted.
        counters.relay_send_failures.add(end - start);
        break;
      }
      start += static_cast<size_t>(n);
    }
    start = end;
  }
  size_ = 0;
  open_ = false;
}

}  // namespace tern

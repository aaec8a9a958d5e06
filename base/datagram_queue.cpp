#include "base/datagram_queue.h"

#include <cerrno>
#include <cstring>

#include "base/icmp_errors.h"

namespace tern {

void DatagramQueue::push(int fd, const SockAddr& to, uint8_t* data, size_t size) {
  Entry& e = entries_[size_];
  e.fd = fd;
  e.to = to;
  e.iov = {data, size};
  auto& h = headers_[size_].msg_hdr;
  h = {};
  h.msg_name = e.to.get();
  h.msg_namelen = e.to.length;
  h.msg_iov = &e.iov;
  h.msg_iovlen = 1;
  ++size_;
}

bool DatagramQueue::send(int fd, const SockAddr& to, std::span<const uint8_t> data) {
  if (!open_ || size_ == kCapacity) return false;
  // sendmmsg does not write through iov_base; the cast only meets iovec's type.
  push(fd, to, const_cast<uint8_t*>(data.data()), data.size());
  return true;
}

bool DatagramQueue::send_copy(int fd, const SockAddr& to, std::span<const uint8_t> data) {
  if (data.size() > kCopySize) return false;
  if (size_ == kCapacity) flush();
  if (copies_.empty()) copies_.resize(kCapacity * kCopySize);
  uint8_t* slot = copies_.data() + size_ * kCopySize;
  std::memcpy(slot, data.data(), data.size());
  push(fd, to, slot, data.size());
  return true;
}

void DatagramQueue::forget(int fd) {
  size_t kept = 0;
  for (size_t i = 0; i < size_; ++i) {
    if (entries_[i].fd == fd) continue;
    if (kept != i) {
      entries_[kept] = entries_[i];
      headers_[kept] = headers_[i];
      // A copy moves with its entry, so the slot index stays the entry's index.
      if (!copies_.empty() && entries_[kept].iov.iov_base >= copies_.data() &&
          entries_[kept].iov.iov_base < copies_.data() + copies_.size()) {
        uint8_t* slot = copies_.data() + kept * kCopySize;
        std::memmove(slot, entries_[kept].iov.iov_base, entries_[kept].iov.iov_len);
        entries_[kept].iov.iov_base = slot;
      }
    }
    // The header points into its own entry, which may have moved.
    headers_[kept].msg_hdr.msg_name = entries_[kept].to.get();
    headers_[kept].msg_hdr.msg_iov = &entries_[kept].iov;
    ++kept;
  }
  size_ = kept;
}

size_t DatagramQueue::flush() {
  // Grouped by socket, each socket's datagrams in the order they came: sendmmsg takes one
  // socket, and datagrams of different sockets are independent of each other.
  std::array<bool, kCapacity> taken{};
  size_t grouped = 0;
  for (size_t i = 0; i < size_; ++i) {
    if (taken[i]) continue;
    for (size_t j = i; j < size_; ++j) {
      if (taken[j] || entries_[j].fd != entries_[i].fd) continue;
      taken[j] = true;
      order_[grouped] = headers_[j];
      order_fds_[grouped] = entries_[j].fd;
      ++grouped;
    }
  }
  size_t sent_total = 0;
  for (size_t start = 0; start < size_;) {
    const int fd = order_fds_[start];
    size_t end = start + 1;
    while (end < size_ && order_fds_[end] == fd) ++end;
    bool retried = false;
    while (start < end) {
      const int n = ::sendmmsg(fd, order_.data() + start, static_cast<unsigned>(end - start), 0);
      // An earlier datagram's ICMP error (IP_RECVERR), reported once by this send: the
      // datagrams themselves may go.
      if (n < 0 && !retried && is_reported_icmp_error(errno)) {
        retried = true;
        continue;
      }
      if (n <= 0) {
        // UDP may drop: a full socket buffer (or an ICMP error pending on the socket)
        // loses the rest of this socket's datagrams, counted.
        failures_->add(end - start);
        break;
      }
      start += static_cast<size_t>(n);
      sent_total += static_cast<size_t>(n);
    }
    start = end;
  }
  if (sent_ != nullptr) sent_->add(sent_total);
  size_ = 0;
  open_ = false;
  return sent_total;
}

}  // namespace tern

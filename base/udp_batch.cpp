#include "base/udp_batch.h"

#include <cassert>

namespace tern {

size_t UdpBatch::receive(int fd, size_t headroom, size_t tailroom) {
  assert(headroom + tailroom < kSlotSize);
  // recvmmsg writes each name's length back, so every call restores the room for the
  // longest (an IPv6 sender after an IPv4 one).
  for (size_t i = 0; i < kPackets; ++i) {
    Slot& slot = in[i];
    slot.iov = {slot.data.data() + headroom, kSlotSize - headroom - tailroom};
    msghdr& h = in_headers[i].msg_hdr;
    h = {};
    h.msg_name = &slot.address;
    h.msg_namelen = sizeof slot.address;
    h.msg_iov = &slot.iov;
    h.msg_iovlen = 1;
  }
  const int n = ::recvmmsg(fd, in_headers.data(), kPackets, 0, nullptr);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

}  // namespace tern

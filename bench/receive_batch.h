#pragma once
// One recvmmsg's worth of datagrams and their senders: the buffers every UDP loop of the
// load generator and its floors reads into (the echo peer echoes back through the same
// headers).

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tern::bench {

struct ReceiveBatch {
  static constexpr size_t kSize = 64;
  static constexpr size_t kSlot = 2048;  // above any datagram the scenarios send

  std::vector<std::array<uint8_t, kSlot>> data = std::vector<std::array<uint8_t, kSlot>>(kSize);
  std::array<sockaddr_storage, kSize> from{};
  std::array<iovec, kSize> iov{};
  std::array<mmsghdr, kSize> h{};

  // Up to kSize datagrams from `fd` without waiting: their count, or recvmmsg's -1.
  int receive(int fd) {
    for (size_t i = 0; i < kSize; ++i) {
      iov[i] = {data[i].data(), kSlot};
      h[i].msg_hdr = {};
      h[i].msg_hdr.msg_name = &from[i];
      h[i].msg_hdr.msg_namelen = sizeof from[i];
      h[i].msg_hdr.msg_iov = &iov[i];
      h[i].msg_hdr.msg_iovlen = 1;
    }
    return recvmmsg(fd, h.data(), kSize, MSG_DONTWAIT, nullptr);
  }
};

}  // namespace tern::bench

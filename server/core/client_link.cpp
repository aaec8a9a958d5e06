#include "server/core/client_link.h"

#include <sys/socket.h>

#include "server/core/counters.h"

namespace tern {

void ClientLink::send(std::span<const uint8_t> frame, const SockAddr& to, DatagramQueue& udp_out,
                      WorkerCounters& counters) const {
  if (stream) {
    stream->send_relayed(frame);
    return;
  }
  if (udp_out.send_copy(udp_fd, to, frame)) return;
  if (::sendto(udp_fd, frame.data(), frame.size(), 0, to.get(), to.length) < 0) {
    counters.udp_send_failures.add();
    return;
  }
  counters.udp_datagrams_out.add();
}

}  // namespace tern

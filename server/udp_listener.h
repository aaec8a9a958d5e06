#pragma once
// A worker's UDP socket on one listening address. Reads are drained in batches with
// recvmmsg and the replies of a batch leave in one sendmmsg.

#include <sys/socket.h>

#include <array>
#include <memory>
#include <string>

#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "server/counters.h"
#include "server/dispatcher.h"
#include "server/file_descriptor.h"
#include "server/libevent.h"

namespace tern {

// The receive and send slots of one worker, shared by all its UDP sockets (a worker runs
// one callback at a time). No allocation per packet.
struct UdpBatch {
  static constexpr size_t kPackets = 32;
  static constexpr size_t kSlotSize = 4096;

  struct Slot {
    std::array<uint8_t, kSlotSize> data;
    sockaddr_storage address;
    iovec iov;
  };
  std::array<Slot, kPackets> in;
  std::array<mmsghdr, kPackets> in_headers;
  std::array<Slot, kPackets> out;
  std::array<mmsghdr, kPackets> out_headers;
};

class UdpListener {
 public:
  static Result<std::unique_ptr<UdpListener>, std::string> open(event_base* base,
                                                                const TransportAddress& address,
                                                                Dispatcher& dispatcher,
                                                                UdpBatch& batch,
                                                                WorkerCounters& counters);
  // Use open(); public for make_unique.
  UdpListener(FileDescriptor fd, TransportAddress address, Dispatcher& dispatcher, UdpBatch& batch,
              WorkerCounters& counters);
  const TransportAddress& address() const { return address_; }

 private:
  static void on_readable(evutil_socket_t fd, short what, void* self);
  // Reads one batch; returns how many datagrams it read.
  size_t read_batch();
  void flush(size_t count);

  FileDescriptor fd_;  // before event_: the event must go first
  EventPtr event_;
  TransportAddress address_;
  Dispatcher& dispatcher_;
  UdpBatch& batch_;
  WorkerCounters& counters_;
};

}  // namespace tern

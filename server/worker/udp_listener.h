#pragma once
// A worker's UDP socket on one listening address. Reads are drained in batches with
// recvmmsg and the replies of a batch leave in one sendmmsg.

#include <sys/socket.h>

#include <array>
#include <memory>
#include <string>

#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "base/udp_batch.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "server/core/counters.h"
#include "server/worker/dispatcher.h"

namespace tern {

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

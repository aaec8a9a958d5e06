#pragma once
// How to reach a client later, when relayed data arrives for it: the UDP socket its
// requests came in on, or its stream connection. TURN code sits below the worker that owns
// the connections, so it sees a stream only through this interface.

#include <cstdint>
#include <memory>
#include <span>

#include "base/counter.h"
#include "base/datagram_queue.h"
#include "base/file_descriptor.h"
#include "base/socket_address.h"

namespace tern {

struct WorkerCounters;

// A data connection's place in its TCP allocation (RFC 6062): given back when the
// connection ends, and asked whether the allocation still exists.
enum class PeerDirection : uint8_t { ToPeer, ToClient };

class PeerHold {
 public:
  virtual ~PeerHold() = default;
  virtual bool allocation_alive() const = 0;
  // How many of `bytes` may be relayed now (the allocation's max-bps), counted as its
  // traffic.
  virtual size_t admit(PeerDirection direction, size_t bytes, int64_t now_ms) = 0;
};

// A peer TCP connection handed to a client's data connection by ConnectionBind.
struct BoundPeer {
  FileDescriptor fd;
  std::unique_ptr<PeerHold> hold;
};

class ClientStream {
 public:
  // Relayed data for this client (ChannelData or a Data indication); dropped when the
  // client is not reading. Never closes the connection, so callers may keep iterating.
  virtual bool send_relayed(std::span<const uint8_t> frame) = 0;
  // The client made an allocation through this connection: allow longer idle periods.
  virtual void on_allocated(int64_t max_lifetime_s) = 0;
  // The connection has no allocation any more (a Refresh with LIFETIME 0, or one found
  // expired by the request) yet lives on, since its client may allocate again: from now it
  // is held as one that never allocated (a slot in the stream limits, their idle limit,
  // max-allocate-timeout). Nothing when it had none. Never closes it at once.
  virtual void on_deallocated() = 0;
  // Failed credential checks on this connection, the one being answered included (the
  // guessing budget, auth_guard.h).
  virtual uint32_t count_auth_failure() = 0;
  // An error is to be answered before any integrity was checked (401, 438, 400, 420...)
  // and the source's --challenge-rate budget may be spent: true when this connection is
  // answered anyway, because its client proved a password here (it has an allocation) or
  // this is its first such answer, so that a UDP flood spoofing the client's address
  // cannot starve its own 401.
  virtual bool unauthenticated_answer_is_free() = 0;
  // Ends the connection once the answer to the frame being handled is queued, counted in
  // `reason` (the first reason given wins). Flushed: what is already queued is sent
  // first (within stream-write-timeout), so the client sees the answers it earned.
  enum class Linger { No, Flushed };
  virtual void close_after_reply(Counter& reason, Linger linger) = 0;
  // Ends the connection now (admin kill, expiry); destroys the object.
  virtual void close() = 0;
  // ConnectionBind succeeded (RFC 6062 §5.4): once the answer to the frame being handled
  // is queued, this connection carries raw bytes to and from `peer`, no STUN.
  virtual void bind_peer(BoundPeer peer) = 0;

 protected:
  ~ClientStream() = default;
};

struct ClientLink {
  int udp_fd = -1;  // when the client speaks UDP
  ClientStream* stream = nullptr;

  // RFC 8656 §12.5: over TCP and TLS, ChannelData is padded to a multiple of 4.
  bool pads_channel_data() const { return stream != nullptr; }
  // Relayed data to the client: handed to its stream, or, over UDP, queued on `udp_out`
  // (the worker's to_clients, sent after this pass of its loop with what every other
  // allocation sends through the same listening socket) for `to`, the client's address.
  void send(std::span<const uint8_t> frame, const SockAddr& to, DatagramQueue& udp_out,
            WorkerCounters& counters) const;
};

}  // namespace tern

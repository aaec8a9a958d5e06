#pragma once
// How to reach a client later, when relayed data arrives for it: the UDP socket its
// requests came in on, or its stream connection. TURN code sits below the worker that owns
// the connections, so it sees a stream only through this interface.

#include <cstdint>
#include <span>

#include "base/counter.h"

namespace tern {

class ClientStream {
 public:
  // Relayed data for this client (ChannelData or a Data indication); dropped when the
  // client is not reading. Never closes the connection, so callers may keep iterating.
  virtual bool send_relayed(std::span<const uint8_t> frame) = 0;
  // The client made an allocation through this connection: allow longer idle periods.
  virtual void on_allocated(int64_t max_lifetime_s) = 0;
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

 protected:
  ~ClientStream() = default;
};

struct ClientLink {
  int udp_fd = -1;  // when the client speaks UDP
  ClientStream* stream = nullptr;

  // RFC 8656 §12.5: over TCP and TLS, ChannelData is padded to a multiple of 4.
  bool pads_channel_data() const { return stream != nullptr; }
};

}  // namespace tern

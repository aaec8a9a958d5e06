#pragma once
// A client data connection bound to a peer TCP connection (RFC 6062 §5.4): bytes go both
// ways as they come, with no STUN framing. Each side is paused while the other's output
// is full, so a slow reader slows its sender instead of growing our buffers. Ends when
// either side ends (after what is pending for the other side has been written) and when
// the allocation goes. The bytes are the allocation's traffic, under its max-bps.

#include <cstdint>
#include <functional>
#include <memory>

#include "base/libevent.h"
#include "server/core/client_link.h"
#include "server/core/counters.h"

namespace tern {

class PeerPipe {
 public:
  // `client` is the data connection's bufferevent (not owned); `on_end` closes it (and
  // with it this pipe), so nothing here runs after calling it.
  PeerPipe(bufferevent* client, BoundPeer peer, WorkerCounters::Relayed& relayed,
           std::function<void()> on_end);
  PeerPipe(const PeerPipe&) = delete;
  PeerPipe& operator=(const PeerPipe&) = delete;
  bool ok() const { return peer_ != nullptr; }

  // The client connection's callbacks, forwarded by its owner.
  void client_readable();
  void client_drained();
  void client_ended();

 private:
  static void on_peer_read(bufferevent*, void* self);
  static void on_peer_write(bufferevent*, void* self);
  static void on_peer_event(bufferevent*, short what, void* self);
  static void on_check(evutil_socket_t, short, void* self);
  static void on_throttle(evutil_socket_t, short, void* self);
  void forward(bufferevent* from, bufferevent* to, PeerDirection direction);
  // Ends now unless output for the side still open must be written first.
  void end_when_flushed(bufferevent* pending);

  bufferevent* client_;
  std::unique_ptr<PeerHold> hold_;
  WorkerCounters::Relayed& relayed_;  // counts payload bytes each way
  std::function<void()> on_end_;
  BufferEventPtr peer_;
  EventPtr check_;                   // is the allocation still there?
  EventPtr throttle_;                // reads again after max-bps held a side back
  bufferevent* flushing_ = nullptr;  // the side whose output is written before the end
};

}  // namespace tern

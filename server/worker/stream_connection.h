#pragma once
// One TCP or TLS client connection: a bufferevent whose input is cut into STUN messages
// and ChannelData frames (RFC 8656 §12.5) and handed to the dispatcher. A stream that
// cannot be framed is closed, never resynchronised by guessing.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "base/libevent.h"
#include "server/core/counters.h"
#include "server/core/request_context.h"
#include "server/shared/stream_limits.h"
#include "server/worker/dispatcher.h"
#include "server/worker/peer_pipe.h"

namespace tern {

class StreamConnection final : public ClientStream {
 public:
  using OnClose = std::function<void(StreamConnection*)>;

  // Takes ownership of `bev`. `scratch` is the worker's reply buffer; `slot` is this
  // connection's count in the server's StreamLimits until it allocates.
  StreamConnection(BufferEventPtr bev, RequestContext ctx, Dispatcher& dispatcher,
                   std::span<uint8_t> scratch, WorkerCounters& counters,
                   const StreamSettings& settings, StreamSlot slot, OnClose on_close);
  StreamConnection(const StreamConnection&) = delete;
  StreamConnection& operator=(const StreamConnection&) = delete;

  const RequestContext& context() const { return ctx_; }
  // ClientStream
  bool send_relayed(std::span<const uint8_t> frame) override;
  void on_allocated(int64_t max_lifetime_s) override;
  void on_deallocated() override;
  uint32_t count_auth_failure() override { return ++auth_failures_; }
  bool unauthenticated_answer_is_free() override;
  void close_after_reply(Counter& reason, Linger linger) override {
    if (close_reason_) return;
    close_reason_ = &reason;
    linger_ = linger;
  }
  void close() override;
  void bind_peer(BoundPeer peer) override { bound_peer_ = std::move(peer); }

 private:
  static void on_read(bufferevent* bev, void* self);
  static void on_write(bufferevent* bev, void* self);
  static void on_event(bufferevent* bev, short what, void* self);
  static void on_allocate_deadline(evutil_socket_t, short, void* self);
  static void on_frame_deadline(evutil_socket_t, short, void* self);
  EventPtr make_timer(event_callback_fn fn);
  // The idle limit and allocate deadline of a connection without an allocation, from now.
  void arm_unallocated_bounds();
  size_t output_cap() const;
  // Returns false when the connection was closed (or is only flushing before it is).
  bool process_input();
  // Stops reading and closes once the pending output is sent (on_write), or now if none.
  void close_when_flushed();
  // Queues one message (a response or a relayed frame) for the client.
  bool write_message(std::span<const uint8_t> message);
  // After a ConnectionBind: from here on the connection is a raw pipe to its peer.
  // Returns false when the connection was closed.
  bool become_data_connection();

  BufferEventPtr bev_;
  RequestContext ctx_;
  Dispatcher& dispatcher_;
  std::span<uint8_t> scratch_;
  WorkerCounters& counters_;
  const StreamSettings& settings_;
  StreamSlot slot_;
  OnClose on_close_;
  bool handshake_done_ = false;
  bool allocated_ = false;
  // From accept to the first allocation, whatever the client sends meanwhile.
  EventPtr allocate_deadline_;
  // Armed while an incomplete frame waits in the input: a frame dripped a byte at a time
  // would otherwise hold the connection for as long as the sender likes.
  EventPtr frame_deadline_;
  Counter* close_reason_ = nullptr;  // set: close once the current reply is queued
  Linger linger_ = Linger::No;
  bool flushing_ = false;  // reading stopped; closed once the output is sent
  uint32_t auth_failures_ = 0;
  uint32_t unauthenticated_answers_ = 0;
  // TLS only: where each message is staged so that it reaches the output as a chain of
  // its own (see write_message).
  EvBufferPtr staging_;
  // RFC 6062: the peer connection a ConnectionBind handed over, until its answer is
  // queued; then the pipe that relays it.
  std::optional<BoundPeer> bound_peer_;
  std::unique_ptr<PeerPipe> pipe_;
};

}  // namespace tern

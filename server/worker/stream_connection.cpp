#include "server/worker/stream_connection.h"

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

#include "protocol/stream_splitter.h"

namespace tern {

namespace {
// A client that sends requests faster than it reads answers is paused, not buffered
// without bound. Before it has an allocation, a client has earned nothing but small
// answers (401s, Binding responses), so it is paused much sooner: a non-reading client
// pipelining requests then pins 64 KiB, not a megabyte, until stream-write-timeout.
constexpr size_t kMaxPendingOutput = 1 << 20;
constexpr size_t kMaxPendingOutputUnallocated = 64 << 10;
constexpr size_t kMaxFrame = 65535 + 20;
// A connection that has not made an allocation is dropped after this long without a
// frame: it may be a client that never authenticates, or garbage that happens to look
// like the start of a long ChannelData frame.
constexpr timeval kUnallocatedIdleTimeout{30, 0};
// Why a handshake ended in error: OpenSSL's reason for the first error it queued (an
// unknown CA, no shared cipher, a plain-HTTP request), else the socket's error.
std::string handshake_failure_reason(bufferevent* bev) {
  std::string reason;
  while (const unsigned long e = bufferevent_get_openssl_error(bev)) {
    if (!reason.empty()) continue;  // drains the rest, so they are not read for another
    const char* text = ERR_reason_error_string(e);
    reason = text != nullptr ? text : "OpenSSL error " + std::to_string(ERR_GET_REASON(e));
  }
  if (reason.empty()) reason = errno != 0 ? std::strerror(errno) : "connection error";
  return reason;
}

// Unauthenticated error answers a connection gets whatever its source's budget: a client's
// first 401. One, not more: a client that reconnects for each free answer must not earn
// several times the budget.
constexpr uint32_t kFreeUnauthenticatedAnswers = 1;
}  // namespace

StreamConnection::StreamConnection(BufferEventPtr bev, RequestContext ctx, Dispatcher& dispatcher,
                                   std::span<uint8_t> scratch, WorkerCounters& counters,
                                   const StreamSettings& settings, StreamSlot slot,
                                   OnClose on_close)
    : bev_(std::move(bev)),
      ctx_(ctx),
      dispatcher_(dispatcher),
      scratch_(scratch),
      counters_(counters),
      settings_(settings),
      slot_(std::move(slot)),
      on_close_(std::move(on_close)) {
  ctx_.link.stream = this;
  if (ctx_.transport == Transport::Tls) {
    staging_.reset(evbuffer_new());
    // Lets one write pass take up to eight whole messages (libevent's default of 16 KiB
    // would cut the last one in two records).
    bufferevent_set_max_single_write(bev_.get(), 8 * (kMaxFrame + 4));
  }
  bufferevent_setcb(bev_.get(), on_read, on_write, on_event, this);
  bufferevent_setwatermark(bev_.get(), EV_WRITE, kMaxPendingOutput / 2, 0);
  arm_unallocated_bounds();
  bufferevent_enable(bev_.get(), EV_READ | EV_WRITE);
  if (settings_.frame_timeout_s) frame_deadline_ = make_timer(on_frame_deadline);
}

void StreamConnection::arm_unallocated_bounds() {
  // libevent runs the write timeout only while output is pending and restarts it on every
  // byte written, so it measures exactly "no progress", also while reading is paused.
  const timeval write_timeout{static_cast<time_t>(settings_.write_timeout_s), 0};
  bufferevent_set_timeouts(bev_.get(), &kUnallocatedIdleTimeout,
                           settings_.write_timeout_s ? &write_timeout : nullptr);
  if (settings_.allocate_timeout_s) {
    allocate_deadline_ = make_timer(on_allocate_deadline);
    const timeval after{static_cast<time_t>(settings_.allocate_timeout_s), 0};
    if (allocate_deadline_) evtimer_add(allocate_deadline_.get(), &after);
  }
}

EventPtr StreamConnection::make_timer(event_callback_fn fn) {
  return EventPtr(evtimer_new(bufferevent_get_base(bev_.get()), fn, this));
}

void StreamConnection::on_allocate_deadline(evutil_socket_t, short, void* self) {
  auto* c = static_cast<StreamConnection*>(self);
  c->counters_.stream_closed_allocate_timeout.add();
  c->close();
}

void StreamConnection::on_frame_deadline(evutil_socket_t, short, void* self) {
  auto* c = static_cast<StreamConnection*>(self);
  c->counters_.stream_closed_slow_frame.add();
  c->close();
}

size_t StreamConnection::output_cap() const {
  return allocated_ ? kMaxPendingOutput : kMaxPendingOutputUnallocated;
}

void StreamConnection::on_read(bufferevent*, void* self) {
  auto* c = static_cast<StreamConnection*>(self);
  if (c->pipe_) return c->pipe_->client_readable();
  c->process_input();
}

void StreamConnection::on_write(bufferevent*, void* self) {
  // Output drained below the low watermark: resume reading if we had paused.
  auto* c = static_cast<StreamConnection*>(self);
  if (c->pipe_) return c->pipe_->client_drained();
  if (c->flushing_) {
    if (evbuffer_get_length(bufferevent_get_output(c->bev_.get())) == 0) c->close();
    return;
  }
  if (!(bufferevent_get_enabled(c->bev_.get()) & EV_READ)) {
    bufferevent_enable(c->bev_.get(), EV_READ);
    c->process_input();
  }
}

void StreamConnection::on_event(bufferevent*, short what, void* self) {
  auto* c = static_cast<StreamConnection*>(self);
  if (what & BEV_EVENT_CONNECTED) {
    c->handshake_done_ = true;  // TLS: the handshake finished
    return;
  }
  // A client closing a finished TLS session is not a handshake failure.
  if ((what & BEV_EVENT_ERROR) && c->ctx_.transport == Transport::Tls && !c->handshake_done_) {
    c->counters_.tls_handshake_failures.add();
    c->dispatcher_.on_tls_handshake_failed(c->ctx_, handshake_failure_reason(c->bev_.get()));
  }
  if (c->pipe_ && (what & BEV_EVENT_EOF)) return c->pipe_->client_ended();
  if (what & BEV_EVENT_TIMEOUT) {
    (what & BEV_EVENT_WRITING ? c->counters_.stream_closed_stalled
                              : c->counters_.stream_closed_idle)
        .add();
  }
  c->close();
}

bool StreamConnection::process_input() {
  evbuffer* input = bufferevent_get_input(bev_.get());
  evbuffer* output = bufferevent_get_output(bev_.get());
  ctx_.now = std::time(nullptr);
  ctx_.received_us = steady_us();
  ctx_.mono_ms = ctx_.received_us / 1000;
  while (evbuffer_get_length(output) < output_cap()) {
    const size_t available = evbuffer_get_length(input);
    if (available == 0) return true;
    // Look inside the first chain before making up to 64 KiB contiguous: pulling up the
    // whole window for every frame moved ~64 KiB per 20-byte request of a pipelining client.
    const size_t look = std::min(available, kMaxFrame);
    size_t seen = std::min(look, evbuffer_get_contiguous_space(input));
    const auto* data = evbuffer_pullup(input, static_cast<ev_ssize_t>(seen));
    auto frame = stun::next_frame(std::span(data, seen), kMaxFrame, dispatcher_.options().channels);
    if (!frame && frame.error() == stun::SplitStatus::NeedMore && seen < look) {
      seen = look;
      data = evbuffer_pullup(input, static_cast<ev_ssize_t>(seen));
      frame = stun::next_frame(std::span(data, seen), kMaxFrame, dispatcher_.options().channels);
    }
    if (!frame) {
      if (frame.error() == stun::SplitStatus::NeedMore) {
        if (frame_deadline_ && !evtimer_pending(frame_deadline_.get(), nullptr)) {
          const timeval limit{static_cast<time_t>(settings_.frame_timeout_s), 0};
          evtimer_add(frame_deadline_.get(), &limit);
        }
        return true;
      }
      counters_.stream_connections_closed_invalid.add();
      close();
      return false;
    }
    const size_t reply = dispatcher_.handle(std::span(data, frame->size), ctx_, scratch_);
    if (reply > 0) write_message(std::span(scratch_.data(), reply));
    if (close_reason_) {
      close_reason_->add();
      if (linger_ == Linger::Flushed) {
        close_when_flushed();
      } else {
        close();
      }
      return false;
    }
    evbuffer_drain(input, frame->size);
    if (frame_deadline_) evtimer_del(frame_deadline_.get());
    if (bound_peer_) return become_data_connection();
  }
  bufferevent_disable(bev_.get(), EV_READ);
  return true;
}

bool StreamConnection::become_data_connection() {
  allocate_deadline_.reset();
  frame_deadline_.reset();
  // The peer connection's life is the allocation's (checked by the pipe), not an idle
  // timer's: a data connection may be quiet for as long as the application likes. It
  // keeps its StreamSlot, so data connections count against the per-source limits.
  const timeval write_timeout{static_cast<time_t>(settings_.write_timeout_s), 0};
  bufferevent_set_timeouts(bev_.get(), nullptr,
                           settings_.write_timeout_s ? &write_timeout : nullptr);
  bufferevent_setwatermark(bev_.get(), EV_WRITE, 0, 0);
  pipe_ = std::make_unique<PeerPipe>(bev_.get(), std::move(*bound_peer_),
                                     counters_.relayed[static_cast<size_t>(ctx_.transport)],
                                     [this] { close(); });
  bound_peer_.reset();
  if (!pipe_->ok()) {
    close();
    return false;
  }
  // Bytes the client sent right after its ConnectionBind are the peer's.
  pipe_->client_readable();
  return true;
}

void StreamConnection::close_when_flushed() {
  if (evbuffer_get_length(bufferevent_get_output(bev_.get())) == 0) {
    close();
    return;
  }
  flushing_ = true;
  bufferevent_disable(bev_.get(), EV_READ);
  // on_write once the output is empty; a client that stops reading meets the write timeout.
  bufferevent_setwatermark(bev_.get(), EV_WRITE, 0, 0);
}

bool StreamConnection::unauthenticated_answer_is_free() {
  return allocated_ || ++unauthenticated_answers_ <= kFreeUnauthenticatedAnswers;
}

void StreamConnection::on_allocated(int64_t max_lifetime_s) {
  allocated_ = true;
  slot_.release();
  allocate_deadline_.reset();
  // A live client refreshes within its allocation's lifetime, so silence for longer than
  // the longest lifetime means it is gone.
  const timeval idle{static_cast<time_t>(max_lifetime_s + 60), 0};
  bufferevent_set_timeouts(bev_.get(), &idle, nullptr);
}

void StreamConnection::on_deallocated() {
  if (!allocated_) return;
  allocated_ = false;
  if (auto admission = slot_.retake(); admission != StreamLimits::Admission::Admitted) {
    close_after_reply(refusal_counter(admission, counters_), Linger::Flushed);
    return;
  }
  arm_unallocated_bounds();
}

bool StreamConnection::send_relayed(std::span<const uint8_t> frame) {
  // Relayed media is datagram-like: a client that does not keep up loses packets rather
  // than growing our buffers.
  if (evbuffer_get_length(bufferevent_get_output(bev_.get())) >= kMaxPendingOutput) {
    counters_.stream_relay_drops.add();
    return false;
  }
  return write_message(frame);
}

bool StreamConnection::write_message(std::span<const uint8_t> message) {
  if (!staging_) return bufferevent_write(bev_.get(), message.data(), message.size()) == 0;
  // libevent's OpenSSL bufferevent calls SSL_write once per chain of the output buffer, so
  // a message in a chain of its own leaves as a TLS record of its own. Clients such as
  // coturn's turnutils read one record as one message and lose the second of two packed
  // together; evbuffer_add_buffer links the staged chain without merging or copying it.
  evbuffer* output = bufferevent_get_output(bev_.get());
  return evbuffer_add(staging_.get(), message.data(), message.size()) == 0 &&
         evbuffer_add_buffer(output, staging_.get()) == 0;
}

void StreamConnection::close() {
  dispatcher_.on_stream_closed(ctx_);
  // on_close_ destroys this object; nothing may touch members afterwards.
  auto cb = std::move(on_close_);
  cb(this);
}

}  // namespace tern

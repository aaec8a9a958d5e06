#include "server/worker/peer_pipe.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "server/core/request_context.h"

namespace tern {

namespace {
constexpr size_t kMaxPending = 1 << 20;  // per direction
constexpr timeval kAllocationCheck{1, 0};
// A side held back by max-bps reads again after this; the bucket refills by the ms.
constexpr timeval kThrottleRetry{0, 20'000};

size_t pending(bufferevent* bev) {
  return evbuffer_get_length(bufferevent_get_output(bev));
}
}  // namespace

// Moves what `from` received to `to`'s output, as much as the allocation's max-bps
// lets through now (the rest waits in `from`'s input, which stops reading until the
// throttle timer); pauses `from` while `to` is full.
void PeerPipe::forward(bufferevent* from, bufferevent* to, PeerDirection direction) {
  evbuffer* input = bufferevent_get_input(from);
  const size_t have = evbuffer_get_length(input);
  if (have == 0) return;
  const size_t granted = hold_->admit(direction, have, steady_ms());
  (direction == PeerDirection::ToPeer ? relayed_.bytes_to_peer : relayed_.bytes_to_client)
      .add(granted);
  evbuffer_remove_buffer(input, bufferevent_get_output(to), granted);
  if (pending(to) >= kMaxPending) bufferevent_disable(from, EV_READ);
  if (granted < have) {
    bufferevent_disable(from, EV_READ);
    if (throttle_ && !evtimer_pending(throttle_.get(), nullptr)) {
      evtimer_add(throttle_.get(), &kThrottleRetry);
    }
  }
}

void PeerPipe::on_throttle(evutil_socket_t, short, void* self) {
  auto* p = static_cast<PeerPipe*>(self);
  if (p->flushing_) return;
  if (pending(p->peer_.get()) < kMaxPending) {
    bufferevent_enable(p->client_, EV_READ);
    p->client_readable();
  }
  if (pending(p->client_) < kMaxPending) {
    bufferevent_enable(p->peer_.get(), EV_READ);
    on_peer_read(p->peer_.get(), p);
  }
}

PeerPipe::PeerPipe(bufferevent* client, BoundPeer peer, WorkerCounters::Relayed& relayed,
                   std::function<void()> on_end)
    : client_(client), hold_(std::move(peer.hold)), relayed_(relayed), on_end_(std::move(on_end)) {
  event_base* base = bufferevent_get_base(client_);
  const int one = 1;
  ::setsockopt(peer.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  peer_.reset(bufferevent_socket_new(base, peer.fd.get(), BEV_OPT_CLOSE_ON_FREE));
  if (!peer_) return;
  peer.fd.release();
  bufferevent_setcb(peer_.get(), on_peer_read, on_peer_write, on_peer_event, this);
  bufferevent_setwatermark(peer_.get(), EV_WRITE, kMaxPending / 2, 0);
  bufferevent_enable(peer_.get(), EV_READ | EV_WRITE);
  check_.reset(event_new(base, -1, EV_PERSIST, on_check, this));
  if (check_) event_add(check_.get(), &kAllocationCheck);
  throttle_.reset(evtimer_new(base, on_throttle, this));
}

void PeerPipe::client_readable() {
  if (flushing_) return;
  forward(client_, peer_.get(), PeerDirection::ToPeer);
}

void PeerPipe::client_drained() {
  if (flushing_ == client_) {
    if (pending(client_) == 0) on_end_();
    return;
  }
  if (!flushing_ && pending(client_) < kMaxPending) {
    bufferevent_enable(peer_.get(), EV_READ);
    on_peer_read(peer_.get(), this);
  }
}

void PeerPipe::client_ended() {
  client_readable();  // whatever arrived with the end still goes
  end_when_flushed(peer_.get());
}

void PeerPipe::on_peer_read(bufferevent*, void* self) {
  auto* p = static_cast<PeerPipe*>(self);
  if (!p->flushing_) p->forward(p->peer_.get(), p->client_, PeerDirection::ToClient);
}

void PeerPipe::on_peer_write(bufferevent*, void* self) {
  auto* p = static_cast<PeerPipe*>(self);
  if (p->flushing_ == p->peer_.get()) {
    if (pending(p->peer_.get()) == 0) p->on_end_();
    return;
  }
  if (!p->flushing_ && pending(p->peer_.get()) < kMaxPending) {
    bufferevent_enable(p->client_, EV_READ);
    p->client_readable();
  }
}

void PeerPipe::on_peer_event(bufferevent*, short what, void* self) {
  auto* p = static_cast<PeerPipe*>(self);
  if (what & BEV_EVENT_EOF) {
    on_peer_read(p->peer_.get(), p);
    return p->end_when_flushed(p->client_);
  }
  p->on_end_();  // a reset or an error: nothing more can be delivered
}

void PeerPipe::end_when_flushed(bufferevent* side) {
  if (pending(side) == 0) return on_end_();
  // When one side closes, the other is closed too (RFC 6062 §5.5); what it was already
  // sent is written first.
  flushing_ = side;
  bufferevent_disable(client_, EV_READ);
  bufferevent_disable(peer_.get(), EV_READ);
}

void PeerPipe::on_check(evutil_socket_t, short, void* self) {
  auto* p = static_cast<PeerPipe*>(self);
  if (!p->hold_->allocation_alive()) p->on_end_();
}

}  // namespace tern

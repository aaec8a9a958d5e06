#include "server/worker/peer_pipe.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace tern {

namespace {
constexpr size_t kMaxPending = 1 << 20;  // per direction
constexpr timeval kAllocationCheck{1, 0};

size_t pending(bufferevent* bev) {
  return evbuffer_get_length(bufferevent_get_output(bev));
}

// Moves what `from` received to `to`'s output; pauses `from` while `to` is full.
void forward(bufferevent* from, bufferevent* to, Counter& bytes) {
  evbuffer* input = bufferevent_get_input(from);
  bytes.add(evbuffer_get_length(input));
  evbuffer_add_buffer(bufferevent_get_output(to), input);
  if (pending(to) >= kMaxPending) bufferevent_disable(from, EV_READ);
}
}  // namespace

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
}

void PeerPipe::client_readable() {
  if (flushing_) return;
  forward(client_, peer_.get(), relayed_.bytes_to_peer);
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
  if (!p->flushing_) forward(p->peer_.get(), p->client_, p->relayed_.bytes_to_client);
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

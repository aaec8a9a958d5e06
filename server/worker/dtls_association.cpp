#include "server/worker/dtls_association.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <string>

#include "base/openssl_error.h"

namespace tern {

namespace {
// As for a TCP/TLS connection (stream_connection.cpp): silence before an allocation.
constexpr int64_t kUnallocatedIdleMs = 30'000;
// A client's first unauthenticated error answer is free, as on a stream.
constexpr uint32_t kFreeUnauthenticatedAnswers = 1;

timeval from_ms(int64_t ms) {
  ms = std::max<int64_t>(ms, 1);
  return {static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}
}  // namespace

DtlsAssociation::DtlsAssociation(DtlsShared& shared, DtlsOwner& owner, SslPtr ssl,
                                 RequestContext ctx, StreamSlot slot)
    : s_(shared),
      owner_(owner),
      ssl_(std::move(ssl)),
      in_(SSL_get_rbio(ssl_.get())),
      check_{&shared.cookies, ctx.client, 0},
      ctx_(ctx),
      slot_(std::move(slot)),
      started_ms_(steady_ms()),
      unallocated_since_ms_(started_ms_),
      last_rx_ms_(started_ms_),
      idle_ms_(kUnallocatedIdleMs) {
  ctx_.link.stream = this;
  // The cookie callbacks read the client from here, no longer from the listener's.
  SSL_set_app_data(ssl_.get(), &check_);
  retransmit_.reset(evtimer_new(s_.base, on_retransmit, this));
  life_.reset(evtimer_new(s_.base, on_life, this));
}

bool DtlsAssociation::start() {
  check_.now_ms = started_ms_;
  arm_life(started_ms_);
  return handshake();
}

void DtlsAssociation::receive(std::span<const uint8_t> datagram, const RequestContext& batch) {
  ctx_.now = batch.now;
  ctx_.received_us = batch.received_us;
  ctx_.mono_ms = batch.mono_ms;
  check_.now_ms = batch.mono_ms;
  last_rx_ms_ = batch.mono_ms;
  BIO_write(in_, datagram.data(), static_cast<int>(datagram.size()));
  if (!established_ && (!handshake() || !established_)) return;
  read_records();
}

bool DtlsAssociation::handshake() {
  ERR_clear_error();
  const int done = SSL_do_handshake(ssl_.get());
  if (done == 1) {
    established_ = true;
    owner_.on_established();
    s_.counters.dtls_handshakes.add();
    evtimer_del(retransmit_.get());
    return true;
  }
  const int error = SSL_get_error(ssl_.get(), done);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    arm_retransmit();
    return true;
  }
  fail(openssl_reason());
  return false;
}

void DtlsAssociation::read_records() {
  auto& plaintext = s_.plaintext;
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(ssl_.get(), plaintext.data(), static_cast<int>(plaintext.size()));
    if (n <= 0) {
      const int error = SSL_get_error(ssl_.get(), n);
      if (error == SSL_ERROR_WANT_READ) return;
      // SSL_ERROR_ZERO_RETURN: the client's close_notify. Anything else: the session broke.
      close();
      return;
    }
    const size_t reply = s_.dispatcher.handle(
        std::span<const uint8_t>(plaintext.data(), static_cast<size_t>(n)), ctx_, s_.reply);
    if (reply > 0) write(std::span<const uint8_t>(s_.reply.data(), reply));
    if (close_reason_) {
      close_reason_->add();
      close();
      return;
    }
  }
}

bool DtlsAssociation::write(std::span<const uint8_t> message) {
  ERR_clear_error();
  if (SSL_write(ssl_.get(), message.data(), static_cast<int>(message.size())) > 0) return true;
  ERR_clear_error();
  return false;
}

bool DtlsAssociation::send_relayed(std::span<const uint8_t> frame) {
  if (!established_ || !write(frame)) {
    s_.counters.stream_relay_drops.add();
    return false;
  }
  return true;
}

void DtlsAssociation::on_allocated(int64_t max_lifetime_s) {
  allocated_ = true;
  slot_.release();
  // A live client refreshes within its allocation's lifetime (as on a stream).
  idle_ms_ = (max_lifetime_s + 60) * 1000;
}

void DtlsAssociation::on_deallocated() {
  if (!allocated_) return;
  allocated_ = false;
  idle_ms_ = kUnallocatedIdleMs;
  unallocated_since_ms_ = ctx_.mono_ms;
  if (auto admission = slot_.retake(); admission != StreamLimits::Admission::Admitted) {
    close_after_reply(refusal_counter(admission, s_.counters), Linger::No);
    return;
  }
  arm_life(ctx_.mono_ms);
}

bool DtlsAssociation::unauthenticated_answer_is_free() {
  return allocated_ || ++unauthenticated_answers_ <= kFreeUnauthenticatedAnswers;
}

void DtlsAssociation::fail(std::string_view reason) {
  s_.counters.dtls_handshake_failures.add();
  s_.dispatcher.on_tls_handshake_failed(ctx_, "DTLS: " + std::string(reason));
  close();
}

void DtlsAssociation::close() {
  // A close_notify, so the client learns at once rather than by its own timeout.
  if (established_) SSL_shutdown(ssl_.get());
  s_.dispatcher.on_stream_closed(ctx_);
  owner_.remove(ctx_.client, established_);  // destroys this
}

void DtlsAssociation::arm_retransmit() {
  timeval after{};
  if (DTLSv1_get_timeout(ssl_.get(), &after) == 1) evtimer_add(retransmit_.get(), &after);
}

void DtlsAssociation::on_retransmit(evutil_socket_t, short, void* self) {
  auto* a = static_cast<DtlsAssociation*>(self);
  if (a->established_) return;
  // OpenSSL resends its last flight, doubling the wait each time; past its limit the
  // client is gone.
  if (DTLSv1_handle_timeout(a->ssl_.get()) < 0) return a->fail("retransmissions exhausted");
  a->arm_retransmit();
}

void DtlsAssociation::arm_life(int64_t now_ms) {
  int64_t next = last_rx_ms_ + idle_ms_;
  if (!established_) {
    next = std::min<int64_t>(next, started_ms_ + s_.handshake_timeout_s * int64_t{1000});
  }
  const uint32_t allocate_s = s_.limits.settings().allocate_timeout_s;
  if (!allocated_ && allocate_s) {
    next = std::min<int64_t>(next, unallocated_since_ms_ + allocate_s * int64_t{1000});
  }
  const timeval after = from_ms(next - now_ms);
  evtimer_add(life_.get(), &after);
}

void DtlsAssociation::on_life(evutil_socket_t, short, void* self) {
  auto* a = static_cast<DtlsAssociation*>(self);
  const int64_t now = steady_ms();
  auto& counters = a->s_.counters;
  if (!a->established_ && now >= a->started_ms_ + a->s_.handshake_timeout_s * int64_t{1000}) {
    return a->fail("handshake timeout");
  }
  const uint32_t allocate_s = a->s_.limits.settings().allocate_timeout_s;
  if (!a->allocated_ && allocate_s &&
      now >= a->unallocated_since_ms_ + allocate_s * int64_t{1000}) {
    counters.stream_closed_allocate_timeout.add();
    return a->close();
  }
  if (now >= a->last_rx_ms_ + a->idle_ms_) {
    counters.stream_closed_idle.add();
    return a->close();
  }
  a->arm_life(now);
}

}  // namespace tern

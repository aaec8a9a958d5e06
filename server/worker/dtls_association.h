#pragma once
// One DTLS client, after its cookie round trip: its session, the handshake's retransmit
// timer and deadline, then STUN/TURN messages and ChannelData one per record. It is the
// client's ClientStream, so an allocation made through it sends relayed data into the
// session, and the association ends with the allocation (and the reverse).

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/dtls_cookie.h"
#include "base/libevent.h"
#include "server/core/client_link.h"
#include "server/core/request_context.h"
#include "server/shared/stream_limits.h"
#include "server/worker/dispatcher.h"

namespace tern {

// What the associations of one listening socket share (their endpoint holds it).
struct DtlsShared {
  event_base* base;
  Dispatcher& dispatcher;
  WorkerCounters& counters;
  StreamLimits& limits;
  uint32_t handshake_timeout_s;  // --dtls-handshake-timeout
  DtlsCookies cookies;
  std::vector<uint8_t> plaintext;  // one record's payload
  std::vector<uint8_t> reply;      // the dispatcher's answer
};

// The association's owner (DtlsEndpoint), told when the handshake completes and asked to
// destroy the association when it ends.
class DtlsOwner {
 public:
  virtual void on_established() = 0;
  // `client` is a copy: the key may live in the association being destroyed.
  virtual void remove(TransportAddress client, bool established) = 0;

 protected:
  ~DtlsOwner() = default;
};

class DtlsAssociation final : public ClientStream {
 public:
  // `ssl` has the client's ClientHello buffered (DTLSv1_listen) and sends to it.
  DtlsAssociation(DtlsShared& shared, DtlsOwner& owner, SslPtr ssl, RequestContext ctx,
                  StreamSlot slot);
  DtlsAssociation(const DtlsAssociation&) = delete;
  DtlsAssociation& operator=(const DtlsAssociation&) = delete;

  // Continues the handshake with what DTLSv1_listen buffered. False: closed (destroyed).
  bool start();
  // One datagram from the client; may close (destroy) the association.
  void receive(std::span<const uint8_t> datagram, const RequestContext& batch);
  bool established() const { return established_; }

  // ClientStream
  bool send_relayed(std::span<const uint8_t> frame) override;
  void on_allocated(int64_t max_lifetime_s) override;
  void on_deallocated() override;
  uint32_t count_auth_failure() override { return ++auth_failures_; }
  bool unauthenticated_answer_is_free() override;
  void close_after_reply(Counter& reason, Linger) override {
    if (!close_reason_) close_reason_ = &reason;  // records leave at once: nothing to flush
  }
  void close() override;
  // RFC 6062 data connections are TCP only (Allocate refuses TCP over DTLS).
  void bind_peer(BoundPeer) override {}

 private:
  static void on_retransmit(evutil_socket_t, short, void* self);
  static void on_life(evutil_socket_t, short, void* self);
  // False when the association was closed.
  bool handshake();
  void read_records();
  bool write(std::span<const uint8_t> message);
  void fail(std::string_view reason);
  void arm_retransmit();
  // The next of the handshake deadline, the allocate deadline and the idle limit.
  void arm_life(int64_t now_ms);

  DtlsShared& s_;
  DtlsOwner& owner_;
  SslPtr ssl_;
  BIO* in_;  // the memory BIO datagrams are fed through; owned by ssl_
  DtlsCookieCheck check_;
  RequestContext ctx_;
  StreamSlot slot_;
  int64_t started_ms_;
  int64_t unallocated_since_ms_;  // max-allocate-timeout counts from here
  int64_t last_rx_ms_;
  int64_t idle_ms_;
  bool established_ = false;
  bool allocated_ = false;
  Counter* close_reason_ = nullptr;
  uint32_t auth_failures_ = 0;
  uint32_t unauthenticated_answers_ = 0;
  // Last: the events go before what their callbacks use.
  EventPtr retransmit_;
  EventPtr life_;
};

}  // namespace tern

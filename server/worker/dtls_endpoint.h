#pragma once
// DTLS 1.2 on the TLS port's UDP socket (coturn's way: TLS on TCP, DTLS on UDP, one port).
// A ClientHello from a source with no association goes through OpenSSL's stateless cookie
// exchange (DTLSv1_listen) on one listening session shared by every source: until a
// client echoes a cookie made for its address, nothing is kept for it, so spoofed
// ClientHellos cost one HelloVerifyRequest each and no memory. Only then is a
// DtlsAssociation made, counted against the half-open bound and the stream limits.

#include <cstddef>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/dtls_cookie.h"
#include "base/libevent.h"
#include "base/tls_context.h"
#include "protocol/transport_address.h"
#include "server/core/counters.h"
#include "server/core/request_context.h"
#include "server/shared/stream_limits.h"
#include "server/worker/dispatcher.h"
#include "server/worker/dtls_association.h"

namespace tern {

class DtlsEndpoint final : public DtlsOwner {
 public:
  struct Deps {
    event_base* base;
    int fd;  // the listening socket, not owned
    TransportAddress local;
    const ServerTls& tls;
    Dispatcher& dispatcher;
    WorkerCounters& counters;
    StreamLimits& limits;
    uint32_t handshake_timeout_s;  // --dtls-handshake-timeout
    // --dtls-max-half-open: associations whose handshake has not completed on this socket;
    // past it a client that finished its cookie round trip is ignored (and retries).
    uint32_t max_half_open;
  };
  explicit DtlsEndpoint(Deps deps);
  ~DtlsEndpoint() = default;
  DtlsEndpoint(const DtlsEndpoint&) = delete;
  DtlsEndpoint& operator=(const DtlsEndpoint&) = delete;

  // RFC 7983 §7: a first byte in 20..63 is DTLS (STUN starts with 0..3, ChannelData 64..79).
  static bool is_record(std::span<const uint8_t> datagram) {
    return !datagram.empty() && datagram[0] >= 20 && datagram[0] <= 63;
  }
  // One datagram from `ctx.client` (the batch's clocks in `ctx`). `accept_new` false: the
  // listener is retired, only existing associations are served.
  void receive(std::span<const uint8_t> datagram, const RequestContext& ctx, bool accept_new);
  size_t associations() const { return by_client_.size(); }

 private:
  struct AddressHash {
    size_t operator()(const TransportAddress& a) const noexcept { return hash_address(0, a); }
  };
  void listen(std::span<const uint8_t> datagram, const RequestContext& ctx);
  SslPtr new_listening_session();
  void associate(SslPtr ssl, const RequestContext& ctx);
  // DtlsOwner
  void on_established() override { --half_open_; }
  void remove(TransportAddress client, bool established) override;

  Deps d_;
  DtlsShared shared_;
  size_t half_open_ = 0;
  DtlsCookieCheck listen_check_;
  SslPtr listening_;
  std::unique_ptr<BIO_ADDR, Deleter<BIO_ADDR_free>> peer_;
  std::unordered_map<TransportAddress, std::unique_ptr<DtlsAssociation>, AddressHash> by_client_;
};

}  // namespace tern

#include "server/worker/dtls_endpoint.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/dtls_bio.h"
#include "base/socket_address.h"

namespace tern {

namespace {
// Handshake records are cut to this (RFC 8656 §3.7's recommended path MTU): the
// certificate flight must cross paths that drop IP fragments.
constexpr long kMtu = 1200;
// DTLS 1.2 carries at most 2^14 bytes of plaintext in a record.
constexpr size_t kMaxPlaintext = 16384;
constexpr size_t kReplySize = 65536 + 64;
constexpr uint8_t kHandshakeRecord = 22;
}  // namespace

DtlsEndpoint::DtlsEndpoint(Deps deps)
    : d_(deps),
      shared_{deps.base,
              deps.dispatcher,
              deps.counters,
              deps.limits,
              deps.handshake_timeout_s,
              DtlsCookies(steady_ms()),
              std::vector<uint8_t>(kMaxPlaintext),
              std::vector<uint8_t>(kReplySize)},
      peer_(BIO_ADDR_new()) {}

void DtlsEndpoint::receive(std::span<const uint8_t> datagram, const RequestContext& ctx,
                           bool accept_new) {
  if (auto it = by_client_.find(ctx.client); it != by_client_.end()) {
    it->second->receive(datagram, ctx);  // may destroy it
    return;
  }
  if (accept_new) listen(datagram, ctx);
}

SslPtr DtlsEndpoint::new_listening_session() {
  SslPtr ssl = d_.tls.new_dtls_connection();
  if (!ssl) return ssl;
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = new_sendto_bio(d_.fd, SockAddr{},
                            {d_.counters.dtls_hello_verify_sent, d_.counters.udp_send_failures});
  if (in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    return {};
  }
  // An empty input is "try again later", not the end of the stream.
  BIO_set_mem_eof_return(in, -1);
  SSL_set_bio(ssl.get(), in, out);  // the session owns both from here
  SSL_set_mtu(ssl.get(), kMtu);
  SSL_set_app_data(ssl.get(), &listen_check_);
  return ssl;
}

void DtlsEndpoint::listen(std::span<const uint8_t> datagram, const RequestContext& ctx) {
  // Only a ClientHello starts an association; anything else from a stranger is dropped
  // before OpenSSL sees it.
  if (datagram[0] != kHandshakeRecord) {
    d_.counters.dropped_not_stun.add();
    return;
  }
  if (!listening_) listening_ = new_listening_session();
  if (!listening_ || !peer_) return;
  listen_check_ = {&shared_.cookies, ctx.client, ctx.mono_ms};
  set_sendto_peer(SSL_get_wbio(listening_.get()), to_sockaddr(ctx.client));
  BIO* in = SSL_get_rbio(listening_.get());
  BIO_write(in, datagram.data(), static_cast<int>(datagram.size()));
  ERR_clear_error();
  const int listened = DTLSv1_listen(listening_.get(), peer_.get());
  if (listened <= 0) {
    // 0: answered with a HelloVerifyRequest, or not a ClientHello; < 0: the session is in
    // a state no next sender should meet, so the next one gets a fresh session.
    if (listened < 0) listening_.reset();
    if (listening_) (void)BIO_reset(in);
    ERR_clear_error();
    return;
  }
  // The cookie came back: this session is the client's now, and the next stranger gets a
  // new one.
  associate(std::move(listening_), ctx);
}

void DtlsEndpoint::associate(SslPtr ssl, const RequestContext& ctx) {
  if (half_open_ >= d_.max_half_open) {
    d_.counters.dtls_refused_half_open.add();
    return;
  }
  if (auto admission = d_.limits.admit(ctx.client);
      admission != StreamLimits::Admission::Admitted) {
    refusal_counter(admission, d_.counters).add();
    return;
  }
  StreamSlot slot(&d_.limits, ctx.client);
  BIO* out = new_sendto_bio(d_.fd, to_sockaddr(ctx.client),
                            {d_.counters.udp_datagrams_out, d_.counters.udp_send_failures});
  if (out == nullptr) return;
  SSL_set0_wbio(ssl.get(), out);  // frees the listener's
  RequestContext actx;
  actx.transport = Transport::Dtls;
  actx.client = ctx.client;
  actx.local = ctx.local;
  auto a = std::make_unique<DtlsAssociation>(shared_, *this, std::move(ssl), actx, std::move(slot));
  d_.counters.dtls_associations.add();
  ++half_open_;
  DtlsAssociation* raw = a.get();
  by_client_.emplace(ctx.client, std::move(a));
  raw->start();
}

void DtlsEndpoint::remove(TransportAddress client, bool established) {
  if (!established) --half_open_;
  if (by_client_.erase(client) > 0) d_.counters.dtls_associations_closed.add();
}

}  // namespace tern

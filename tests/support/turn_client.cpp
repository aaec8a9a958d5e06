#include "tests/support/turn_client.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <chrono>

#include "protocol/channel_data.h"
#include "protocol/integrity.h"
#include "protocol/password_algorithms.h"
#include "protocol/text_attributes.h"
#include "protocol/turn_address_family.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"
#include "tests/support/stun_requests.h"

namespace tern::test {
namespace {

using Clock = std::chrono::steady_clock;

// Long enough for a loaded two-core machine running tests side by side; a server that
// answers nothing still fails the test well within its time limit.
constexpr Millis kResponseTimeout{3000};

Bytes digest(const EVP_MD* md, std::string_view text) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  if (EVP_Digest(text.data(), text.size(), out.data(), &n, md, nullptr) != 1) n = 0;
  out.resize(n);
  return out;
}

bool is_channel_data(std::span<const uint8_t> frame) {
  return !frame.empty() && (frame[0] >> 6) == 1;
}

Millis remaining(Clock::time_point deadline) {
  return std::max(Millis(0), std::chrono::duration_cast<Millis>(deadline - Clock::now()));
}

}  // namespace

const char* to_string(Relayed::Kind k) {
  return k == Relayed::Kind::DataIndication ? "Data indication" : "ChannelData";
}

Body allocate_body(const AllocateOptions& o) {
  return [o](stun::MessageBuilder& b) {
    if (o.transport) stun::RequestedTransport{*o.transport}.add_to(b);
    if (o.family) stun::RequestedAddressFamily{*o.family}.add_to(b);
    if (o.additional_family) stun::AdditionalAddressFamily{*o.additional_family}.add_to(b);
    if (o.even_port) stun::EvenPort{*o.even_port}.add_to(b);
    if (o.reservation_token) stun::ReservationToken{*o.reservation_token}.add_to(b);
    if (o.lifetime) stun::Lifetime{*o.lifetime}.add_to(b);
    if (o.dont_fragment) stun::DontFragment{}.add_to(b);
  };
}

Result<TurnClient, std::string> TurnClient::connect(Transport transport,
                                                    const TransportAddress& server,
                                                    TurnCredentials credentials) {
  auto stun = StunClient::connect(transport, server);
  if (!stun) return unexpected(stun.error());
  return TurnClient(std::move(*stun), std::move(credentials));
}

Result<TurnClient, std::string> TurnClient::connect_from(Transport transport,
                                                         const TransportAddress& local,
                                                         const TransportAddress& server,
                                                         TurnCredentials credentials) {
  auto stun = StunClient::connect_from(transport, local, server);
  if (!stun) return unexpected(stun.error());
  return TurnClient(std::move(*stun), std::move(credentials));
}

Bytes long_term_key(std::string_view username, std::string_view realm, std::string_view password,
                    bool sha256) {
  std::string text;
  text.append(username).append(":").append(realm).append(":").append(password);
  return digest(sha256 ? EVP_sha256() : EVP_md5(), text);
}

Bytes TurnClient::key() const {
  return long_term_key(credentials_.username, challenge_.realm, credentials_.password,
                       credentials_.sha256);
}

void TurnClient::append_credentials(stun::MessageBuilder& b, const AuthParts& parts) const {
  if (!parts.integrity) return;
  if (parts.username) {
    if (credentials_.userhash) {
      stun::Userhash::compute(credentials_.username, challenge_.realm).add_to(b);
    } else {
      stun::Username{credentials_.username}.add_to(b);
    }
  }
  if (parts.realm) stun::Realm{challenge_.realm}.add_to(b);
  if (parts.nonce) stun::Nonce{challenge_.nonce}.add_to(b);
  // RFC 8489 §9.2.3.2: a client that got PASSWORD-ALGORITHMS sends it back unchanged with
  // the PASSWORD-ALGORITHM it picked from it.
  const auto& list = parts.password_algorithms_override ? parts.password_algorithms_override
                                                        : challenge_.password_algorithms;
  if ((!credentials_.legacy && list) || credentials_.sha256) {
    if (list) b.add(stun::attr::PasswordAlgorithms, std::span<const uint8_t>(*list));
    stun::PasswordAlgorithm{.algorithm = credentials_.sha256 ? stun::PasswordAlgorithm::kSha256
                                                             : stun::PasswordAlgorithm::kMd5,
                            .params = {}}
        .add_to(b);
  }
  const Bytes k = key();
  if (credentials_.sha256) {
    stun::add_message_integrity_sha256(b, k);
  } else {
    stun::add_message_integrity(b, k);
  }
}

Bytes TurnClient::build_request(stun::Method method, const Body& body, const AuthParts& parts,
                                std::optional<stun::TransactionId> id) const {
  Bytes buf(4096);
  const stun::TransactionId tid = id.value_or(random_transaction_id());
  stun::MessageBuilder b(buf, method, stun::Class::Request, tid);
  if (body) body(b);
  append_credentials(b, parts);
  buf.resize(b.ok() ? b.size() : 0);
  return buf;
}

Result<TurnResponse, std::string> TurnClient::checked(Bytes response, bool signed_request) const {
  auto m = stun::MessageView::parse(response);
  if (!m) return unexpected("unparseable response: " + describe(response));
  ResponseIntegrity integrity = ResponseIntegrity::None;
  const Bytes k = key();
  if (m->has(stun::attr::MessageIntegrity)) {
    if (!stun::verify_message_integrity(*m, k)) {
      return unexpected("MESSAGE-INTEGRITY does not verify: " + describe(response));
    }
    integrity = ResponseIntegrity::Sha1;
  }
  if (m->has(stun::attr::MessageIntegritySha256)) {
    if (!stun::verify_message_integrity_sha256(*m, k)) {
      return unexpected("MESSAGE-INTEGRITY-SHA256 does not verify: " + describe(response));
    }
    integrity = ResponseIntegrity::Sha256;
  }
  TurnResponse r(std::move(response), integrity);
  // RFC 8489 §9.2.4: once the server has verified a request, every answer to it is signed;
  // only 401 and 438 (it could not verify) and 400 (it did not try) go unsigned.
  const uint16_t code = r.code();
  const bool may_be_unsigned = !r.is_success() && (code == 400 || code == 401 || code == 438);
  if (signed_request && integrity == ResponseIntegrity::None && !may_be_unsigned) {
    return unexpected("unsigned answer to an authenticated request: " + r.describe());
  }
  return r;
}

void TurnClient::learn_challenge(const TurnResponse& r) {
  if (r.is_success() || (r.code() != 401 && r.code() != 438)) return;
  auto realm = r.realm();
  auto nonce = r.nonce();
  if (!realm || !nonce) return;
  challenge_ = Challenge{*realm, *nonce, r.password_algorithms()};
}

bool TurnClient::keep_if_relayed(const Bytes& frame) {
  Relayed r;
  r.wire = frame;
  if (is_channel_data(frame)) {
    auto cd = stun::parse_channel_data(frame, stun::ChannelRange::Rfc5766);
    if (!cd) return false;
    r.kind = Relayed::Kind::ChannelData;
    r.channel = cd->channel;
    r.data.assign(cd->data.begin(), cd->data.end());
  } else {
    auto m = stun::MessageView::parse(frame);
    if (m && m->method() == stun::Method::ConnectionAttempt &&
        m->message_class() == stun::Class::Indication) {
      auto peer = stun::XorPeerAddress::get_from(*m);
      auto id = stun::ConnectionId::get_from(*m);
      if (!peer || !id) return false;
      attempts_.push_back({peer->address, id->id});
      return true;
    }
    if (!m || m->method() != stun::Method::Data || m->message_class() != stun::Class::Indication) {
      return false;
    }
    auto peer = stun::XorPeerAddress::get_from(*m);
    auto data = stun::DataAttribute::get_from(*m);
    if (!peer || !data) return false;
    r.kind = Relayed::Kind::DataIndication;
    r.peer = peer->address;
    r.data.assign(data->bytes.begin(), data->bytes.end());
  }
  pending_.push_back(std::move(r));
  return true;
}

Result<TurnResponse, std::string> TurnClient::transact(std::span<const uint8_t> request) {
  auto sent = stun::MessageView::parse(request);
  if (!sent) return unexpected(std::string("the request does not parse"));
  const stun::TransactionId id = sent->transaction_id_copy();
  const bool signed_request =
      sent->has(stun::attr::MessageIntegrity) || sent->has(stun::attr::MessageIntegritySha256);
  if (!stun_.send(request)) return unexpected("could not send " + describe(request));
  const auto deadline = Clock::now() + kResponseTimeout;
  for (;;) {
    auto frame = stun_.receive(remaining(deadline));
    if (!frame) {
      return unexpected("no answer to " + describe(request) + ": " + to_string(frame.error()));
    }
    if (keep_if_relayed(*frame)) continue;
    auto m = stun::MessageView::parse(*frame);
    // A late answer to an earlier transaction, or something else entirely: not ours.
    if (!m || m->transaction_id_copy() != id || m->method() != sent->method() ||
        (m->message_class() != stun::Class::SuccessResponse &&
         m->message_class() != stun::Class::ErrorResponse)) {
      continue;
    }
    auto r = checked(std::move(*frame), signed_request);
    if (r) learn_challenge(*r);
    return r;
  }
}

Result<TurnResponse, std::string> TurnClient::send_request(stun::Method method, const Body& body,
                                                           const AuthParts& parts) {
  return transact(build_request(method, body, parts));
}

Result<TurnResponse, std::string> TurnClient::request(stun::Method method, const Body& body) {
  if (challenge_.nonce.empty()) {
    auto first = send_request(method, body, {.integrity = false});
    if (!first || first->code() != 401 || challenge_.nonce.empty()) return first;
  }
  auto r = send_request(method, body);
  // RFC 8489 §9.2.5: a 438 carries a fresh nonce; retry once with it.
  if (r && r->code() == 438 && r->nonce()) r = send_request(method, body);
  return r;
}

Result<TurnResponse, std::string> TurnClient::allocate(const AllocateOptions& options) {
  auto r = request(stun::Method::Allocate, allocate_body(options));
  if (r && r->is_success()) relayed_ = r->relayed();
  return r;
}

Result<TurnResponse, std::string> TurnClient::connect_peer(const TransportAddress& peer) {
  return request(stun::Method::Connect,
                 [peer](stun::MessageBuilder& b) { stun::XorPeerAddress{peer}.add_to(b); });
}

Result<TurnResponse, std::string> TurnClient::connection_bind(uint32_t connection_id) {
  return request(stun::Method::ConnectionBind, [connection_id](stun::MessageBuilder& b) {
    stun::ConnectionId{connection_id}.add_to(b);
  });
}

Result<ConnectionAttempt, RecvError> TurnClient::receive_connection_attempt(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (attempts_.empty()) {
    auto frame = stun_.receive(remaining(deadline));
    if (!frame) return unexpected(frame.error());
    keep_if_relayed(*frame);
  }
  ConnectionAttempt a = attempts_.front();
  attempts_.pop_front();
  return a;
}

Result<TurnResponse, std::string> TurnClient::refresh(std::optional<uint32_t> lifetime) {
  return request(stun::Method::Refresh, [lifetime](stun::MessageBuilder& b) {
    if (lifetime) stun::Lifetime{*lifetime}.add_to(b);
  });
}

Result<TurnResponse, std::string> TurnClient::create_permission(
    const std::vector<TransportAddress>& peers) {
  return request(stun::Method::CreatePermission, [&peers](stun::MessageBuilder& b) {
    for (const auto& p : peers) stun::XorPeerAddress{p}.add_to(b);
  });
}

Result<TurnResponse, std::string> TurnClient::channel_bind(uint16_t channel,
                                                           const TransportAddress& peer) {
  return request(stun::Method::ChannelBind, [channel, peer](stun::MessageBuilder& b) {
    stun::ChannelNumber{channel}.add_to(b);
    stun::XorPeerAddress{peer}.add_to(b);
  });
}

bool TurnClient::send_indication(const TransportAddress& peer, std::span<const uint8_t> data) {
  Bytes buf(data.size() + 128);
  const stun::TransactionId id = random_transaction_id();
  stun::MessageBuilder b(buf, stun::Method::Send, stun::Class::Indication, id);
  stun::XorPeerAddress{peer}.add_to(b);
  stun::DataAttribute{data}.add_to(b);
  if (!b.ok()) return false;
  buf.resize(b.size());
  return stun_.send(buf);
}

bool TurnClient::send_channel_data(uint16_t channel, std::span<const uint8_t> data) {
  Bytes buf(stun::channel_data_size(data.size(), true));
  const bool pad = transport() == Transport::Tcp || transport() == Transport::Tls;
  const size_t n = stun::write_channel_data(buf, channel, data, pad, stun::ChannelRange::Rfc5766);
  if (n == 0) return false;
  buf.resize(n);
  return stun_.send(buf);
}

Result<Relayed, RecvError> TurnClient::receive_data(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (pending_.empty()) {
    auto frame = stun_.receive(remaining(deadline));
    if (!frame) return unexpected(frame.error());
    keep_if_relayed(*frame);
  }
  Relayed r = std::move(pending_.front());
  pending_.pop_front();
  return r;
}

TransportAddress TurnClient::relayed(Family family) const {
  auto it = std::ranges::find_if(relayed_, [family](const auto& a) { return a.family == family; });
  assert(it != relayed_.end());
  return it == relayed_.end() ? TransportAddress{} : *it;
}

}  // namespace tern::test

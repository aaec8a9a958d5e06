// The whole TURN server as one worker sees it: the real Dispatcher with a TurnContext
// attached (tests/server/turn/turn_fixture.h: TurnShared, AllocationTable, RelayIo, relay
// sockets on loopback, a fake clock), fed a script of events from the input:
//   byte 0: bit 0 auth on (user alice), bit 1 the second client speaks TCP
//   then events: [op][len hi][len lo][len bytes]
//     op & 3        which of three clients (two IPv4, one IPv6) or peers
//     (op >> 2) & 3 0: a datagram from the client as it is; 1: the same, signed by the
//                   harness as the known user with the last NONCE the server gave (so
//                   authenticated Allocate/Refresh/CreatePermission/ChannelBind sequences
//                   are reachable with auth on); 2: harness peer bytes[0] & 1 sends the
//                   rest to the client's relayed address (peer → client); 3: the clock moves
//                   on by the first byte × 10 s (lifetimes, permissions, channels expire)
// Checks: with auth on, nothing but a signed request ever adds an allocation; every relay
// port comes back when the allocations go.
//
// Relaying stays on loopback and away from other tests: relay IP 127.77.0.1 (and ::1),
// peers allowed only in 127.77.0.0/16 (and our own relays), clients unbound addresses.

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/socket_address.h"
#include "protocol/integrity.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/stun_constants.h"
#include "protocol/text_attributes.h"
#include "server/worker/dispatcher.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/server/turn/turn_fixture.h"

namespace {

using namespace tern;
using namespace tern::test;

constexpr uint16_t kRelayMin = 41000, kRelayMax = 41063;
constexpr size_t kMaxEvents = 64;

bool is_credential(uint16_t type) {
  switch (type) {
    case stun::attr::Username:
    case stun::attr::Realm:
    case stun::attr::Nonce:
    case stun::attr::MessageIntegrity:
    case stun::attr::MessageIntegritySha256:
    case stun::attr::Fingerprint:
    case stun::attr::Userhash:
    case stun::attr::PasswordAlgorithm:
    case stun::attr::PasswordAlgorithms:
      return true;
    default:
      return false;
  }
}

// A TCP client's connection as TURN code sees it: relayed frames must be whole
// ChannelData (padded to 4 bytes, RFC 8656 §12.5) or STUN.
class FakeStream final : public ClientStream {
 public:
  bool send_relayed(std::span<const uint8_t> frame) override {
    TERN_FUZZ_CHECK(frame.size() >= 4);
    if ((frame[0] & 0xC0) == 0x40) TERN_FUZZ_CHECK(frame.size() % 4 == 0);
    return true;
  }
  void on_allocated(int64_t) override {}
  void on_deallocated() override {}
  uint32_t count_auth_failure() override { return ++failures_; }
  bool unauthenticated_answer_is_free() override { return true; }
  void close_after_reply(Counter&, Linger) override {}
  void close() override {}
  void bind_peer(BoundPeer) override {}  // the peer connection closes with it

 private:
  uint32_t failures_ = 0;
};

class Harness {
 public:
  Harness(bool auth, bool tcp)
      : core_(TurnCoreOptions{.min_port = kRelayMin,
                              .max_port = kRelayMax,
                              .auth = auth,
                              .relay_ips = {"127.77.0.1", "::1"},
                              .user_quota = 3,
                              .allowed_peer_ips = {"127.77.0.0-127.77.255.255"},
                              .denied_peer_ips = {"0.0.0.0-255.255.255.255",
                                                  "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}}),
        limits_(1'000'000, 1'000'000),
        dispatcher_(DispatchOptions{.software = {},
                                    .allow_rfc3489 = false,
                                    .channels = stun::ChannelRange::Rfc5766,
                                    .limits = &limits_},
                    core_.counters()),
        auth_(auth),
        tcp_(tcp) {
    dispatcher_.attach_turn(&core_.ctx());
    server_ = LoopbackSocket::open(TransportAddress::v4({127, 77, 0, 1}, 0));
    server6_ = LoopbackSocket::open(
        TransportAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0));
    for (uint16_t i = 0; i < 2; ++i) {
      peers_[i] = LoopbackSocket::open(TransportAddress::v4({127, 77, 0, 2}, uint16_t(40000 + i)));
    }
  }
  ~Harness() { dispatcher_.attach_turn(nullptr); }

  void run(std::span<const uint8_t> in) {
    for (size_t n = 0; n < kMaxEvents && in.size() >= 3; ++n) {
      const uint8_t op = in[0];
      const size_t len = std::min<size_t>((size_t{in[1]} << 8) | in[2], in.size() - 3);
      event(op & 3, (op >> 2) & 3, in.subspan(3, len));
      in = in.subspan(3 + len);
    }
    finish();
  }

 private:
  TransportAddress client(unsigned i) const {
    if (i == 2) return TransportAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 9);
    return TransportAddress::v4({127, 77, 0, 10}, uint16_t(9 + i));
  }
  RequestContext context(unsigned i) const {
    const auto& server = i == 2 ? server6_ : server_;
    auto c = core_.context(client(i), server ? server->address : TransportAddress{},
                           server ? server->fd.get() : -1);
    if (tcp_ && i == 1) {  // the second client over TCP
      c.transport = Transport::Tcp;
      c.link = ClientLink{.udp_fd = -1, .stream = &stream_};
    }
    return c;
  }

  void event(unsigned who, unsigned kind, std::span<const uint8_t> bytes) {
    if (who == 3) who = 0;
    const size_t before = core_.table().size();
    switch (kind) {
      case 0:
        deliver(who, bytes);
        // Without integrity nothing may be allocated (the fuzzer cannot forge the HMAC).
        if (auth_) TERN_FUZZ_CHECK(core_.table().size() <= before);
        break;
      case 1:
        // As a client does: sent without credentials first, for the 401's NONCE.
        if (nonce_.empty()) {
          if (auto plain = rebuild(bytes, false)) deliver(who, *plain);
        }
        if (auto signed_bytes = rebuild(bytes, true)) deliver(who, *signed_bytes);
        break;
      case 2:
        from_peer(who, bytes);
        break;
      case 3:
        core_.advance_ms(int64_t{bytes.empty() ? 1 : bytes[0]} * 10'000);
        break;
    }
  }

  void deliver(unsigned who, std::span<const uint8_t> bytes) {
    const size_t n = dispatcher_.handle(bytes, context(who), out_);
    TERN_FUZZ_CHECK(n <= out_.size());
    if (n == 0) return;
    // Every answer is a STUN message, to the request it answers.
    auto m = stun::MessageView::parse(std::span(out_).first(n));
    TERN_FUZZ_CHECK(static_cast<bool>(m));
    if (auto request = stun::MessageView::parse(bytes)) {
      TERN_FUZZ_CHECK(std::ranges::equal(request->transaction_id(), m->transaction_id()));
    }
    // Keep the server's nonce and algorithms: signed requests use them.
    if (auto algorithms = m->find(stun::attr::PasswordAlgorithms)) {
      algorithms_.assign(algorithms->value.begin(), algorithms->value.end());
    }
    if (auto nonce = m->find(stun::attr::Nonce)) {
      nonce_.assign(nonce->value.begin(), nonce->value.end());
    }
  }

  // The request's own attributes, then (`sign`) the known user's credentials and
  // integrity.
  std::optional<std::vector<uint8_t>> rebuild(std::span<const uint8_t> bytes, bool sign) {
    auto m = stun::MessageView::parse(bytes);
    if (!m) return std::nullopt;
    std::vector<uint8_t> out(bytes.size() + 256);
    stun::MessageBuilder b(out, m->type(), m->transaction_id());
    for (size_t i = 0; i < m->attribute_count(); ++i) {
      const auto a = m->attribute(i);
      if (!is_credential(a.type)) b.add(a.type, a.value);
    }
    if (!sign) {
      out.resize(b.size());
      return out;
    }
    b.add(stun::attr::Username, kCoreUser);
    b.add(stun::attr::Realm, kCoreRealm);
    if (!nonce_.empty()) b.add(stun::attr::Nonce, std::span<const uint8_t>(nonce_));
    // RFC 8489 §9.2.4: a nonce with the security feature bits wants the server's list
    // echoed and the algorithm named (MD5, the key's).
    if (!algorithms_.empty()) {
      b.add(stun::attr::PasswordAlgorithms, std::span<const uint8_t>(algorithms_));
      b.add_u32(stun::attr::PasswordAlgorithm, 0x00010000);
    }
    stun::add_message_integrity(b, core_.key().bytes());
    if (!b.ok()) return std::nullopt;
    out.resize(b.size());
    return out;
  }

  // A peer sends to the relayed address of the client's allocation, if it has one.
  void from_peer(unsigned who, std::span<const uint8_t> bytes) {
    if (bytes.empty()) return;
    const auto& peer = peers_[bytes[0] & 1];  // the first byte picks the peer
    bytes = bytes.subspan(1);
    if (!peer) return;
    Allocation* a = core_.table().find(FiveTuple::of(context(who)), core_.clock_ms());
    if (!a) return;
    for (const auto& relay : a->relays()) {
      if (relay->address().family != Family::V4) continue;
      const SockAddr to = to_sockaddr(relay->address());
      (void)::sendto(peer->fd.get(), bytes.data(), bytes.size(), 0, to.get(), to.length);
    }
    for (int i = 0; i < 3; ++i) core_.poll();
  }

  // Every relay port comes back once the allocations are gone (reservations hold theirs).
  void finish() {
    core_.table().remove_if([](const Allocation&) { return true; });
    size_t leased = 0;
    for (const auto& pool : core_.shared().relay_pools().pools()) leased += pool->in_use();
    TERN_FUZZ_CHECK(leased == core_.shared().reservations.size());
  }

  TurnCore core_;
  UnauthenticatedLimits limits_;
  Dispatcher dispatcher_;
  bool auth_;
  bool tcp_;
  mutable FakeStream stream_;
  std::optional<LoopbackSocket> server_, server6_;
  std::array<std::optional<LoopbackSocket>, 2> peers_;
  std::vector<uint8_t> nonce_;
  std::vector<uint8_t> algorithms_;  // PASSWORD-ALGORITHMS as the server sent it
  std::array<uint8_t, 2048> out_{};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Harness h(data[0] & 1, data[0] & 2);
  h.run(std::span(data + 1, size - 1));
  return 0;
}

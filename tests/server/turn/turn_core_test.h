#pragma once
// The gtest side of TurnCore (turn_fixture.h): a held relay port range, one UDP client
// (its server socket is the ClientLink) and loopback peers, and readers for responses.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/message.h"
#include "protocol/turn_address_family.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"
#include "tests/server/turn/turn_fixture.h"
#include "tests/support/relay_port_range.h"
#include "tests/support/udp_peer.h"

namespace tern::test {

inline TransportAddress v4_loopback(uint16_t port = 0) {
  return TransportAddress::v4({127, 0, 0, 1}, port);
}

// 0 for a success response, the ERROR-CODE's number for an error, -1 for no response.
inline int code_of(std::span<const uint8_t> response) {
  auto m = stun::MessageView::parse(response);
  if (!m) return -1;
  if (m->message_class() == stun::Class::SuccessResponse) return 0;
  auto e = stun::ErrorCodeAttribute::get_from(*m);
  return e ? e->code : -1;
}

inline std::optional<TransportAddress> relayed_of(std::span<const uint8_t> response) {
  auto m = stun::MessageView::parse(response);
  if (!m) return std::nullopt;
  auto r = stun::XorRelayedAddress::get_from(*m);
  if (!r) return std::nullopt;
  return r->address;
}

inline std::optional<uint32_t> lifetime_of(std::span<const uint8_t> response) {
  auto m = stun::MessageView::parse(response);
  if (!m) return std::nullopt;
  auto l = stun::Lifetime::get_from(*m);
  if (!l) return std::nullopt;
  return l->seconds;
}

class TurnCoreTest : public ::testing::Test {
 protected:
  void SetUp() override { SetUpCore({}); }
  // Makes the core (again) with `o`, the port range filled in.
  void SetUpCore(TurnCoreOptions o) {
    if (!ports_) {
      ports_ = free_udp_port_range(16);
      ASSERT_TRUE(ports_) << "no free relay port range";
    }
    o.min_port = ports_->first;
    o.max_port = ports_->last;
    core_.reset();
    core_ = std::make_unique<TurnCore>(o);
    ASSERT_NE(&core_->shared(), nullptr);
    if (!server_) {
      server_ = LoopbackSocket::open(v4_loopback());
      ASSERT_TRUE(server_);
      auto c = UdpPeer::open(v4_loopback());
      ASSERT_TRUE(c) << c.error();
      client_.emplace(std::move(*c));
    }
  }

  TurnCore& core() { return *core_; }
  RequestContext ctx() const {
    return core_->context(client_->address(), server_->address, server_->fd.get());
  }
  template <typename Add>
  std::vector<uint8_t> send(stun::Method method, Add add) {
    return core_->handle(core_->request(method, add), ctx());
  }

  std::vector<uint8_t> allocate(uint32_t lifetime = 0) {
    return send(stun::Method::Allocate, [&](stun::MessageBuilder& b) {
      stun::RequestedTransport{}.add_to(b);
      if (lifetime) stun::Lifetime{lifetime}.add_to(b);
    });
  }
  // Allocates and returns the relayed address (a test failure when it cannot).
  TransportAddress allocated() {
    auto r = allocate();
    EXPECT_EQ(code_of(r), 0);
    return relayed_of(r).value_or(TransportAddress{});
  }
  std::vector<uint8_t> refresh(std::optional<uint32_t> lifetime) {
    return send(stun::Method::Refresh, [&](stun::MessageBuilder& b) {
      if (lifetime) stun::Lifetime{*lifetime}.add_to(b);
    });
  }
  std::vector<uint8_t> permit(const TransportAddress& peer) {
    return send(stun::Method::CreatePermission,
                [&](stun::MessageBuilder& b) { stun::XorPeerAddress{peer}.add_to(b); });
  }
  std::vector<uint8_t> bind(uint16_t channel, const TransportAddress& peer) {
    return send(stun::Method::ChannelBind, [&](stun::MessageBuilder& b) {
      stun::ChannelNumber{channel}.add_to(b);
      stun::XorPeerAddress{peer}.add_to(b);
    });
  }
  // A Send indication from the client, through its handler.
  void send_indication(const TransportAddress& peer, std::span<const uint8_t> data) {
    std::vector<uint8_t> bytes(1500);
    stun::MessageBuilder b(bytes, stun::Method::Send, stun::Class::Indication,
                           core_->next_transaction_id());
    stun::XorPeerAddress{peer}.add_to(b);
    b.add(stun::attr::Data, data);
    bytes.resize(b.size());
    auto m = stun::MessageView::parse(bytes);
    ASSERT_TRUE(m);
    handle_send_indication(core_->ctx(), *m, ctx());
  }
  void channel_data(uint16_t channel, std::span<const uint8_t> data) {
    std::vector<uint8_t> bytes(4 + data.size());
    bytes[0] = static_cast<uint8_t>(channel >> 8);
    bytes[1] = static_cast<uint8_t>(channel);
    bytes[2] = static_cast<uint8_t>(data.size() >> 8);
    bytes[3] = static_cast<uint8_t>(data.size());
    std::ranges::copy(data, bytes.begin() + 4);
    handle_channel_data(core_->ctx(), bytes, ctx());
  }
  // What reaches the client after a peer sent to the relay: the event loop runs until a
  // datagram arrives or `patience` passes.
  std::optional<Datagram> to_client(Millis patience = Millis(2000)) {
    return received_by(*client_, patience);
  }
  // The same for a client at another address (an RFC 8016 move's new one).
  std::optional<Datagram> received_by(UdpPeer& who, Millis patience = Millis(2000)) {
    const auto end = std::chrono::steady_clock::now() + patience;
    while (std::chrono::steady_clock::now() < end) {
      core_->poll();
      if (auto d = who.receive(Millis(10))) return std::move(*d);
    }
    return std::nullopt;
  }
  UdpPeer peer() {
    auto p = UdpPeer::open(v4_loopback());
    EXPECT_TRUE(p) << p.error();
    return std::move(*p);
  }

  std::optional<PortRange> ports_;
  std::optional<LoopbackSocket> server_;
  std::optional<UdpPeer> client_;
  std::unique_ptr<TurnCore> core_;
};

}  // namespace tern::test

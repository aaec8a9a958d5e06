// RFC 5780 NAT behaviour discovery against a real ternd listening on 127.0.0.1 and
// 127.0.0.2, each on its port and the port + 1 (and its TLS port and the TLS port + 1),
// inside a network namespace the test makes for itself (so the alternate ports are free
// and nothing else hears them): OTHER-ADDRESS and RESPONSE-ORIGIN over UDP, TCP, TLS and
// DTLS, CHANGE-REQUEST, RESPONSE-PORT, PADDING, the per-source limit on all of it, and two
// third-party clients, coturn's turnutils_natdiscovery and Debian's stun.

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/error_code.h"
#include "protocol/plain_address.h"
#include "protocol/rfc5780_attributes.h"
#include "protocol/unknown_attributes.h"
#include "protocol/xor_address.h"
#include "tests/support/network_namespace.h"
#include "tests/support/stun_requests.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternd_process.h"
#include "tests/support/udp_peer.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kNatDiscovery = "/usr/bin/turnutils_natdiscovery";
constexpr const char* kStun = "/usr/bin/stun";  // Debian's stun-client

const TransportAddress kIp1 = TransportAddress::v4({127, 0, 0, 1}, 0);
const TransportAddress kIp2 = TransportAddress::v4({127, 0, 0, 2}, 0);

TransportAddress at(TransportAddress ip, uint16_t port) {
  ip.port = port;
  return ip;
}

ExtraAttribute change_request(bool ip, bool port) {
  return {stun::attr::ChangeRequest, {0, 0, 0, uint8_t((ip ? 4 : 0) | (port ? 2 : 0))}};
}
ExtraAttribute response_port(uint16_t port) {
  return {stun::attr::ResponsePort, {uint8_t(port >> 8), uint8_t(port & 0xFF), 0, 0}};
}
ExtraAttribute padding(size_t length) {
  return {stun::attr::Padding, std::vector<uint8_t>(length, 0)};
}

UdpPeer open_peer(const TransportAddress& ip) {
  auto p = UdpPeer::open(ip);
  EXPECT_TRUE(p) << p.error();
  return std::move(*p);
}

class Rfc5780Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = enter_own_network_namespace()) {
      GTEST_SKIP() << "no network namespace of the test's own: " << *why;
    }
  }

  // `tls`: a certificate and a TLS port, so TLS and DTLS listen too.
  void start(std::vector<std::string> args = {}, bool tls = false) {
    args.insert(args.begin(), {"--listening-ip", "127.0.0.2", "--stun-backward-compatibility"});
    auto t = TerndProcess::start({.args = std::move(args), .tls = tls});
    ASSERT_TRUE(t) << t.error();
    ternd_.emplace(std::move(*t));
  }
  // Slot bits as ternd's: 2 the alternate IP (127.0.0.2), 1 the alternate port.
  TransportAddress server(int slot) const { return server(Transport::Udp, slot); }
  // UDP and TCP on the listening port and its + 1, TLS and DTLS on the TLS port and its + 1.
  TransportAddress server(Transport t, int slot) const {
    const bool tls = t == Transport::Tls || t == Transport::Dtls;
    return at(slot & 2 ? kIp2 : kIp1, (tls ? ternd_->tls_port() : ternd_->port()) + (slot & 1));
  }

  // A Binding's answer over `t` from 127.0.0.1 to `to`, on a connection of its own.
  std::optional<Bytes> binding_over(Transport t, const TransportAddress& to,
                                    const Bytes& request = binding_request()) {
    auto client = StunClient::connect_from(t, kIp1, to);
    if (!client) {
      ADD_FAILURE() << to_string(t) << " to " << to.to_string() << ": " << client.error();
      return std::nullopt;
    }
    auto answer = client->exchange(request);
    if (!answer) {
      ADD_FAILURE() << to_string(t) << " to " << to.to_string() << ": "
                    << to_string(answer.error());
      return std::nullopt;
    }
    return *answer;
  }

  std::optional<TerndProcess> ternd_;
};

stun::MessageView view(const Datagram& d) {
  return *stun::MessageView::parse(d.data);
}

stun::MessageView view(const Bytes& b) {
  return *stun::MessageView::parse(b);
}

std::vector<uint16_t> unknown_attributes(const Bytes& answer) {
  auto unknown = stun::UnknownAttributes::get_from(view(answer));
  if (!unknown) return {};
  return {unknown->list().begin(), unknown->list().end()};
}

constexpr Transport kConnections[] = {Transport::Tcp, Transport::Tls, Transport::Dtls};

TEST_F(Rfc5780Test, Binding_CarriesResponseOriginAndTheAddressDifferingInIpAndPort) {
  ASSERT_NO_FATAL_FAILURE(start());
  UdpPeer client = open_peer(kIp1);
  for (int slot = 0; slot < 4; ++slot) {
    ASSERT_TRUE(client.send_to(server(slot), binding_request()));
    auto answer = client.receive();
    ASSERT_TRUE(answer) << "slot " << slot;
    EXPECT_EQ(answer->from, server(slot));
    auto m = view(*answer);
    EXPECT_EQ(stun::XorMappedAddress::get_from(m)->address, client.address());
    EXPECT_EQ(stun::ResponseOrigin::get_from(m)->address, server(slot)) << describe(answer->data);
    EXPECT_EQ(stun::OtherAddress::get_from(m)->address, server(slot ^ 3)) << describe(answer->data);
  }
}

TEST_F(Rfc5780Test, ChangeRequest_AnswerLeavesFromTheAddressAsked) {
  ASSERT_NO_FATAL_FAILURE(start());
  UdpPeer client = open_peer(kIp1);
  for (int received_on : {0, 3}) {
    for (int change : {1, 2, 3}) {
      const auto request =
          binding_request({.extra = {change_request((change & 2) != 0, (change & 1) != 0)}});
      ASSERT_TRUE(client.send_to(server(received_on), request));
      auto answer = client.receive();
      ASSERT_TRUE(answer) << "to slot " << received_on << ", change " << change;
      EXPECT_EQ(answer->from, server(received_on ^ change));
      auto m = view(*answer);
      EXPECT_EQ(m.transaction_id_copy(), transaction_id_of(request));
      EXPECT_EQ(stun::ResponseOrigin::get_from(m)->address, server(received_on ^ change));
      // OTHER-ADDRESS is about where the request arrived, whoever answers it.
      EXPECT_EQ(stun::OtherAddress::get_from(m)->address, server(received_on ^ 3));
    }
  }
}

TEST_F(Rfc5780Test, ResponsePort_AnswersThatPortOfTheRequestersIpOnly) {
  ASSERT_NO_FATAL_FAILURE(start());
  UdpPeer client = open_peer(kIp1);
  UdpPeer other_port = open_peer(kIp1);
  ASSERT_TRUE(client.send_to(
      server(0), binding_request({.extra = {response_port(other_port.address().port)}})));
  auto answer = other_port.receive();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->from, server(0));
  EXPECT_EQ(stun::XorMappedAddress::get_from(view(*answer))->address, client.address());
  EXPECT_TRUE(client.silent_for(200ms));

  // A requester on 127.0.0.3 naming the port of a socket on 127.0.0.1: the answer goes to
  // that port of 127.0.0.3, never to the other host.
  UdpPeer victim = open_peer(kIp1);
  UdpPeer spoofer = open_peer(TransportAddress::v4({127, 0, 0, 3}, 0));
  auto same_port_on_spoofer =
      UdpPeer::open(TransportAddress::v4({127, 0, 0, 3}, victim.address().port));
  ASSERT_TRUE(same_port_on_spoofer) << same_port_on_spoofer.error();
  ASSERT_TRUE(
      spoofer.send_to(server(0), binding_request({.extra = {response_port(victim.address().port),
                                                            change_request(true, true)}})));
  auto redirected = same_port_on_spoofer->receive();
  ASSERT_TRUE(redirected);
  EXPECT_EQ(redirected->from, server(3));
  EXPECT_TRUE(victim.silent_for(300ms));
}

TEST_F(Rfc5780Test, Padding_EchoedAtTheRequestsLength_AndRefusedWithResponsePort) {
  ASSERT_NO_FATAL_FAILURE(start());
  UdpPeer client = open_peer(kIp1);
  const auto request = binding_request({.extra = {padding(1000)}});
  ASSERT_TRUE(client.send_to(server(0), request));
  auto answer = client.receive();
  ASSERT_TRUE(answer);
  auto pad = stun::PaddingAttribute::get_from(view(*answer));
  ASSERT_TRUE(pad) << describe(answer->data);
  EXPECT_EQ(pad->length, 1000u);
  // Not an amplifier: the answer is at most a plain answer's few bytes longer.
  EXPECT_LE(answer->data.size(), request.size() + 64);

  const auto both = binding_request({.extra = {padding(8), response_port(client.address().port)}});
  ASSERT_TRUE(client.send_to(server(0), both));
  answer = client.receive();
  ASSERT_TRUE(answer);
  EXPECT_EQ(view(*answer).message_class(), stun::Class::ErrorResponse) << describe(answer->data);
}

TEST_F(Rfc5780Test, AnswersToOtherPortsAndFromOtherSockets_AreUnderTheBindingRateOfTheSource) {
  ASSERT_NO_FATAL_FAILURE(start({"--binding-rate", "5"}));
  UdpPeer client = open_peer(kIp1);
  UdpPeer sink = open_peer(kIp1);
  constexpr int kRequests = 60;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(
        client.send_to(server(0), binding_request({.extra = {response_port(sink.address().port),
                                                             change_request(true, true)}})));
  }
  int answers = 0;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (answers < kRequests && std::chrono::steady_clock::now() < deadline) {
    if (!sink.receive(500ms)) break;
    ++answers;
  }
  // A burst of twice the rate, plus what refills while the requests go out.
  EXPECT_GE(answers, 1);
  EXPECT_LE(answers, 20) << "every CHANGE-REQUEST and RESPONSE-PORT answer spends the source's "
                            "Binding budget";
}

TEST_F(Rfc5780Test, NoRfc5780_ChangeRequestIs420_NoOtherAddress_NoAlternatePort) {
  ASSERT_NO_FATAL_FAILURE(start({"--no-rfc5780"}));
  UdpPeer client = open_peer(kIp1);
  ASSERT_TRUE(client.send_to(server(0), binding_request()));
  auto answer = client.receive();
  ASSERT_TRUE(answer);
  EXPECT_FALSE(stun::OtherAddress::get_from(view(*answer)));
  const auto request = binding_request({.extra = {change_request(true, false)}});
  ASSERT_TRUE(client.send_to(server(0), request));
  answer = client.receive();
  ASSERT_TRUE(answer);
  auto m = view(*answer);
  ASSERT_EQ(m.message_class(), stun::Class::ErrorResponse) << describe(answer->data);
  auto unknown = stun::UnknownAttributes::get_from(m);
  ASSERT_TRUE(unknown) << describe(answer->data);
  EXPECT_EQ(std::vector<uint16_t>(unknown->list().begin(), unknown->list().end()),
            std::vector<uint16_t>{stun::attr::ChangeRequest});
  EXPECT_TRUE(udp_port_closed(server(1)));
}

// RFC 5780 §3.1: the mapping tests run over TCP and TLS too (and DTLS, on the TLS ports'
// UDP sockets): each of the four listeners answers with its own RESPONSE-ORIGIN and the
// address differing from it in IP and port, where the client connects next.
TEST_F(Rfc5780Test, TcpTlsAndDtls_EachListenerOfTheGridAnswersWithItsOriginAndOtherAddress) {
  ASSERT_NO_FATAL_FAILURE(start({}, true));
  for (Transport t : kConnections) {
    for (int slot = 0; slot < 4; ++slot) {
      SCOPED_TRACE(std::string(to_string(t)) + " slot " + std::to_string(slot));
      auto client = StunClient::connect_from(t, kIp1, server(t, slot));
      ASSERT_TRUE(client) << client.error();
      auto answer = client->exchange(binding_request());
      ASSERT_TRUE(answer) << to_string(answer.error());
      auto m = view(*answer);
      ASSERT_EQ(m.message_class(), stun::Class::SuccessResponse) << describe(*answer);
      EXPECT_EQ(stun::XorMappedAddress::get_from(m)->address, client->local_address());
      auto origin = stun::ResponseOrigin::get_from(m);
      ASSERT_TRUE(origin) << describe(*answer);
      EXPECT_EQ(origin->address, server(t, slot));
      auto other = stun::OtherAddress::get_from(m);
      ASSERT_TRUE(other) << describe(*answer);
      EXPECT_EQ(other->address, server(t, slot ^ 3));
    }
  }
}

// The TLS ports' UDP sockets serve plain STUN too (DTLS shares them), and there they are
// a UDP grid of their own: CHANGE-REQUEST is honoured from the TLS ports.
TEST_F(Rfc5780Test, PlainUdpOnTheTlsPorts_ChangeRequestAnswersFromTheirOtherSocket) {
  ASSERT_NO_FATAL_FAILURE(start({}, true));
  UdpPeer client = open_peer(kIp1);
  const auto request = binding_request({.extra = {change_request(true, true)}});
  ASSERT_TRUE(client.send_to(server(Transport::Dtls, 0), request));
  auto answer = client.receive();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->from, server(Transport::Dtls, 3));
  EXPECT_EQ(stun::ResponseOrigin::get_from(view(*answer))->address, server(Transport::Dtls, 3));
  EXPECT_EQ(stun::OtherAddress::get_from(view(*answer))->address, server(Transport::Dtls, 3));
}

// On a connection (or a DTLS association) the answer can only leave from where the
// request arrived, to where it came from: CHANGE-REQUEST and RESPONSE-PORT are 420, as
// from a server without an alternate address (RFC 5780 §3, §6.1), and PADDING is echoed.
TEST_F(Rfc5780Test, TcpTlsAndDtls_ChangeRequestAndResponsePortAre420_PaddingIsEchoed) {
  ASSERT_NO_FATAL_FAILURE(start({}, true));
  for (Transport t : kConnections) {
    SCOPED_TRACE(to_string(t));
    for (int change : {1, 2, 3}) {
      auto answer = binding_over(
          t, server(t, 0),
          binding_request({.extra = {change_request((change & 2) != 0, (change & 1) != 0)}}));
      ASSERT_TRUE(answer);
      auto m = view(*answer);
      ASSERT_EQ(m.message_class(), stun::Class::ErrorResponse) << describe(*answer);
      EXPECT_EQ(stun::ErrorCodeAttribute::get_from(m)->code, 420) << describe(*answer);
      EXPECT_EQ(unknown_attributes(*answer), std::vector<uint16_t>{stun::attr::ChangeRequest});
    }
    auto answer = binding_over(t, server(t, 3), binding_request({.extra = {response_port(9)}}));
    ASSERT_TRUE(answer);
    EXPECT_EQ(unknown_attributes(*answer), std::vector<uint16_t>{stun::attr::ResponsePort})
        << describe(*answer);
    // An RFC 3489 client's CHANGE-REQUEST with neither flag asks nothing.
    answer =
        binding_over(t, server(t, 0), binding_request({.extra = {change_request(false, false)}}));
    ASSERT_TRUE(answer);
    EXPECT_EQ(view(*answer).message_class(), stun::Class::SuccessResponse) << describe(*answer);
    answer = binding_over(t, server(t, 1), binding_request({.extra = {padding(100)}}));
    ASSERT_TRUE(answer);
    auto pad = stun::PaddingAttribute::get_from(view(*answer));
    ASSERT_TRUE(pad) << describe(*answer);
    EXPECT_EQ(pad->length, 100u);
  }
}

// The alternate TCP and TLS listeners are stream listeners like the main ones: the same
// per-source cap, counted over all of them, and the same deadline from accept to Allocate.
TEST_F(Rfc5780Test, AlternateStreamListeners_KeepTheStreamLimits) {
  ASSERT_NO_FATAL_FAILURE(
      start({"--max-unallocated-streams-per-ip", "1", "--max-allocate-timeout", "3"}, true));
  auto holder = StunClient::connect_from(Transport::Tls, kIp1, server(Transport::Tls, 3));
  ASSERT_TRUE(holder) << holder.error();
  ASSERT_TRUE(holder->exchange(binding_request()));
  // 127.0.0.1's one slot is the holder's: another connection, to another alternate, is reset.
  auto second = StunClient::connect_from(Transport::Tcp, kIp1, server(Transport::Tcp, 1));
  if (second) {
    EXPECT_TRUE(second->closed_within(20s));
  }
  // The holder talks but never allocates: its deadline ends it.
  EXPECT_TRUE(holder->closed_within(30s));
  auto counters = parse_counters((ternd_->stop(), ternd_->log()));
  ASSERT_TRUE(counters);
  EXPECT_EQ((*counters)["stream_refused_source"], 1u);
  EXPECT_EQ((*counters)["stream_closed_allocate_timeout"], 1u);
}

TEST_F(Rfc5780Test, NoRfc5780_NoAlternateTcpTlsOrDtlsListener_NoOtherAddressOnThem) {
  ASSERT_NO_FATAL_FAILURE(start({"--no-rfc5780"}, true));
  for (Transport t : kConnections) {
    SCOPED_TRACE(to_string(t));
    auto answer = binding_over(t, server(t, 0));
    ASSERT_TRUE(answer);
    EXPECT_FALSE(stun::OtherAddress::get_from(view(*answer))) << describe(*answer);
    EXPECT_FALSE(StunClient::connect_from(t, kIp1, server(t, 1), 2000ms));
    EXPECT_FALSE(StunClient::connect_from(t, kIp1, server(t, 3), 2000ms));
  }
}

// A reload that changes alt-listening-port or no-rfc5780 rebuilds the grids: OTHER-ADDRESS
// and CHANGE-REQUEST follow the new configuration once the workers took it.
class Rfc5780ReloadTest : public Rfc5780Test {
 protected:
  void start_with_config(bool tls = false) {
    ASSERT_TRUE(write_file(conf_, ""));
    ASSERT_NO_FATAL_FAILURE(start({"-c", conf_.string()}, tls));
  }

  // Rewrites the config file, sends SIGHUP and waits for the reload's outcome.
  void reload(const std::string& config) {
    const size_t before = reloads();
    ASSERT_TRUE(write_file(conf_, config));
    ASSERT_TRUE(ternd_->send_signal(SIGHUP));
    for (auto until = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
      const std::string log = ternd_->log();
      ASSERT_EQ(log.find("reload refused"), std::string::npos) << log;
      if (reloads() > before) return;
    }
    FAIL() << "no reload outcome\n" << ternd_->diagnostics();
  }

  size_t reloads() const {
    const std::string log = ternd_->log();
    size_t n = 0;
    for (auto at = log.find("configuration reloaded"); at != std::string::npos;
         at = log.find("configuration reloaded", at + 1)) {
      ++n;
    }
    return n;
  }

  // The OTHER-ADDRESS of a Binding over `t` to `to` (from 127.0.0.1, on a connection of
  // its own each time), asked until it is `expected` (the workers take a reload a moment
  // after the log says so) or 10 s pass; nullopt for none.
  std::optional<TransportAddress> other_address_eventually(
      Transport t, const TransportAddress& to, const std::optional<TransportAddress>& expected) {
    std::optional<TransportAddress> seen;
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(50ms)) {
      auto client = StunClient::connect_from(t, kIp1, to, 1000ms);
      if (!client) continue;
      auto answer = client->exchange(binding_request(), 500ms);
      if (!answer) continue;
      auto other = stun::OtherAddress::get_from(view(*answer));
      seen = other ? std::optional(other->address) : std::nullopt;
      if (seen == expected) break;
    }
    return seen;
  }

  // Whether `to` stops taking new connections over `t` within 10 s.
  bool stops_listening(Transport t, const TransportAddress& to) {
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(50ms)) {
      if (!StunClient::connect_from(t, kIp1, to, 1000ms)) return true;
    }
    return false;
  }

  TempDir dir_;
  std::filesystem::path conf_ = dir_ / "ternd.conf";
};

TEST_F(Rfc5780ReloadTest, AltListeningPortChanged_OtherAddressAndChangeRequestFollowIt) {
  ASSERT_NO_FATAL_FAILURE(start_with_config());
  UdpPeer client = open_peer(kIp1);
  ASSERT_EQ(other_address_eventually(Transport::Udp, server(0), server(3)), server(3));
  const uint16_t alt = ternd_->port() + 5;  // the namespace is the test's own: free
  ASSERT_NO_FATAL_FAILURE(reload("alt-listening-port=" + std::to_string(alt) + "\n"));

  EXPECT_EQ(other_address_eventually(Transport::Udp, server(0), at(kIp2, alt)), at(kIp2, alt));
  EXPECT_EQ(other_address_eventually(Transport::Udp, at(kIp2, alt), server(0)), server(0));
  const auto request = binding_request({.extra = {change_request(false, true)}});
  ASSERT_TRUE(client.send_to(server(0), request));
  auto answer = client.receive();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->from, at(kIp1, alt));
  EXPECT_EQ(stun::ResponseOrigin::get_from(view(*answer))->address, at(kIp1, alt));
  // The old alternate port closes once no grid answers from it.
  bool closed = false;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       !closed && std::chrono::steady_clock::now() < until;) {
    closed = udp_port_closed(server(1));
  }
  EXPECT_TRUE(closed) << "the old alternate port " << server(1).to_string() << " still answers";
}

TEST_F(Rfc5780ReloadTest, NoRfc5780TurnedOn_BindingLosesOtherAddress_ChangeRequestIs420) {
  ASSERT_NO_FATAL_FAILURE(start_with_config());
  UdpPeer client = open_peer(kIp1);
  ASSERT_EQ(other_address_eventually(Transport::Udp, server(0), server(3)), server(3));
  ASSERT_NO_FATAL_FAILURE(reload("no-rfc5780\n"));
  EXPECT_EQ(other_address_eventually(Transport::Udp, server(0), std::nullopt), std::nullopt);
  ASSERT_TRUE(client.send_to(server(0), binding_request({.extra = {change_request(true, false)}})));
  auto answer = client.receive();
  ASSERT_TRUE(answer);
  EXPECT_EQ(view(*answer).message_class(), stun::Class::ErrorResponse) << describe(answer->data);

  // And back on: the grids return.
  ASSERT_NO_FATAL_FAILURE(reload(""));
  EXPECT_EQ(other_address_eventually(Transport::Udp, server(0), server(3)), server(3));
}

TEST_F(Rfc5780ReloadTest, AltTlsListeningPortChanged_TlsAndDtlsMoveThere_UdpAndTcpStay) {
  ASSERT_NO_FATAL_FAILURE(start_with_config(true));
  const auto tls = [&](int slot) { return server(Transport::Tls, slot); };
  ASSERT_EQ(other_address_eventually(Transport::Tls, tls(0), tls(3)), tls(3));
  const uint16_t alt = ternd_->tls_port() + 5;  // the namespace is the test's own: free
  ASSERT_NO_FATAL_FAILURE(reload("alt-tls-listening-port=" + std::to_string(alt) + "\n"));

  for (Transport t : {Transport::Tls, Transport::Dtls}) {
    SCOPED_TRACE(to_string(t));
    EXPECT_EQ(other_address_eventually(t, server(t, 0), at(kIp2, alt)), at(kIp2, alt));
    auto answer = binding_over(t, at(kIp2, alt));
    ASSERT_TRUE(answer);
    EXPECT_EQ(stun::ResponseOrigin::get_from(view(*answer))->address, at(kIp2, alt));
    EXPECT_EQ(stun::OtherAddress::get_from(view(*answer))->address, server(t, 0));
    // The old alternate port takes no new clients once no grid holds it.
    EXPECT_TRUE(stops_listening(t, server(t, 1))) << server(t, 1).to_string();
  }
  EXPECT_EQ(other_address_eventually(Transport::Tcp, server(Transport::Tcp, 0),
                                     server(Transport::Tcp, 3)),
            server(Transport::Tcp, 3));

  // no-rfc5780 takes the stream and DTLS grids and their alternate listeners away too.
  ASSERT_NO_FATAL_FAILURE(reload("no-rfc5780\n"));
  for (Transport t : kConnections) {
    SCOPED_TRACE(to_string(t));
    EXPECT_EQ(other_address_eventually(t, server(t, 0), std::nullopt), std::nullopt);
    const TransportAddress alternate = t == Transport::Tcp ? server(t, 3) : at(kIp2, alt);
    EXPECT_TRUE(stops_listening(t, alternate)) << alternate.to_string();
  }
}

TEST_F(Rfc5780Test, TurnutilsNatdiscovery_ReportsIndependentMappingAndFiltering) {
  if (!std::filesystem::exists(kNatDiscovery)) {
    GTEST_SKIP() << kNatDiscovery << " not installed (apt-get install coturn; make test does)";
  }
  ASSERT_NO_FATAL_FAILURE(start());
  TempDir dir;
  auto r =
      run_command({kNatDiscovery, "-m", "-f", "-p", std::to_string(ternd_->port()), "127.0.0.1"},
                  dir.path(), 30s);
  ASSERT_TRUE(r.status.clean()) << r.status.describe() << "\n" << r.out << r.err;
  // Loopback has no NAT: both behaviours are endpoint-independent.
  EXPECT_NE(r.out.find("NAT with Endpoint Independent Mapping"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NAT with Endpoint Independent Filtering"), std::string::npos) << r.out;
}

TEST_F(Rfc5780Test, StunClient_ReadsChangedAddressAndFindsAnOpenInternet) {
  if (!std::filesystem::exists(kStun)) {
    GTEST_SKIP() << kStun << " not installed (apt-get install stun-client; make test does)";
  }
  ASSERT_NO_FATAL_FAILURE(start());
  TempDir dir;
  auto r =
      run_command({kStun, "127.0.0.1:" + std::to_string(ternd_->port()), "-v"}, dir.path(), 30s);
  // An RFC 3489 client: CHANGED-ADDRESS is how it learns where CHANGE-REQUEST answers from.
  // -v prints what it received to stderr; its exit status is the NAT type, not success.
  const std::string printed = r.out + r.err;
  EXPECT_NE(printed.find("ChangedAddress = " + server(3).to_string()), std::string::npos)
      << r.status.describe() << "\n"
      << printed;
  EXPECT_NE(printed.find("Primary: Open"), std::string::npos) << printed;
}

}  // namespace
}  // namespace tern::test

#include "tests/support/credential_probes.h"

#include <thread>

namespace tern::test {

using Clock = std::chrono::steady_clock;

TurnResult allocate_once(const TransportAddress& server, const TurnCredentials& credentials) {
  auto client = TurnClient::connect(Transport::Udp, server, credentials);
  if (!client) return unexpected(client.error());
  auto r = client->allocate();
  if (r && r->is_success()) client->refresh(0);
  return r;
}

Polled poll_allocate(const TransportAddress& server, const TurnCredentials& credentials,
                     const std::function<bool(const TurnResult&)>& wanted,
                     std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  for (;;) {
    TurnResult r = allocate_once(server, credentials);
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (wanted(r)) return {std::move(r), true, elapsed};
    if (Clock::now() >= deadline) return {std::move(r), false, elapsed};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

::testing::AssertionResult RelaysBothWays(TurnClient& client, UdpPeer& peer,
                                          std::string_view text) {
  if (client.relayed().empty()) return ::testing::AssertionFailure() << "no allocation";
  const TransportAddress relayed = client.relayed().front();
  if (!client.send_indication(peer.address(), payload(text))) {
    return ::testing::AssertionFailure() << "cannot send the Send indication";
  }
  auto at_peer = peer.receive();
  if (!at_peer) {
    return ::testing::AssertionFailure()
           << "peer got nothing for \"" << text << "\": " << to_string(at_peer.error());
  }
  if (text_of(at_peer->data) != text || !(at_peer->from == relayed)) {
    return ::testing::AssertionFailure()
           << "peer got \"" << text_of(at_peer->data) << "\" from " << at_peer->from.to_string()
           << ", expected \"" << text << "\" from " << relayed.to_string();
  }
  const std::string reply = "re: " + std::string(text);
  if (!peer.send_to(relayed, payload(reply))) {
    return ::testing::AssertionFailure() << "peer cannot send to " << relayed.to_string();
  }
  auto back = client.receive_data();
  if (!back) {
    return ::testing::AssertionFailure()
           << "client got nothing for \"" << reply << "\": " << to_string(back.error());
  }
  if (text_of(back->data) != reply) {
    return ::testing::AssertionFailure()
           << "client got \"" << text_of(back->data) << "\", expected \"" << reply << "\"";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace tern::test

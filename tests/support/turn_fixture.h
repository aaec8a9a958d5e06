#pragma once
// What every TURN integration test starts from: a ternd with relay addresses on loopback,
// the user alice:secret in realm tern.test, clients and peers for it, the counters it
// reports when stopped, and gtest predicates that print the response they judged.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "protocol/transport_address.h"
#include "tests/support/loopback.h"
#include "tests/support/ternd_process.h"
#include "tests/support/test_params.h"
#include "tests/support/turn_client.h"
#include "tests/support/udp_peer.h"

namespace tern::test {

inline constexpr char kRealm[] = "tern.test";

struct TurnServerSetup {
  std::string ipv4_relay = "127.0.0.1";
  // --relay-ip ::1 as well, when the machine has IPv6 loopback.
  bool ipv6_relay = true;
  bool allow_loopback_peers = true;
  bool tls = false;
  std::vector<std::string> extra = {};  // appended after the defaults
  std::vector<std::string> env = {};    // NAME=VALUE entries added to ternd's environment
};

using TurnResult = Result<TurnResponse, std::string>;

// A success response (and not a transport or integrity failure).
::testing::AssertionResult IsSuccess(const TurnResult& r);
// An error response with ERROR-CODE `code`.
::testing::AssertionResult IsError(const TurnResult& r, uint16_t code);

// A client of `server`; nullopt (and a test failure) when it could not connect.
std::optional<TurnClient> connected_client(Transport t, const TransportAddress& server,
                                           TurnCredentials credentials = {});
// A client of `server` with an allocation made; nullopt (and a test failure) otherwise.
std::optional<TurnClient> allocated_client(Transport t, const TransportAddress& server,
                                           AllocateOptions options = {},
                                           TurnCredentials credentials = {});

// The relay family a client asks for (REQUESTED-ADDRESS-FAMILY) on IP version `v`.
Family family_of(IpVersion v);

class TurnTest : public ::testing::Test {
 protected:
  // ASSERT_NO_FATAL_FAILURE(start(...)) in the test.
  void start(TurnServerSetup setup = {});
  TerndProcess& ternd() { return *ternd_; }
  TransportAddress server(Transport t, IpVersion v) const { return ternd_->address(t, v); }

  // A connected client; nullopt (and a test failure) when it could not connect.
  std::optional<TurnClient> connect(Transport t, IpVersion v, TurnCredentials credentials = {});
  // A client with an allocation made; nullopt (and a failure) otherwise.
  std::optional<TurnClient> allocated(Transport t, IpVersion v, AllocateOptions options = {},
                                      TurnCredentials credentials = {});
  // A peer socket on `ip` (port 0 picks one); nullopt (and a failure) when it cannot bind.
  std::optional<UdpPeer> peer(const TransportAddress& ip);
  std::optional<UdpPeer> peer(IpVersion v) { return peer(loopback(v, 0)); }

  // Stops ternd (SIGTERM) and returns the counters of its last log line; empty (and a
  // failure) without one.
  std::map<std::string, uint64_t> stop_and_count();

  // Skips the test on a machine without IPv6 loopback when `v` (or dual-stack) needs it.
  static bool needs_ipv6_but_missing(IpVersion v) {
    return v == IpVersion::V6 && !ipv6_loopback_available();
  }

  std::optional<TerndProcess> ternd_;
};

// A TURN test run on each IP version (both_ip_versions()): the client reaches ternd on
// version() and asks for a relay of family(). Skipped where that needs a missing IPv6.
class TurnIpVersionTest : public TurnTest, public ::testing::WithParamInterface<IpVersion> {
 protected:
  void SetUp() override;
  IpVersion version() const { return GetParam(); }
  Family family() const { return family_of(version()); }
};

// A TURN test run over each transport on each IP version
// (every_transport_on_both_ip_versions()). Skipped where that needs a missing IPv6.
class TurnTransportTest : public TurnTest,
                          public ::testing::WithParamInterface<std::tuple<Transport, IpVersion>> {
 protected:
  void SetUp() override;
  Transport transport() const { return std::get<0>(GetParam()); }
  IpVersion version() const { return std::get<1>(GetParam()); }
  Family family() const { return family_of(version()); }
  // start(setup) with a TLS listener when the transport is TLS or DTLS.
  void start_for_transport(TurnServerSetup setup = {});
};

// Payloads that say where they come from, for failure messages.
Bytes payload(std::string_view text);
std::string text_of(const Bytes& bytes);

// One round trip through `client`'s allocation: `text` to `peer`, which echoes it, and
// back, checked at both ends (5 s each way). ASSERT_NO_FATAL_FAILURE(relays(...)).
void relays(TurnClient& client, UdpPeer& peer, const std::string& text);

}  // namespace tern::test

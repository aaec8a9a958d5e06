// The kernel fast path (--offload, issue #16) and routes that change under a channel: the
// program relays a channel only by the interfaces the kernel routes its client and peer
// by, which ternd asks when it puts the channel in; when a route moves, ternd asks again
// (on the workers' sweep after the route change) and the program relays by the new path;
// when a route goes, the channel leaves the program (user space relays what it can
// route, which is nothing here) and comes back with the route. The TC program and
// (XdpIpVersions/) the XDP program ahead of it alike. On the fixture of offload_fixture.h;
// root only: skipped elsewhere.

#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/offload_fixture.h"
#include "tests/support/eventually.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// Instantiated twice: IpVersions/ with the TC program, XdpIpVersions/ with --offload=xdp
// (the XDP program ahead of TC, on the same routes).
class OffloadRoutes : public Offload {
 protected:
  // A second veth pair between ternd's namespace (vr0) and the peer's (vr1), on a network
  // of its own, once the program went on vr0 (it is made after ternd started).
  void second_path() {
    const std::string in = "ip netns exec " + peer_ns_ + " ";
    ASSERT_TRUE(
        sh("ip link add vr0 type veth peer name vr1 netns " + peer_ns_) &&
        sh("ip addr add 198.18.77.1/24 dev vr0") && sh("ip addr add fd77:12::1/64 dev vr0 nodad") &&
        sh(in + "ip addr add 198.18.77.2/24 dev vr1") &&
        sh(in + "ip addr add fd77:12::2/64 dev vr1 nodad") && sh("ethtool -K vr0 tx off") &&
        sh(in + "ethtool -K vr1 tx off") && sh("ip link set vr0 up") &&
        sh(in + "ip link set vr1 up") && (offload_ != "xdp" || sh(in + "ethtool -K vr1 gro on")))
        << "the second veth pair";
    ASSERT_TRUE(ternd_->wait_for_log_line({"kernel offload: new interface vr0 relayed by "}))
        << ternd_->log();
  }

  // Both ways between the relayed address and the peer onto the second pair: host routes
  // through it, more specific than the first pair's network.
  void move_to_the_second_path() {
    const std::string in = "ip netns exec " + peer_ns_ + " ";
    if (relay_version() == IpVersion::V6) {
      ASSERT_TRUE(sh("ip -6 route replace fd77:2::2/128 via fd77:12::2 dev vr0") &&
                  sh(in + "ip -6 route replace fd77:2::1/128 via fd77:12::1 dev vr1"));
    } else {
      ASSERT_TRUE(sh("ip route replace 10.77.2.2/32 via 198.18.77.2 dev vr0") &&
                  sh(in + "ip route replace 10.77.2.1/32 via 198.18.77.1 dev vr1"));
    }
  }

  // The first pair's network route, the only way to the peer from ternd's namespace.
  std::string peer_network_route() const {
    return relay_version() == IpVersion::V6 ? "ip -6 route %s fd77:2::/64 dev vp0"
                                            : "ip route %s 10.77.2.0/24 dev vp0";
  }
  bool peer_network(const std::string& verb) const {
    std::string command = peer_network_route();
    command.replace(command.find("%s"), 2, verb);
    return sh(command);
  }

  // The packets a link of the peer's namespace received (/proc/net/dev of this thread's
  // namespace: sysfs shows the namespace it was mounted in).
  uint64_t received_by(const std::string& dev) const {
    InNamespace there(peer_ns_);
    std::ifstream in("/proc/thread-self/net/dev");
    for (std::string line; std::getline(in, line);) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::istringstream fields(line.substr(colon + 1));
      std::string name = line.substr(0, colon);
      name.erase(0, name.find_first_not_of(' '));
      uint64_t bytes = 0, packets = 0;
      if (name == dev && fields >> bytes >> packets) return packets;
    }
    return 0;
  }

  // Round trips, each byte checked, then the metrics once the sweep counted them all:
  // every datagram is counted once, by user space as it relays it or by the sweep from
  // the program's counters, so with all of them in the relayed totals the program's
  // share is exact too.
  std::map<std::string, uint64_t> round_trips_counted(unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      round_trip(200, seed_ += 2);
      if (::testing::Test::HasFatalFailure()) return {};
      ++trips_;
    }
    return metrics_until([&](auto& m) { return m[kToPeer] == trips_ && m[kToClient] == trips_; });
  }

  unsigned seed_ = 100;
  uint64_t trips_ = 0;
};

// The route to the peer moves to a second path: within a few sweeps the program relays the
// channel both ways again, by the new path (the datagrams to the peer arrive on the second
// pair). Before ternd followed routes, the peer's datagrams came in on an interface that
// was not the one of the channel's route and went to user space for the channel's life,
// and those to the peer left by the old path.
TEST_P(OffloadRoutes, ARouteThatMoves_TheProgramRelaysByTheNewPath) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  auto m = round_trips_counted(3);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_GE(m[kOffloaded], 4u) << "the program did not relay: " << ternd_->log();

  ASSERT_NO_FATAL_FAILURE(second_path());
  ASSERT_NO_FATAL_FAILURE(move_to_the_second_path());
  // A batch of round trips the program relays whole, both ways: at most a few batches
  // (each at least a sweep long) while the sweep takes in the new route and the program
  // learns its way out.
  constexpr unsigned kBatch = 5;
  bool whole = false;
  std::string batches;  // the program's share of each
  for (int batch = 0; batch < 8 && !whole; ++batch) {
    const uint64_t offloaded = m[kOffloaded];
    const uint64_t on_the_second = received_by("vr1");
    m = round_trips_counted(kBatch);
    ASSERT_FALSE(HasFatalFailure()) << "batch " << batch;
    ASSERT_EQ(m[kToPeer], trips_) << "batch " << batch << " not all counted";
    whole = m[kOffloaded] - offloaded == 2 * kBatch;
    batches += " " + std::to_string(m[kOffloaded] - offloaded);
    if (whole) {
      EXPECT_GE(received_by("vr1") - on_the_second, kBatch) << "not by the new path";
    }
  }
  EXPECT_TRUE(whole) << "the program no longer relays the channel both ways (of " << 2 * kBatch
                     << " datagrams a batch it relayed" << batches << "): " << ternd_->log();
}

// The route to the peer goes: the program stops relaying the channel (user space has no
// route either, and drops what the client sends), and ternd goes on; when the route comes
// back, the channel goes back into the program.
TEST_P(OffloadRoutes, ARouteDeleted_TheProgramStopsRelaying_AndRelaysOnceItIsBack) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  ASSERT_TRUE(peer_network("del")) << peer_network_route();

  // Within a few sweeps.
  unsigned seed = 300;
  EXPECT_TRUE(eventually([&] { return !reaches_peer(seed++, 250ms); }, 10s, 100ms))
      << "the program still relays to a peer the kernel has no route to";
  for (unsigned i = 0; i < 3; ++i)
    EXPECT_FALSE(reaches_peer(400 + i, 250ms)) << "datagram " << i << " after the route went";
  EXPECT_TRUE(ternd_->running());
  EXPECT_TRUE(IsSuccess(client_->refresh(600)));

  ASSERT_TRUE(peer_network("add")) << peer_network_route();
  // Put back as a fresh channel at a sweep after the route came back: round trips until
  // the program's share moves, each byte checked.
  const uint64_t offloaded = metrics()[kOffloaded];
  seed = 600;
  const bool back = eventually(
      [&] {
        round_trip(100, seed += 2);
        return HasFatalFailure() || metrics()[kOffloaded] > offloaded;
      },
      10s, 100ms);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(back) << "the program does not relay the channel again: " << ternd_->log();
}

INSTANTIATE_TEST_SUITE_P(IpVersions, OffloadRoutes, both_ip_versions(), ShortVersionName());
INSTANTIATE_TEST_SUITE_P(XdpIpVersions, OffloadRoutes, both_ip_versions(), ShortVersionName());

}  // namespace
}  // namespace tern::test

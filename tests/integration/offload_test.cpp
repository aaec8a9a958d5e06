// The kernel fast path (--offload, issue #16) between three network namespaces the test
// makes: client — ternd — peer, joined by veth pairs whose senders compute full UDP
// checksums (tx offload off), so a checksum the program got wrong is dropped by the
// receiver. Every relayed byte intact both ways over IPv4 and IPv6; the traffic really
// taken by the program (tern_offloaded_packets_total) and counted as user space counts
// its own; nothing after the channel expires or once a reload that denies the peer is
// answered; and user space when the program cannot load. OffloadRouted carries the same
// traffic through VXLAN tunnels over those veths, so the program routes frames out as on a
// host's NICs instead of handing them straight to a veth's other end. Root only: skipped
// elsewhere.

#include <sys/prctl.h>

#include <gtest/gtest.h>

#include "tests/integration/offload_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

TEST_P(Offload, EveryByteIntactBothWays_RelayedByTheProgram_AndCountedAsUserSpaceCounts) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  EXPECT_NE(ternd_->log().find(kStraight + "vc0,vp0)"), std::string::npos) << ternd_->log();
  ASSERT_NO_FATAL_FAILURE(every_byte_intact_and_counted());
  // The program's own totals: TC's, the channel's counters' sum; no XDP series without
  // the XDP program.
  auto m = metrics();
  EXPECT_EQ(m[program_relayed("tc", "to_peer")] + m[program_relayed("tc", "to_client")],
            m[kOffloaded]);
  EXPECT_EQ(m[program_relayed("tc", "to_client")], 42u);
  EXPECT_FALSE(m.contains(program_relayed("xdp", "to_peer"))) << m.size();
  EXPECT_FALSE(m.contains(program_relayed("xdp", "to_client")));
}

TEST_P(OffloadRouted, EveryByteIntactBothWays_RelayedByTheProgram_AndCountedAsUserSpaceCounts) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  // The tunnels' veths are straight links; the tunnel devices, where the relayed frames
  // come and go, are not.
  EXPECT_NE(ternd_->log().find(kStraight + "vc0,vp0)"), std::string::npos) << ternd_->log();
  ASSERT_NO_FATAL_FAILURE(every_byte_intact_and_counted());
}

INSTANTIATE_TEST_SUITE_P(IpVersions, OffloadRouted, both_ip_versions(), ShortVersionName());

TEST_P(Offload, NothingAfterTheChannelExpires) {
  ASSERT_NO_FATAL_FAILURE(start({"--channel-lifetime", "2", "--permission-lifetime", "2"}));
  const auto bound = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  for (unsigned i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100, i * 2));
  std::this_thread::sleep_until(bound + 2100ms);
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_FALSE(reaches_peer(100 + i, 200ms)) << "datagram " << i << " after expiry";
    ASSERT_TRUE(peer_->send_to(relayed_, data(16, i)));
    EXPECT_FALSE(client_->receive_data(200ms)) << "datagram " << i << " from the peer";
  }
}

TEST_P(Offload, APeerDeniedByAReloadStopsReceivingOnceTheReloadIsAnswered) {
  TempDir dir;
  const auto conf = dir.path() / "ternd.conf";
  ASSERT_TRUE(write_file(conf, "allowed-peer-ip=10.77.2.0/24\nallowed-peer-ip=fd77:2::/64\n"));
  ASSERT_NO_FATAL_FAILURE(start({"-c", conf.string()}, false));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  // The peer's network falls back to the default: denied (a private range). `ternctl
  // reload` answers once every worker applied it, the kernel's maps included: not one
  // datagram after the answer, where the one-second sweep alone would let some through.
  ASSERT_TRUE(write_file(conf, "\n"));
  const auto run = run_ternctl(
      {"reload", "--server", "127.0.0.1:" + std::to_string(kAdminPort), "--token", kToken},
      dir.path());
  ASSERT_TRUE(run.status.clean()) << run.out << run.err;
  for (unsigned i = 0; i < 5; ++i) {
    EXPECT_FALSE(reaches_peer(2000 + i, 200ms)) << "datagram " << i << " after the denial";
  }
}

// max-bps in the program: the capped allocation's datagrams are the program's (its
// counters move), and each way at most what its bucket can give since the ChannelBind
// made it full, the burst plus rate × time, reaches the other side. A bound in bytes
// over whatever time the machine took, not a timing assertion.
TEST_P(Offload, ACappedAllocationIsRelayedByTheProgram_WithinItsBucket) {
  ASSERT_NO_FATAL_FAILURE(capped_allocation_within_its_bucket());
}

// A cap set by a reload on a channel the program relays already: the program keeps it
// (its counters move, so its buckets are there) once the reload is answered.
TEST_P(Offload, ACapSetByAReload_IsKeptByTheProgram) {
  TempDir dir;
  const auto conf = dir.path() / "ternd.conf";
  const std::string peers = "allowed-peer-ip=10.77.2.0/24\nallowed-peer-ip=fd77:2::/64\n";
  ASSERT_TRUE(write_file(conf, peers));
  ASSERT_NO_FATAL_FAILURE(start({"-c", conf.string()}, false));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  // Every datagram so far counted, the program's share with them.
  const uint64_t offloaded =
      metrics_until([](auto& m) { return m[kToPeer] == 3 && m[kToClient] == 3; })[kOffloaded];

  const auto made = std::chrono::steady_clock::now();  // before the reload makes the bucket
  ASSERT_TRUE(write_file(conf, peers + "max-bps=" + std::to_string(kCapRate) + "\n"));
  const auto run = run_ternctl(
      {"reload", "--server", "127.0.0.1:" + std::to_string(kAdminPort), "--token", kToken},
      dir.path());
  ASSERT_TRUE(run.status.clean()) << run.out << run.err;
  ASSERT_NO_FATAL_FAILURE(bursts_within_the_bucket(made, offloaded));
}

TEST_P(Offload, WithoutThePrivilegeToLoadIt_OneLineAndUserSpaceRelays) {
  ASSERT_NO_FATAL_FAILURE(user_space_relays_without_privilege());
}

INSTANTIATE_TEST_SUITE_P(IpVersions, Offload, both_ip_versions(), ShortVersionName());

}  // namespace
}  // namespace tern::test

// The kernel fast path in XDP (--offload=xdp, issue #16) on the offload tests' namespaces
// (offload_fixture.h): the XDP program on ternd's veths in driver mode, the TC program
// behind it. Every relayed byte intact both ways over IPv4 and IPv6 and counted as user
// space counts, with the veths' own XDP counters and the program's totals in /metrics
// (tern_offload_relayed_packets_total{hook="xdp"}) as the evidence that XDP (not TC)
// relayed them, also from senders that leave checksums to offload; the way out from the
// kernel's FIB where forwarding is on; nothing after the channel expires; TC where an
// interface refuses XDP; XDP on an interface that appears after startup, and its link
// released when it goes; user space without the privilege; routes across families left
// to TC.
//
// A veth drops a frame another interface's XDP program redirects to it unless its other
// end can take XDP frames: it needs GRO on (or an XDP program of its own), which gives it
// the NAPI context such frames are received in. So the test turns GRO on at the ends in
// the client's and the peer's namespaces, as an operator must for a container's veth.
// Root only: skipped elsewhere.

#include <signal.h>
#include <sys/prctl.h>

#include <gtest/gtest.h>

#include "tests/integration/offload_fixture.h"
#include "tests/support/process.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

class OffloadXdp : public Offload {
 protected:
  void SetUp() override {
    offload_ = "xdp";
    Offload::SetUp();
  }

  // A count of the XDP program on `veth` (in this namespace): the veth's
  // rx_queue_0_xdp_`what` (ethtool -S), "redirect" or "drops".
  uint64_t xdp_count(const std::string& veth, const std::string& what) {
    TempDir dir;
    const auto r = run_command({"/sbin/ethtool", "-S", veth}, dir.path());
    std::smatch m;
    if (!std::regex_search(r.out, m, std::regex("rx_queue_0_xdp_" + what + R"(: (\d+))"))) return 0;
    return std::strtoull(m[1].str().c_str(), nullptr, 10);
  }
  uint64_t xdp_redirected(const std::string& veth) { return xdp_count(veth, "redirect"); }

  // Whether `veth` (in this namespace) has an XDP program in driver mode.
  bool has_xdp(const std::string& veth) {
    TempDir dir;
    return run_command({"/sbin/ip", "link", "show", "dev", veth}, dir.path())
               .out.find("prog/xdp id") != std::string::npos;
  }

  // The log's line for the XDP attachments.
  static constexpr char kDriverMode[] =
      "kernel offload: XDP on vc0,vp0 in driver mode, ahead of TC";
};

TEST_P(OffloadXdp, EveryByteIntactBothWays_RelayedByXdp_AndCountedAsUserSpaceCounts) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  EXPECT_NE(ternd_->log().find(kDriverMode), std::string::npos) << ternd_->log();
  ASSERT_NO_FATAL_FAILURE(every_byte_intact_and_counted());
  // 42 datagrams each way. The client's first goes through user space (no way to the
  // peer learned yet); every other one XDP redirected: none was left to TC.
  const uint64_t n = 42;
  EXPECT_EQ(xdp_redirected("vc0"), n - 1) << "client → peer";
  EXPECT_EQ(xdp_redirected("vp0"), n) << "peer → client";
  // The XDP program's own totals in /metrics say the same, and TC relayed none.
  auto m = metrics();
  EXPECT_EQ(m[program_relayed("xdp", "to_peer")], n - 1);
  EXPECT_EQ(m[program_relayed("xdp", "to_client")], n);
  EXPECT_TRUE(m.contains(program_relayed("tc", "to_peer")));
  EXPECT_EQ(m[program_relayed("tc", "to_peer")] + m[program_relayed("tc", "to_client")], 0u);
}

// max-bps in the XDP program: the same buckets, and what is over the cap the XDP program
// drops itself (the veths' XDP drop counters move) and counts as user space would.
TEST_P(OffloadXdp, ACappedAllocationIsRelayedByXdp_WithinItsBucket) {
  ASSERT_NO_FATAL_FAILURE(capped_allocation_within_its_bucket());
  EXPECT_GT(xdp_redirected("vc0"), 0u);
  EXPECT_GT(xdp_redirected("vp0"), 0u);
  EXPECT_GT(xdp_count("vc0", "drops"), 0u) << "over the cap, client → peer";
  EXPECT_GT(xdp_count("vp0", "drops"), 0u) << "over the cap, peer → client";
}

// A client and a peer whose stacks leave UDP checksums to offload (a veth's default, and a
// container's): their frames reach the XDP program with only the pseudo-header's sum in the
// field, so on a veth the program computes the checksum whole.
TEST_P(OffloadXdp, SendersWithChecksumOffload_EveryByteIntactBothWays) {
  ASSERT_TRUE(sh("ip netns exec " + client_ns_ + " ethtool -K vc1 tx on") &&
              sh("ip netns exec " + peer_ns_ + " ethtool -K vp1 tx on"));
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(every_byte_intact_and_counted());
  EXPECT_EQ(xdp_redirected("vc0") + xdp_redirected("vp0"), 2 * 42u - 1);
}

// With forwarding on, the kernel answers the program's FIB lookup: the way to a peer
// ternd's namespace already has a neighbour entry for is known before the peer sent
// anything, so even the client's first datagram is XDP's (where, without forwarding, the
// first one takes the user-space walk).
TEST_P(OffloadXdp, WithForwardingOn_TheWayOutFromTheFib_EvenForTheFirstDatagram) {
  const std::string family = v6() ? "ipv6" : "ipv4";
  for (const std::string veth : {"vc0", "vp0"})
    ASSERT_TRUE(sh("sysctl -w net." + family + ".conf." + veth + ".forwarding=1"));
  // The peer's neighbour entry, as a first exchange with it would leave it.
  const std::string mac = "02:77:00:00:00:02";
  ASSERT_TRUE(sh("ip netns exec " + peer_ns_ + " ip link set vp1 address " + mac) &&
              sh("ip neigh replace " + std::string(v6() ? "fd77:2::2" : "10.77.2.2") + " lladdr " +
                 mac + " dev vp0 nud permanent"));
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  for (unsigned i = 0; i < 5; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100 + i, i * 2));
  EXPECT_EQ(xdp_redirected("vc0"), 5u) << "client → peer";
  EXPECT_EQ(xdp_redirected("vp0"), 5u) << "peer → client";
}

TEST_P(OffloadXdp, NothingAfterTheChannelExpires) {
  ASSERT_NO_FATAL_FAILURE(start({"--channel-lifetime", "2", "--permission-lifetime", "2"}));
  const auto bound = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  for (unsigned i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100, i * 2));
  ASSERT_GE(xdp_redirected("vp0"), 3u) << "XDP relayed before the expiry";
  std::this_thread::sleep_until(bound + 2100ms);
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_FALSE(reaches_peer(100 + i, 200ms)) << "datagram " << i << " after expiry";
    ASSERT_TRUE(peer_->send_to(relayed_, data(16, i)));
    EXPECT_FALSE(client_->receive_data(200ms)) << "datagram " << i << " from the peer";
  }
}

// The XDP programs are held by BPF links in ternd's process: killed, it takes them along,
// and nothing is relayed after.
TEST_P(OffloadXdp, AKilledTernd_ItsXdpLinksGoWithIt_NothingRelayedAfter) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  for (unsigned i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100, i * 2));
  ASSERT_GE(xdp_redirected("vp0"), 3u);
  ASSERT_TRUE(has_xdp("vc0") && has_xdp("vp0"));
  ternd_->stop(SIGKILL);
  EXPECT_FALSE(has_xdp("vc0"));
  EXPECT_FALSE(has_xdp("vp0"));
  for (unsigned i = 0; i < 3; ++i)
    EXPECT_FALSE(reaches_peer(300 + i, 300ms)) << "datagram " << i << " after the kill";
}

// Another ternd's XDP program holds the veths' XDP hook first (a link is not replaced):
// one line says so, and the TC program relays there (the other program passes frames it
// has no route for).
TEST_P(OffloadXdp, WhereAnInterfaceRefusesXdp_OneLine_AndTcRelays) {
  auto first = TerndProcess::start({{"--offload", "xdp"}});
  ASSERT_TRUE(first) << first.error();
  ASSERT_NE(first->log().find(kDriverMode), std::string::npos) << first->log();
  ASSERT_NO_FATAL_FAILURE(start({}));
  const std::string log = ternd_->log();
  EXPECT_NE(log.find("kernel offload: XDP refused on vc0 ("), std::string::npos) << log;
  EXPECT_NE(log.find("); TC relays there"), std::string::npos) << log;
  EXPECT_EQ(log.find("kernel offload: XDP on vc0"), std::string::npos) << log;
  ASSERT_NO_FATAL_FAILURE(every_byte_intact_and_counted());
  EXPECT_EQ(xdp_redirected("vc0") + xdp_redirected("vp0"), 0u);
  // Its XDP program is loaded, on no interface: its totals stay at zero, TC's move.
  auto m = metrics();
  EXPECT_TRUE(m.contains(program_relayed("xdp", "to_peer")));
  EXPECT_EQ(m[program_relayed("xdp", "to_peer")] + m[program_relayed("xdp", "to_client")], 0u);
  EXPECT_EQ(m[program_relayed("tc", "to_peer")] + m[program_relayed("tc", "to_client")],
            m[kOffloaded]);
  EXPECT_GT(m[kOffloaded], 0u);
}

// A veth pair to a third namespace, made once ternd runs: the XDP program goes on it too,
// as on those of startup (one line names it), and a channel to a peer there is relayed by
// XDP both ways (its own totals say so; through TC alone they would not move).
TEST_P(OffloadXdp, AnInterfaceMadeAfterStartup_GetsXdpToo_AndXdpRelaysAChannel) {
  ASSERT_NO_FATAL_FAILURE(start(kThirdPeers));
  ASSERT_NO_FATAL_FAILURE(make_third_namespace());
  ASSERT_TRUE(sh("ip netns exec " + third_ns_ + " ethtool -K vn1 gro on")) << "GRO on vn1";
  EXPECT_TRUE(
      logged("kernel offload: new interface vn0 relayed by XDP in driver mode, ahead of "
             "TC (straight to the other namespace)"))
      << ternd_->log();
  EXPECT_TRUE(has_xdp("vn0"));
  ASSERT_NO_FATAL_FAILURE(bind_channel_to(third_ns_, third_peer_ip()));
  for (unsigned i = 0; i < 4; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100 + i, i * 2));
  // The client's first datagram takes the user-space walk (no way to the peer learned
  // yet); XDP relays the rest, out through vn0 and in from it.
  auto m = metrics();
  EXPECT_EQ(m[program_relayed("xdp", "to_peer")], 3u) << ternd_->log();
  EXPECT_EQ(m[program_relayed("xdp", "to_client")], 4u) << ternd_->log();
  EXPECT_EQ(m[program_relayed("tc", "to_peer")] + m[program_relayed("tc", "to_client")], 0u);
  EXPECT_EQ(xdp_redirected("vn0"), 4u) << "peer → client";
}

// A new interface whose driver has no XDP (a bridge) keeps the TC program, in one line
// that says XDP refused it.
TEST_P(OffloadXdp, ANewInterfaceThatRefusesXdp_OneLine_AndKeepsTc) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_TRUE(sh("ip link add vnbr type bridge") && sh("ip link set vnbr up"));
  EXPECT_TRUE(logged("kernel offload: new interface vnbr relayed by TC; XDP refused ("))
      << ternd_->log();
  const Held held = held_by(ternd_->pid());
  EXPECT_EQ(held.tcx_links, 4) << "lo, vc0, vp0 and vnbr";
  EXPECT_EQ(held.xdp_links, 2) << "vc0 and vp0";
  EXPECT_FALSE(has_xdp("vnbr"));
}

// An interface that goes takes its XDP link with its record: ternd holds one link fewer
// (a defunct link's fd would stay), and a later interface starts afresh.
TEST_P(OffloadXdp, AnInterfaceThatGoes_ItsXdpLinkIsReleased) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(make_third_namespace());
  EXPECT_TRUE(logged("new interface vn0 relayed by XDP")) << ternd_->log();
  EXPECT_EQ(held_by(ternd_->pid()).xdp_links, 3) << "vc0, vp0 and vn0";
  ASSERT_TRUE(sh("ip link del vn0"));
  EXPECT_TRUE(logged("kernel offload: vn0 is gone")) << ternd_->log();
  EXPECT_EQ(held_by(ternd_->pid()).xdp_links, 2) << "vc0 and vp0";
}

TEST_P(OffloadXdp, WithoutThePrivilegeToLoadIt_OneLineAndUserSpaceRelays) {
  ASSERT_NO_FATAL_FAILURE(user_space_relays_without_privilege());
}

// The parameter is the client's family; the relayed address and the peer are of the other
// (RFC 8656 §3.3). The XDP program leaves such routes to the TC program, which relays
// them with the IP header replaced.
class OffloadXdpAcross : public OffloadXdp {
 protected:
  void SetUp() override {
    relay_version_ = GetParam() == IpVersion::V4 ? IpVersion::V6 : IpVersion::V4;
    OffloadXdp::SetUp();
  }
};

TEST_P(OffloadXdpAcross, EveryByteIntactBothWays_RelayedByTc_NotXdp) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  EXPECT_NE(ternd_->log().find(kDriverMode), std::string::npos) << ternd_->log();
  ASSERT_NO_FATAL_FAILURE(every_byte_intact_and_counted());
  EXPECT_EQ(xdp_redirected("vc0") + xdp_redirected("vp0"), 0u);
}

INSTANTIATE_TEST_SUITE_P(ClientFamilies, OffloadXdpAcross,
                         ::testing::Values(IpVersion::V4, IpVersion::V6), [](const auto& info) {
                           return info.param == IpVersion::V4 ? "V4ClientV6Peer" : "V6ClientV4Peer";
                         });

INSTANTIATE_TEST_SUITE_P(IpVersions, OffloadXdp, both_ip_versions(), ShortVersionName());

}  // namespace
}  // namespace tern::test

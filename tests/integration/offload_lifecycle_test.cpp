// The kernel fast path's attachments (--offload, issue #16) live as long as ternd does,
// and reach interfaces made after it started. A SIGKILLed ternd's program stops relaying:
// at once through tcx links (Linux ≥ 6.6: the kernel detaches the program when the last
// fd of its link closes), and on older kernels' clsact filters (forced here with ternd's
// hidden TERN_OFFLOAD_FORCE_CLSACT) once its lease runs out, and the next ternd removes
// the filter. A veth to a namespace made after startup gets the program and is relayed
// by it; one that goes is forgotten (and a bridge port's news is not taken for that, nor
// a message another process sends to ternd's socket). On the fixture of
// offload_fixture.h; root only: skipped elsewhere.

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "tests/integration/offload_fixture.h"
#include "tests/support/process.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

class OffloadLifecycle : public Offload {
 protected:
  // What `tc filter show` lists on each of ternd's interfaces' ingress.
  std::string ingress_filters() const {
    std::string all;
    for (const char* dev : {"lo", "vc0", "vp0"}) {
      auto r =
          run_command({"/usr/sbin/tc", "filter", "show", "dev", dev, "ingress"}, scratch_.path());
      all += std::string(dev) + ": " + r.out + "\n";
    }
    return all;
  }

  // The port id of `pid`'s socket on the kernel's link notifications (RTMGRP_LINK), from
  // /proc/net/netlink (the socket's inode among the process's fds); 0 if none.
  static uint32_t link_watch_port(pid_t pid) {
    std::set<std::string> sockets;
    std::error_code ec;
    for (const auto& fd :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
      const std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
      if (target.starts_with("socket:[")) sockets.insert(target.substr(8, target.size() - 9));
    }
    std::ifstream in("/proc/net/netlink");
    std::string line;
    std::getline(in, line);  // the header
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sk, rmem, wmem, dump, locks, drops, inode;
      int protocol = -1;
      uint32_t port = 0;
      std::string groups;
      fields >> sk >> protocol >> port >> groups >> rmem >> wmem >> dump >> locks >> drops >> inode;
      if (protocol == NETLINK_ROUTE && (std::stoul(groups, nullptr, 16) & RTMGRP_LINK) &&
          sockets.contains(inode)) {
        return port;
      }
    }
    return 0;
  }

  static bool program_exists(uint32_t id) {
    return sh("/usr/sbin/bpftool prog show id " + std::to_string(id));
  }

  TempDir scratch_;  // run_command's output files
};

TEST_P(OffloadLifecycle, AKilledTernd_ItsTcxLinksGoWithIt_NothingRelayedAfter) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  EXPECT_NE(ternd_->log().find("(tcx links)"), std::string::npos) << ternd_->log();
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  const Held held = held_by(ternd_->pid());
  EXPECT_EQ(held.tcx_links, 3) << "lo, vc0 and vp0";
  ASSERT_FALSE(held.programs.empty());

  ternd_->stop(SIGKILL);
  // At once: the first datagram after the kill, where a filter left behind would relay
  // every one until the channel's deadline.
  for (unsigned i = 0; i < 3; ++i)
    EXPECT_FALSE(reaches_peer(300 + i, 300ms)) << "datagram " << i << " after the kill";
  EXPECT_EQ(ingress_filters().find("tern_channel_re"), std::string::npos) << ingress_filters();
  // Nothing holds the program any more: the kernel frees it (bounded: the free is
  // deferred).
  for (const uint32_t id : held.programs) {
    for (int i = 0; i < 50 && program_exists(id); ++i) std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(program_exists(id)) << "program " << id << " outlived ternd";
  }
}

TEST_P(OffloadLifecycle,
       AKilledTernd_ItsClsactFilterRelaysNothingOnceTheLeaseEnds_TheNextRemovesIt) {
  ASSERT_NO_FATAL_FAILURE(start({}, true, {"TERN_OFFLOAD_FORCE_CLSACT=1"}));
  EXPECT_NE(ternd_->log().find("(clsact filters"), std::string::npos) << ternd_->log();
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  const pid_t killed = ternd_->pid();
  ternd_->stop(SIGKILL);
  // The filter outlives ternd on this path: the lease is what stops it.
  EXPECT_NE(ingress_filters().find("tern_channel_re"), std::string::npos) << ingress_filters();

  // Within the lease (5 s) plus slack, a datagram stops reaching the peer; every one after
  // it too.
  bool stopped = false;
  const auto until = std::chrono::steady_clock::now() + 15s;
  for (unsigned i = 0; i < 200 && !stopped && std::chrono::steady_clock::now() < until; ++i) {
    stopped = !reaches_peer(400 + i, 250ms);
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(stopped) << "the killed ternd's filter still relays after 15 s";
  for (unsigned i = 0; i < 3; ++i)
    EXPECT_FALSE(reaches_peer(500 + i, 300ms)) << "datagram " << i << " after the lease";

  // The next ternd (tcx, the default) removes the dead one's filters.
  ASSERT_NO_FATAL_FAILURE(start({}));
  EXPECT_NE(ternd_->log().find("removed the TC filters of ternd pid " + std::to_string(killed)),
            std::string::npos)
      << ternd_->log();
  EXPECT_EQ(ingress_filters().find("tern_channel_re"), std::string::npos) << ingress_filters();
}

// A veth pair to a third namespace, made once ternd runs: the program goes on it (one log
// line naming it), and a channel to a peer there is relayed by the program.
TEST_P(OffloadLifecycle, AnInterfaceMadeAfterStartup_GetsTheProgram_AndRelaysAChannel) {
  ASSERT_NO_FATAL_FAILURE(start(kThirdPeers));
  ASSERT_NO_FATAL_FAILURE(make_third_namespace());
  EXPECT_TRUE(
      logged("kernel offload: new interface vn0 relayed by TC (straight to the other "
             "namespace)"))
      << ternd_->log();
  ASSERT_NO_FATAL_FAILURE(bind_channel_to(third_ns_, third_peer_ip()));
  for (unsigned i = 0; i < 4; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100 + i, i * 2));
  // The first datagram from the client takes the user-space walk; the rest both ways are
  // the program's, which it could not be without its attachment on vn0 (it learns the
  // way to the peer from the peer's packets, which arrive there).
  EXPECT_GE(metrics_until([](auto& m) { return m[kOffloaded] >= 7; })[kOffloaded], 7u)
      << ternd_->log();
}

// What ternd logs of an interface that goes (its records of it go too), and that a
// bridge port's own news (AF_BRIDGE, on the same notifications) is not taken for the
// link's: a veth leaving a bridge is still there.
TEST_P(OffloadLifecycle, AnInterfaceThatGoes_IsForgotten_ABridgePortsNewsIsNot) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(make_third_namespace());
  EXPECT_TRUE(logged("new interface vn0 relayed by TC")) << ternd_->log();
  ASSERT_TRUE(sh("ip link add vnbr type bridge") && sh("ip link set vnbr up"));
  EXPECT_TRUE(logged("new interface vnbr relayed by TC")) << ternd_->log();
  ASSERT_TRUE(sh("ip link set vn0 master vnbr") && sh("ip link set vn0 nomaster"));
  ASSERT_TRUE(sh("ip link del vnbr"));
  // Notifications come in order: once the bridge's removal is read, so was the port's.
  EXPECT_TRUE(logged("kernel offload: vnbr is gone")) << ternd_->log();
  EXPECT_EQ(ternd_->log().find("vn0 is gone"), std::string::npos) << ternd_->log();
  ASSERT_TRUE(sh("ip link del vn0"));
  EXPECT_TRUE(logged("kernel offload: vn0 is gone")) << ternd_->log();
}

// The link notifications ternd follows come from the kernel only: a message another
// process (one with CAP_NET_ADMIN) sends straight to ternd's socket saying vc0 went is
// not the kernel's, and ternd keeps the program on vc0. A real interface made after it
// is read after it, so by then the forged one was read too.
TEST_P(OffloadLifecycle, ALinkMessageNotFromTheKernel_IsIgnored) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  const uint32_t port = link_watch_port(ternd_->pid());
  ASSERT_NE(port, 0u) << "no socket of ternd's on the link notifications";

  FileDescriptor forger(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  ASSERT_TRUE(forger.valid());
  struct {
    nlmsghdr header;
    ifinfomsg link;
  } forged{};
  forged.header.nlmsg_len = sizeof forged;
  forged.header.nlmsg_type = RTM_DELLINK;
  forged.link.ifi_family = AF_UNSPEC;
  forged.link.ifi_index = static_cast<int>(::if_nametoindex("vc0"));
  ASSERT_NE(forged.link.ifi_index, 0);
  sockaddr_nl to{};
  to.nl_family = AF_NETLINK;
  to.nl_pid = port;
  ASSERT_EQ(::sendto(forger.get(), &forged, sizeof forged, 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to),
            static_cast<ssize_t>(sizeof forged));

  ASSERT_TRUE(sh("ip link add vnfake type bridge") && sh("ip link set vnfake up"));
  EXPECT_TRUE(logged("new interface vnfake relayed by TC")) << ternd_->log();
  EXPECT_EQ(ternd_->log().find("vc0 is gone"), std::string::npos) << ternd_->log();
  // Still the program's: the client's datagrams arrive on vc0.
  const uint64_t before = metrics()[kOffloaded];
  for (unsigned i = 0; i < 2; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100, 20 + i * 2));
  EXPECT_GE(metrics_until([&](auto& m) { return m[kOffloaded] >= before + 4; })[kOffloaded],
            before + 4)
      << ternd_->log();
}

INSTANTIATE_TEST_SUITE_P(IpVersions, OffloadLifecycle, both_ip_versions(), ShortVersionName());

}  // namespace
}  // namespace tern::test

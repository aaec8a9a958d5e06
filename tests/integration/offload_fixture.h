#pragma once
// The offload tests' world (issue #16): three network namespaces the test makes, client —
// ternd — peer, joined by veth pairs whose senders compute full UDP checksums (tx offload
// off), so a checksum the program got wrong is dropped by the receiver; a ternd started
// with --offload=tc between them, and a client with a channel to a peer. Each test file
// of the offload (offload_*_test.cpp) builds on it. Root only: skipped elsewhere.

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "base/file_descriptor.h"
#include "tests/support/http_probe.h"
#include "tests/support/network_namespace.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternctl.h"
#include "tests/support/test_params.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {

using namespace std::chrono_literals;

constexpr uint16_t kMetricsPort = 9641;  // in the test's own namespace: nobody else's
constexpr uint16_t kAdminPort = 5767;
constexpr char kToken[] = "offload-test-token";
constexpr uint16_t kChannel = 0x4000;
constexpr int kCapBpf = 39, kCapSysAdmin = 21;  // newer than some headers' lists

inline bool sh(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs the calling thread in a named namespace while it lives: sockets made meanwhile
// stay there.
class InNamespace {
 public:
  explicit InNamespace(const std::string& name)
      : home_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    FileDescriptor target(::open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC));
    ok_ = home_.get() >= 0 && target.get() >= 0 && ::setns(target.get(), CLONE_NEWNET) == 0;
  }
  ~InNamespace() {
    if (home_.get() >= 0) ::setns(home_.get(), CLONE_NEWNET);
  }
  bool ok() const { return ok_; }

 private:
  FileDescriptor home_;
  bool ok_ = false;
};

inline const std::string kToPeer =
    R"(tern_relayed_packets_total{direction="to_peer",transport="udp"})";
inline const std::string kToClient =
    R"(tern_relayed_packets_total{direction="to_client",transport="udp"})";
inline const std::string kBytesToPeer =
    R"(tern_relayed_bytes_total{direction="to_peer",transport="udp"})";
inline const std::string kOffloaded = "tern_offloaded_packets_total";
// The kernel programs' own totals, by the hook that relayed.
inline std::string program_relayed(const std::string& hook, const std::string& direction) {
  return "tern_offload_relayed_packets_total{hook=\"" + hook + "\",direction=\"" + direction +
         "\"}";
}

class Offload : public ::testing::TestWithParam<IpVersion> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for namespaces and BPF";
    // An instantiation named Xdp… runs its tests with the XDP program ahead of TC.
    const std::string suite = ::testing::UnitTest::GetInstance()->current_test_suite()->name();
    if (suite.starts_with("Xdp")) offload_ = "xdp";
    if (auto e = enter_own_network_namespace()) GTEST_SKIP() << *e;
    const std::string id = std::to_string(::getpid());
    client_ns_ = "tern-oc-" + id;
    peer_ns_ = "tern-op-" + id;
    if (::prctl(PR_CAPBSET_READ, kCapSysAdmin, 0, 0, 0) != 1) {
      GTEST_SKIP() << "an earlier test in this process dropped CAP_SYS_ADMIN from the bounding "
                      "set (ctest runs each test in a process of its own)";
    }
    ASSERT_TRUE(sh("ip netns add " + client_ns_) && sh("ip netns add " + peer_ns_))
        << "ip netns add";
    made_ = true;
    ASSERT_TRUE(join("vc", client_ns_, "10.77.1", "fd77:1::"));
    ASSERT_TRUE(join("vp", peer_ns_, "10.77.2", "fd77:2::"));
    if (routed_) {
      ASSERT_TRUE(tunnel("vc", client_ns_, "10.77.1", "fd77:1::", 771));
      ASSERT_TRUE(tunnel("vp", peer_ns_, "10.77.2", "fd77:2::", 772));
    }
    // A veth takes XDP_REDIRECTed frames only with GRO (its NAPI) on.
    if (offload_ == "xdp") {
      ASSERT_TRUE(sh("ip netns exec " + client_ns_ + " ethtool -K vc1 gro on") &&
                  sh("ip netns exec " + peer_ns_ + " ethtool -K vp1 gro on"))
          << "GRO on the far ends";
    }
  }

  // Without `ip netns del`, whose exec a test with a reduced bounding set could not run.
  void TearDown() override {
    if (!made_) return;
    std::vector<std::string> all{client_ns_, peer_ns_};
    all.insert(all.end(), more_ns_.begin(), more_ns_.end());
    for (const auto& ns : all) {
      const std::string path = "/run/netns/" + ns;
      ::umount2(path.c_str(), MNT_DETACH);
      ::unlink(path.c_str());
    }
  }

  // A veth pair: `.1`/`::1` here, `.2`/`::2` in `ns`, full checksums from both ends.
  // Routed (OffloadRouted), the pair carries a VXLAN tunnel instead and the addresses move
  // onto the tunnel's ends.
  bool join(const std::string& name, const std::string& ns, const std::string& v4,
            const std::string& v6) const {
    const std::string here = name + "0", there = name + "1";
    const std::string in = "ip netns exec " + ns + " ";
    if (routed_) {
      return sh("ip link add " + here + " mtu 1600 type veth peer name " + there + " netns " +
                ns) &&
             sh("ip addr add " + underlay(v4) + ".1/24 dev " + here) &&
             sh(in + "ip addr add " + underlay(v4) + ".2/24 dev " + there) &&
             sh(in + "ip link set " + there + " mtu 1600") && sh("ip link set " + here + " up") &&
             sh(in + "ip link set " + there + " up") && sh(in + "ip link set lo up");
    }
    return sh("ip link add " + here + " type veth peer name " + there + " netns " + ns) &&
           sh("ip addr add " + v4 + ".1/24 dev " + here) &&
           sh("ip addr add " + v6 + "1/64 dev " + here + " nodad") &&
           sh(in + "ip addr add " + v4 + ".2/24 dev " + there) &&
           sh(in + "ip addr add " + v6 + "2/64 dev " + there + " nodad") &&
           sh("ip link set " + here + " up") && sh(in + "ip link set " + there + " up") &&
           sh(in + "ip link set lo up") && sh("ethtool -K " + here + " tx off") &&
           sh(in + "ethtool -K " + there + " tx off");
  }

  // "10.77.1" → "10.78.1": the veth's own network under a tunnel.
  static std::string underlay(const std::string& v4) { return "10.78" + v4.substr(5); }

  // A VXLAN tunnel over the veth pair `name`0/1: `.1`/`::1` on its end here, `.2`/`::2` on
  // the end in `ns`. Its packets reach ternd's namespace on a tunnel device, not on a veth,
  // so the program sends them out the routed way (bpf_redirect_neigh), as on a host's NIC.
  static bool tunnel(const std::string& name, const std::string& ns, const std::string& v4,
                     const std::string& v6, int vni) {
    const std::string here = name + "x", there = name + "x";
    const std::string in = "ip netns exec " + ns + " ";
    const std::string vxlan = " type vxlan id " + std::to_string(vni) + " dstport 4789";
    return sh("ip link add " + here + " mtu 1500" + vxlan + " local " + underlay(v4) +
              ".1 remote " + underlay(v4) + ".2 dev " + name + "0") &&
           sh(in + "ip link add " + there + " mtu 1500" + vxlan + " local " + underlay(v4) +
              ".2 remote " + underlay(v4) + ".1 dev " + name + "1") &&
           sh("ip addr add " + v4 + ".1/24 dev " + here) &&
           sh("ip addr add " + v6 + "1/64 dev " + here + " nodad") &&
           sh(in + "ip addr add " + v4 + ".2/24 dev " + there) &&
           sh(in + "ip addr add " + v6 + "2/64 dev " + there + " nodad") &&
           sh("ip link set " + here + " up") && sh(in + "ip link set " + there + " up") &&
           sh("ethtool -K " + here + " tx off") && sh(in + "ethtool -K " + there + " tx off");
  }

  bool v6() const { return GetParam() == IpVersion::V6; }
  // The relayed address's and the peer's family: the client's unless a test sets another.
  IpVersion relay_version() const { return relay_version_.value_or(GetParam()); }
  TransportAddress server_ip() const {
    return v6() ? TransportAddress::v6({0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
                                       ternd_->port())
                : TransportAddress::v4({10, 77, 1, 1}, ternd_->port());
  }
  TransportAddress peer_ip() const {
    return relay_version() == IpVersion::V6
               ? TransportAddress::v6({0xfd, 0x77, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 0)
               : TransportAddress::v4({10, 77, 2, 2}, 0);
  }

  // `allow_peers`: the peers' private networks allowed on the command line, else left to
  // the test (a config file). `env`: NAME=VALUE entries for ternd's environment.
  void start(std::vector<std::string> extra, bool allow_peers = true,
             std::vector<std::string> env = {}) {
    std::vector<std::string> args{"--listening-ip",
                                  "10.77.1.1",
                                  "--listening-ip",
                                  "fd77:1::1",
                                  "--relay-ip",
                                  "10.77.2.1",
                                  "--relay-ip",
                                  "fd77:2::1",
                                  "--user",
                                  "alice:secret",
                                  "--realm",
                                  kRealm,
                                  "--prometheus-listen",
                                  "127.0.0.1:" + std::to_string(kMetricsPort),
                                  "--offload",
                                  offload_};
    args.insert(args.end(), {"--admin-listen", "127.0.0.1:" + std::to_string(kAdminPort),
                             "--admin-token", kToken});
    if (allow_peers) {
      args.insert(args.end(),
                  {"--allowed-peer-ip", "10.77.2.0/24", "--allowed-peer-ip", "fd77:2::/64"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto t = TerndProcess::start({.args = std::move(args), .env = std::move(env)});
    ASSERT_TRUE(t) << t.error();
    ternd_.emplace(std::move(*t));
    if (ternd_->log().find("kernel offload on") == std::string::npos && expect_offload_) {
      GTEST_SKIP() << "the program did not attach here: " << ternd_->log();
    }
  }

  // A client in the client namespace with a channel to a peer in the peer namespace.
  void bind_channel() { bind_channel_to(peer_ns_, peer_ip()); }

  // The same to a peer at `peer` in namespace `ns`.
  void bind_channel_to(const std::string& ns, const TransportAddress& peer) {
    {
      InNamespace in(client_ns_);
      ASSERT_TRUE(in.ok());
      client_ =
          allocated_client(Transport::Udp, server_ip(), {.family = family_of(relay_version())},
                           {.username = "alice", .password = "secret"});
    }
    {
      InNamespace in(ns);
      ASSERT_TRUE(in.ok());
      auto p = UdpPeer::open(peer);
      ASSERT_TRUE(p) << p.error();
      peer_.emplace(std::move(*p));
    }
    ASSERT_TRUE(client_);
    relayed_ = client_->relayed(family_of(relay_version()));
    ASSERT_TRUE(IsSuccess(client_->channel_bind(kChannel, peer_->address())));
  }

  // A third namespace (third_ns_), made once ternd runs, joined to ternd's by the veth pair
  // vn0/vn1 (as join(): 10.77.3.0/24, fd77:3::/64), whose way back to the relayed
  // addresses (on vp0's network) is through ternd's namespace. ternd allows its peers with
  // kThirdPeers.
  void make_third_namespace() {
    third_ns_ = "tern-on-" + std::to_string(::getpid());
    ASSERT_TRUE(sh("ip netns add " + third_ns_)) << "ip netns add";
    more_ns_.push_back(third_ns_);
    const std::string in = "ip netns exec " + third_ns_ + " ";
    ASSERT_TRUE(join("vn", third_ns_, "10.77.3", "fd77:3::") &&
                sh(in + "ip route add default via 10.77.3.1") &&
                sh(in + "ip -6 route add default via fd77:3::1"))
        << "vn0/vn1";
  }
  inline static const std::vector<std::string> kThirdPeers{"--allowed-peer-ip", "10.77.3.0/24",
                                                           "--allowed-peer-ip", "fd77:3::/64"};
  // The peer's address in the third namespace, of the relayed address's family.
  TransportAddress third_peer_ip() const {
    return relay_version() == IpVersion::V6
               ? TransportAddress::v6({0xfd, 0x77, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 0)
               : TransportAddress::v4({10, 77, 3, 2}, 0);
  }

  // Whether ternd's log has `line` within 5 s.
  bool logged(const std::string& line) {
    for (int i = 0; i < 100 && ternd_->log().find(line) == std::string::npos; ++i)
      std::this_thread::sleep_for(50ms);
    return ternd_->log().find(line) != std::string::npos;
  }

  // The BPF programs a process holds, and how many of its fds are tcx and XDP links, from
  // /proc/PID/fdinfo ("prog_id:", "link_type:\ttcx").
  struct Held {
    std::set<uint32_t> programs;
    int tcx_links = 0;
    int xdp_links = 0;
  };
  static Held held_by(pid_t pid) {
    Held held;
    const std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      std::ifstream in(entry.path());
      for (std::string line; std::getline(in, line);) {
        if (line.starts_with("prog_id:"))
          held.programs.insert(static_cast<uint32_t>(std::stoul(line.substr(8))));
        if (line == "link_type:\ttcx") ++held.tcx_links;
        if (line == "link_type:\txdp") ++held.xdp_links;
      }
    }
    return held;
  }

  // A bound channel the program relays: both ways learned, its counters moved.
  void relayed_by_the_program() {
    ASSERT_NO_FATAL_FAILURE(bind_channel());
    for (unsigned i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100, i * 2));
    EXPECT_GE(metrics_until([](auto& m) { return m[kOffloaded] >= 4; })[kOffloaded], 4u)
        << "the program did not relay: " << ternd_->log();
  }

  // Data of `size` bytes that tells one datagram from another.
  static Bytes data(size_t size, unsigned seed) {
    Bytes b(size);
    for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(seed * 131 + i * 7);
    return b;
  }

  // One datagram of `size` bytes from the client to the peer, checked byte for byte.
  void up(size_t size, unsigned seed) {
    const Bytes sent = data(size, seed);
    ASSERT_TRUE(client_->send_channel_data(kChannel, sent));
    auto got = peer_->receive(3000ms);
    ASSERT_TRUE(got) << "to the peer, " << size << " bytes: " << to_string(got.error());
    EXPECT_EQ(got->data, sent) << size << " bytes";
    EXPECT_EQ(got->from, relayed_);
  }

  // One datagram of `size` bytes from the peer to the client as ChannelData, checked byte
  // for byte.
  void down(size_t size, unsigned seed) {
    const Bytes sent = data(size, seed);
    ASSERT_TRUE(peer_->send_to(relayed_, sent));
    auto got = client_->receive_data(3000ms);
    ASSERT_TRUE(got) << "to the client, " << size << " bytes: " << to_string(got.error());
    EXPECT_EQ(got->kind, Relayed::Kind::ChannelData);
    EXPECT_EQ(got->channel, kChannel);
    EXPECT_EQ(got->data, sent) << size << " bytes";
    EXPECT_EQ(got->wire.size(), 4 + size);
  }

  // One datagram each way, checked byte for byte.
  void round_trip(size_t size, unsigned seed) {
    ASSERT_NO_FATAL_FAILURE(up(size, seed));
    ASSERT_NO_FATAL_FAILURE(down(size, seed + 1));
  }

  // Whether a datagram still gets through to the peer within `wait`.
  bool reaches_peer(unsigned seed, std::chrono::milliseconds wait) {
    if (!client_->send_channel_data(kChannel, data(32, seed))) return false;
    return static_cast<bool>(peer_->receive(wait));
  }

  // Datagrams of many sizes both ways, every byte checked, then the counts in /metrics,
  // the admin API's session and the deletion line, with the program's share.
  void every_byte_intact_and_counted();

  // max-bps in the program: with a 20,000 B/s cap, 200 datagrams of 1,000 bytes each way;
  // at most the bucket's burst plus rate × time reaches the other side, and what the
  // program dropped is counted as user space counts its bandwidth drops.
  static constexpr uint64_t kCapRate = 20000;  // bytes per second
  void capped_allocation_within_its_bucket();
  // Those bursts on the bound channel, whose buckets were made full no earlier than
  // `made`, with `offloaded` packets the program's before.
  void bursts_within_the_bucket(std::chrono::steady_clock::time_point made, uint64_t offloaded);

  // Without CAP_BPF and CAP_SYS_ADMIN in ternd's bounding set (--offload=offload_): one
  // line, and user space relays.
  void user_space_relays_without_privilege();

  std::map<std::string, uint64_t> metrics() {
    std::map<std::string, uint64_t> out;
    auto r = http("GET", "/metrics", std::nullopt, kMetricsPort);
    if (!r) return out;
    std::istringstream lines(r->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with('#') || line.rfind(' ') == std::string::npos) continue;
      out[line.substr(0, line.rfind(' '))] =
          std::strtoull(line.substr(line.rfind(' ') + 1).c_str(), nullptr, 10);
    }
    return out;
  }

  // Scrapes until `done` holds, for at most 10 s (the sweep counts the kernel's traffic
  // once a second).
  std::map<std::string, uint64_t> metrics_until(
      const std::function<bool(std::map<std::string, uint64_t>&)>& done) {
    std::map<std::string, uint64_t> m;
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(100ms)) {
      m = metrics();
      if (done(m)) break;
    }
    return m;
  }

  std::string client_ns_, peer_ns_;
  std::vector<std::string> more_ns_;  // made by a test (ip netns add), removed as the others
  std::string third_ns_;              // make_third_namespace()
  bool routed_ = false;
  bool made_ = false;
  bool expect_offload_ = true;
  std::string offload_ = "tc";  // --offload
  std::optional<IpVersion> relay_version_;
  std::optional<TerndProcess> ternd_;
  std::optional<TurnClient> client_;
  std::optional<UdpPeer> peer_;
  TransportAddress relayed_;
};

// Where the program hands frames across: straight to a veth's other end when it leads to
// another namespace, else routed out.
inline const std::string kStraight = "straight to the other namespace: ";

// The same through VXLAN tunnel devices, where the program routes frames out
// (bpf_redirect_neigh) as it does on a host's NICs.
class OffloadRouted : public Offload {
 protected:
  void SetUp() override {
    routed_ = true;
    Offload::SetUp();
  }
};

inline void Offload::every_byte_intact_and_counted() {
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  // Sizes odd and even, from none to a full Ethernet frame's worth: the program moves the
  // data by 4 bytes each way.
  const std::vector<size_t> sizes{0, 1, 2, 3, 4, 5, 7, 8, 63, 120, 161, 1000, 1200, 1399};
  uint64_t bytes = 0;
  unsigned seed = 1;
  for (int round = 0; round < 3; ++round) {
    for (size_t size : sizes) {
      ASSERT_NO_FATAL_FAILURE(round_trip(size, seed += 2));
      bytes += size;
    }
  }
  const uint64_t n = 3 * sizes.size();
  auto m = metrics_until([&](auto& m) { return m[kToPeer] == n && m[kToClient] == n; });
  EXPECT_EQ(m[kToPeer], n);
  EXPECT_EQ(m[kToClient], n);
  EXPECT_EQ(m[kBytesToPeer], bytes);
  // The first datagram from the client goes through user space: the program has not yet
  // seen on which interface the peer is. Every later one is the program's.
  EXPECT_GE(m[kOffloaded], 2 * n - 1) << ternd_->log();

  // The session's counts in the admin API (ternctl sessions), once a sweep took them.
  const auto session_has = [&](const std::string& key, uint64_t value) {
    auto r = http("GET", "/v1/sessions", kToken, kAdminPort);
    if (!r) return false;
    const auto at = r->body.find("\"" + key + "\":");
    return at != std::string::npos &&
           std::strtoull(r->body.c_str() + at + key.size() + 3, nullptr, 10) == value;
  };
  for (auto until = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < until &&
       !(session_has("packets_to_peer", n) && session_has("packets_to_client", n));) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(session_has("packets_to_peer", n));
  EXPECT_TRUE(session_has("bytes_to_peer", bytes));
  EXPECT_TRUE(session_has("packets_to_client", n));

  // The allocation's own counts, as the deletion line (and the statsdb) says them.
  ASSERT_TRUE(IsSuccess(client_->refresh(0)));
  const std::string expected = "packets_to_peer=" + std::to_string(n) +
                               " bytes_to_peer=" + std::to_string(bytes) +
                               " packets_to_client=" + std::to_string(n);
  for (auto until = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < until &&
       ternd_->log().find("allocation deleted") == std::string::npos;) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(ternd_->log().find(expected), std::string::npos) << ternd_->log();
}

inline void Offload::capped_allocation_within_its_bucket() {
  ASSERT_NO_FATAL_FAILURE(start({"--max-bps", std::to_string(kCapRate)}));
  const auto made = std::chrono::steady_clock::now();  // before the bucket is
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  // The first datagram from the client takes the user-space walk (the program learns
  // the ways), and user space's own bucket: the ones after are the program's.
  ASSERT_NO_FATAL_FAILURE(round_trip(100, 1));
  ASSERT_NO_FATAL_FAILURE(bursts_within_the_bucket(made, 0));
}

inline void Offload::bursts_within_the_bucket(std::chrono::steady_clock::time_point made,
                                              uint64_t offloaded) {
  constexpr uint64_t kRate = kCapRate, kBurst = 65535;  // TokenBucket's least burst
  constexpr size_t kSize = 1000, kCount = 200;
  const auto bound = [&] {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - made)
                        .count();
    return kBurst + kRate * static_cast<uint64_t>(us) / 1'000'000 + 1;
  };

  uint64_t to_peer = 0;
  for (unsigned i = 0; i < kCount; ++i)
    ASSERT_TRUE(client_->send_channel_data(kChannel, data(kSize, i)));
  for (auto got = peer_->receive(500ms); got; got = peer_->receive(500ms)) {
    EXPECT_EQ(got->data.size(), kSize);
    to_peer += got->data.size();
  }
  EXPECT_LE(to_peer, bound()) << "to the peer";
  EXPECT_GE(to_peer, kBurst / 2) << "to the peer: the burst at least";

  uint64_t to_client = 0;
  for (unsigned i = 0; i < kCount; ++i) ASSERT_TRUE(peer_->send_to(relayed_, data(kSize, i)));
  for (auto got = client_->receive_data(500ms); got; got = client_->receive_data(500ms)) {
    EXPECT_EQ(got->data.size(), kSize);
    to_client += got->data.size();
  }
  EXPECT_LE(to_client, bound()) << "to the client";
  EXPECT_GE(to_client, kBurst / 2) << "to the client: the burst at least";

  // Relayed by the program, and what it dropped counted as user space counts its own.
  const uint64_t relayed = (to_peer + to_client) / kSize;
  const std::string over_to_peer = R"(tern_dropped_total{reason="bandwidth_to_peer"})";
  const std::string over_to_client = R"(tern_dropped_total{reason="bandwidth_to_client"})";
  auto m = metrics_until([&](auto& m) {
    return m[kOffloaded] >= offloaded + relayed && m[over_to_peer] + to_peer / kSize >= kCount &&
           m[over_to_client] + to_client / kSize >= kCount;
  });
  EXPECT_GE(m[kOffloaded], offloaded + relayed) << ternd_->log();
  EXPECT_EQ(m[over_to_peer], kCount - to_peer / kSize);
  EXPECT_EQ(m[over_to_client], kCount - to_client / kSize);
}

inline void Offload::user_space_relays_without_privilege() {
  // ternd inherits a bounding set without CAP_BPF and CAP_SYS_ADMIN: the program does not
  // load, as for an unprivileged ternd.
  // The bounding set only limits what an exec gets: this process keeps its capabilities.
  ASSERT_EQ(::prctl(PR_CAPBSET_DROP, kCapBpf, 0, 0, 0), 0);
  ASSERT_EQ(::prctl(PR_CAPBSET_DROP, kCapSysAdmin, 0, 0, 0), 0);
  expect_offload_ = false;
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  for (unsigned i = 0; i < 4; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(200 + i, i * 2));
  const std::string log = ternd_->log();
  EXPECT_NE(log.find("kernel offload off: the BPF program does not load"), std::string::npos)
      << log;
  auto m = metrics_until([&](auto& m) { return m[kToPeer] == 4; });
  EXPECT_EQ(m[kToPeer], 4u);
  EXPECT_EQ(m[kOffloaded], 0u);
  // No program, no totals of one.
  EXPECT_FALSE(m.contains(program_relayed("tc", "to_peer")));
  EXPECT_FALSE(m.contains("tern_offload_passed_packets_total"));
}

}  // namespace tern::test

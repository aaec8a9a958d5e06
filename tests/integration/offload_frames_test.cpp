// The kernel fast path (--offload, issue #16) and frames the kernel's IP layer would not
// take, though their addresses match a channel's: the program relays only what ternd's
// own socket would have received, the TC program and (XdpIpVersions/) the XDP program ahead
// of it alike. A frame to another station's Ethernet address
// (PACKET_OTHERHOST: a promiscuous interface, a switch flooding an address it has not
// learned, a failover address that moved to another host) is dropped by ip_rcv and must
// not be relayed by the program either; nor a datagram whose headers claim more bytes
// than its frame holds, nor an IPv4 header with a wrong checksum; and a source address on
// another link than the kernel routes it by steers nothing. On the fixture of
// offload_fixture.h; root only: skipped elsewhere.

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/integration/offload_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// Instantiated twice: IpVersions/ with the TC program, XdpIpVersions/ with --offload=xdp
// (the XDP program ahead of TC, which must leave the same frames alone).
class OffloadFrames : public Offload {
 protected:
  // The Ethernet address of one of this namespace's interfaces ("" if none).
  static std::string mac_of(const std::string& dev) {
    FileDescriptor fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq request{};
    std::snprintf(request.ifr_name, sizeof request.ifr_name, "%s", dev.c_str());
    if (!fd.valid() || ::ioctl(fd.get(), SIOCGIFHWADDR, &request) != 0) return "";
    const auto* b = reinterpret_cast<const uint8_t*>(request.ifr_hwaddr.sa_data);
    char text[18];
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
                  b[5]);
    return text;
  }

  // What is wrong with a frame made by frame().
  struct Fault {
    size_t claimed = 0;  // the data bytes the headers claim (0: those there are)
    bool ip4_checksum_bad = false;
  };

  // A frame from the peer's namespace to ternd, made byte by byte: a UDP datagram of `data`
  // from the peer to the relayed address, with `fault`. Its UDP checksum is right (for
  // data the headers claim beyond the frame's: right were they zeros).
  Bytes frame(const Bytes& data, Fault fault, const std::string& to_mac,
              const std::string& from_mac) const {
    const size_t claimed = fault.claimed ? fault.claimed : data.size();
    Bytes f;
    const auto put = [&f](std::initializer_list<size_t> values, size_t width) {
      for (size_t v : values) {
        for (size_t i = width; i-- > 0;) f.push_back(static_cast<uint8_t>(v >> (8 * i)));
      }
    };
    const auto mac = [&](const std::string& text) {
      unsigned b[6] = {};
      std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
      for (unsigned x : b) f.push_back(static_cast<uint8_t>(x));
    };
    const TransportAddress from = peer_->address(), to = relayed_;
    const size_t udp_len = 8 + claimed;
    mac(to_mac);
    mac(from_mac);
    const bool six = from.family == Family::V6;
    put({six ? 0x86ddu : 0x0800u}, 2);
    const size_t ip_at = f.size();
    if (six) {
      put({0x60000000u}, 4);
      put({udp_len}, 2);
      put({17, 64}, 1);
    } else {
      put({0x45, 0}, 1);
      put({20 + udp_len, 0, 0x4000}, 2);
      put({64, 17}, 1);
      put({0}, 2);  // the header's checksum, below
    }
    f.insert(f.end(), from.ip_bytes().begin(), from.ip_bytes().end());
    f.insert(f.end(), to.ip_bytes().begin(), to.ip_bytes().end());
    const auto sum = [](const uint8_t* at, size_t n, uint32_t s = 0) {
      for (size_t i = 0; i < n; i += 2) s += (at[i] << 8) | (i + 1 < n ? at[i + 1] : 0);
      return s;
    };
    const auto fold = [](uint32_t s) {
      while (s >> 16) s = (s & 0xffff) + (s >> 16);
      return static_cast<uint16_t>(~s);
    };
    if (!six) {
      const uint16_t check = fold(sum(f.data() + ip_at, 20)) ^ (fault.ip4_checksum_bad ? 1 : 0);
      f[ip_at + 10] = static_cast<uint8_t>(check >> 8);
      f[ip_at + 11] = static_cast<uint8_t>(check);
    }
    const size_t udp_at = f.size();
    put({from.port, to.port, udp_len, 0}, 2);
    f.insert(f.end(), data.begin(), data.end());
    // The pseudo-header: both addresses, the protocol and the UDP length.
    uint32_t s = sum(from.ip_bytes().data(), from.ip_bytes().size());
    s = sum(to.ip_bytes().data(), to.ip_bytes().size(), s) + 17 + static_cast<uint32_t>(udp_len);
    uint16_t check = fold(sum(f.data() + udp_at, f.size() - udp_at, s));
    if (check == 0) check = 0xffff;
    f[udp_at + 6] = static_cast<uint8_t>(check >> 8);
    f[udp_at + 7] = static_cast<uint8_t>(check);
    return f;
  }

  // Sends `frame` as it is out of this namespace's `dev`.
  static bool send_frame(const std::string& dev, const Bytes& frame) {
    FileDescriptor raw(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(::if_nametoindex(dev.c_str()));
    to.sll_halen = 6;
    return raw.valid() &&
           ::sendto(raw.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to),
                    sizeof to) == static_cast<ssize_t>(frame.size());
  }

  // Points the neighbour entry for `ip` on `dev` in `ns` at `mac`.
  static bool neighbour(const std::string& ns, const std::string& ip, const std::string& dev,
                        const std::string& mac) {
    return sh("ip netns exec " + ns + " ip neigh replace " + ip + " lladdr " + mac + " dev " + dev +
              " nud permanent");
  }
};

constexpr char kElsewhere[] = "02:00:5e:00:53:01";  // no interface's here

TEST_P(OffloadFrames, AFrameToAnotherStationsEthernetAddress_IsNotRelayed) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());

  // The client's and the peer's frames to ternd now name another station.
  const std::string server = server_ip().ip_string(), relay = relayed_.ip_string();
  ASSERT_TRUE(neighbour(client_ns_, server, "vc1", kElsewhere));
  ASSERT_TRUE(neighbour(peer_ns_, relay, "vp1", kElsewhere));
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_FALSE(reaches_peer(100 + i, 300ms)) << "datagram " << i << " to another station";
    ASSERT_TRUE(peer_->send_to(relayed_, data(16, i)));
    EXPECT_FALSE(client_->receive_data(300ms)) << "datagram " << i << " to another station";
  }

  // Addressed to ternd again, the channel works as before.
  ASSERT_TRUE(neighbour(client_ns_, server, "vc1", mac_of("vc0")));
  ASSERT_TRUE(neighbour(peer_ns_, relay, "vp1", mac_of("vp0")));
  ASSERT_NO_FATAL_FAILURE(round_trip(100, 50));
}

// A datagram whose headers claim more than its frame holds (a truncated or a forged one)
// is dropped by ip_rcv. The program must not relay it either: grown to the length its
// headers claim, the missing bytes zeros, it would reach the client as ChannelData many
// times the size of what the peer sent.
TEST_P(OffloadFrames, ADatagramShorterThanItsHeadersSay_IsNotRelayed) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  const std::string ternd_mac = mac_of("vp0");
  {
    InNamespace in(peer_ns_);
    ASSERT_TRUE(in.ok());
    const Bytes truncated = frame(data(100, 7), {.claimed = 1000}, ternd_mac, mac_of("vp1"));
    ASSERT_TRUE(send_frame("vp1", truncated));
  }
  auto got = client_->receive_data(500ms);
  EXPECT_FALSE(got) << "relayed as " << (got ? got->data.size() : 0) << " bytes";
  // The channel still works.
  ASSERT_NO_FATAL_FAILURE(round_trip(100, 50));
}

// An IPv4 header with a wrong checksum, which the kernel's ip_rcv refuses, is not relayed
// by the program either, which would write a right checksum over it. IPv6 headers have
// no checksum.
TEST_P(OffloadFrames, AnIpv4HeaderWithAWrongChecksum_IsNotRelayed) {
  if (v6()) GTEST_SKIP() << "IPv4 only";
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  const std::string ternd_mac = mac_of("vp0");
  {
    InNamespace in(peer_ns_);
    ASSERT_TRUE(in.ok());
    ASSERT_TRUE(send_frame(
        "vp1", frame(data(100, 7), {.ip4_checksum_bad = true}, ternd_mac, mac_of("vp1"))));
  }
  EXPECT_FALSE(client_->receive_data(500ms));
  ASSERT_NO_FATAL_FAILURE(round_trip(100, 50));
}

// The program runs before ip_rcv and rp_filter: were it to learn an address's way out
// from whatever matched packet last came from it, a host on another of ternd's links
// that sends one ChannelData with the client's address, port and channel (a container
// beside ternd, say) would take the peer's traffic to the client, where user space routes
// it to the client. The way is the kernel's route, which ternd looks up per route (#16).
TEST_P(OffloadFrames, AClientAddressSpoofedOnAnotherLink_DoesNotTakeThePeersTraffic) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  // A third namespace on a veth of its own, with the client's address.
  const std::string third = "tern-oa-" + std::to_string(::getpid());
  ASSERT_TRUE(sh("ip netns add " + third)) << "ip netns add";
  more_ns_.push_back(third);
  const std::string in = "ip netns exec " + third + " ";
  const std::string client = client_->local_address().ip_string();
  const std::string server = server_ip().ip_string();
  ASSERT_TRUE(sh("ip link add va0 type veth peer name va1 netns " + third) &&
              sh("ip link set va0 up") && sh(in + "ip link set va1 up") &&
              sh(in + "ip link set lo up") && sh(in + "ethtool -K va1 tx off") &&
              sh(in + "ip addr add " + client + (v6() ? "/128 nodad" : "/32") + " dev va1") &&
              sh(in + "ip route add " + server + " dev va1"));
  ASSERT_TRUE(neighbour(third, server, "va1", mac_of("va0")));
  FileDescriptor spoofer;
  {
    InNamespace there(third);
    ASSERT_TRUE(there.ok());
    spoofer = FileDescriptor(
        ::socket(v6() ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    const SockAddr from = to_sockaddr(client_->local_address());
    ASSERT_EQ(::bind(spoofer.get(), from.get(), from.length), 0) << std::strerror(errno);
    const Bytes channel_data{kChannel >> 8, kChannel & 0xff, 0, 4, 1, 2, 3, 4};
    const SockAddr to = to_sockaddr(server_ip());
    ASSERT_EQ(
        ::sendto(spoofer.get(), channel_data.data(), channel_data.size(), 0, to.get(), to.length),
        static_cast<ssize_t>(channel_data.size()));
  }
  (void)peer_->receive(1000ms);  // relayed or not: user space would relay it too
  const Bytes down = data(50, 3);
  ASSERT_TRUE(peer_->send_to(relayed_, down));
  auto got = client_->receive_data(1000ms);
  EXPECT_TRUE(got && got->data == down) << "the peer's datagram did not reach the client";
  uint8_t stolen[2048];
  EXPECT_LT(::recv(spoofer.get(), stolen, sizeof stolen, 0), 0) << "the spoofer got it";
  // The real client's own way is still the program's.
  const uint64_t before = metrics()[kOffloaded];
  ASSERT_NO_FATAL_FAILURE(round_trip(100, 60));
  EXPECT_GE(metrics_until([&](auto& m) { return m[kOffloaded] >= before + 2; })[kOffloaded],
            before + 2)
      << ternd_->log();
}

INSTANTIATE_TEST_SUITE_P(IpVersions, OffloadFrames, both_ip_versions(), ShortVersionName());
INSTANTIATE_TEST_SUITE_P(XdpIpVersions, OffloadFrames, both_ip_versions(), ShortVersionName());

}  // namespace
}  // namespace tern::test

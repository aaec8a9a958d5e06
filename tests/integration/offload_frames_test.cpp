// The kernel fast path (--offload, issue #16) and frames the kernel's IP layer would not
// take, though their addresses match a channel's: the program relays only what ternd's
// own socket would have received. A frame to another station's Ethernet address
// (PACKET_OTHERHOST: a promiscuous interface, a switch flooding an address it has not
// learned, a failover address that moved to another host) is dropped by ip_rcv and must
// not be relayed by the program either. On the fixture of offload_fixture.h; root only:
// skipped elsewhere.

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cstdio>

#include "tests/integration/offload_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

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
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  // Both ways learned: from here on the program relays the channel.
  for (unsigned i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100, i * 2));
  EXPECT_GE(metrics_until([](auto& m) { return m[kOffloaded] >= 4; })[kOffloaded], 4u)
      << ternd_->log();

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

INSTANTIATE_TEST_SUITE_P(IpVersions, OffloadFrames, ::testing::Values(IpVersion::V4, IpVersion::V6),
                         [](const auto& info) {
                           return info.param == IpVersion::V4 ? "V4" : "V6";
                         });

}  // namespace
}  // namespace tern::test

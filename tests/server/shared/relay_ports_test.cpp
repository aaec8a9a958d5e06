#include "server/shared/relay_ports.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/support/loopback.h"
#include "tests/support/relay_port_range.h"
#include "tests/support/test_params.h"

namespace tern {
namespace {

using test::IpVersion;

// A plain socket (no SO_REUSEADDR) on `address`, or an invalid one if the port is taken.
FileDescriptor plain_bound_socket(const TransportAddress& address) {
  FileDescriptor fd(::socket(address.family == Family::V4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0));
  const SockAddr sa = to_sockaddr(address);
  if (!fd.valid() || ::bind(fd.get(), sa.get(), sa.length) != 0) return FileDescriptor();
  return fd;
}

uint16_t last_port(uint16_t base, uint32_t count) {
  return static_cast<uint16_t>(base + count - 1);
}

class RelayPortsTest : public ::testing::TestWithParam<IpVersion> {
 protected:
  void SetUp() override {
    if (GetParam() == IpVersion::V6 &&
        !plain_bound_socket(test::loopback(IpVersion::V6, 0)).valid()) {
      GTEST_SKIP() << "::1 cannot be bound here";
    }
  }
  TransportAddress ip() const { return test::loopback(GetParam(), 0); }
  TransportAddress at(uint16_t port) const {
    TransportAddress a = ip();
    a.port = port;
    return a;
  }
};

INSTANTIATE_TEST_SUITE_P(IpVersions, RelayPortsTest, test::both_ip_versions(),
                         test::ShortVersionName());

TEST_P(RelayPortsTest, Acquire_SocketIsBoundInRangeNonBlockingCloseOnExec) {
  const auto range = test::free_even_udp_port_range(64);
  const uint16_t base = range.base;
  RelayPorts pool(ip(), base, last_port(base, 64));
  for (int i = 0; i < 20; ++i) {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease) << lease.error().reason;
    EXPECT_GE(lease->port(), base);
    EXPECT_LE(lease->port(), last_port(base, 64));
    EXPECT_EQ(lease->address(), at(lease->port()));
    const auto bound = local_address(lease->fd());
    ASSERT_TRUE(bound);
    EXPECT_EQ(*bound, lease->address());
    EXPECT_TRUE(::fcntl(lease->fd(), F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(lease->fd(), F_GETFD) & FD_CLOEXEC);
    int type = 0;
    socklen_t len = sizeof type;
    ASSERT_EQ(::getsockopt(lease->fd(), SOL_SOCKET, SO_TYPE, &type, &len), 0);
    EXPECT_EQ(type, SOCK_DGRAM);
  }
}

// Bursts from a peer must fit while the worker is busy elsewhere: the relay socket asks
// for more than the system's default receive buffer (as much as net.core.rmem_max allows).
TEST_P(RelayPortsTest, Acquire_SocketHasALargerReceiveBufferThanTheDefault) {
  const auto range = test::free_even_udp_port_range(8);
  const uint16_t base = range.base;
  RelayPorts pool(ip(), base, last_port(base, 8));
  auto lease = pool.acquire();
  ASSERT_TRUE(lease) << lease.error().reason;
  auto buffer_of = [](int fd) {
    int bytes = 0;
    socklen_t len = sizeof bytes;
    EXPECT_EQ(::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, &len), 0);
    return bytes;
  };
  const int plain = ::socket(ip().family == Family::V4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0);
  ASSERT_GE(plain, 0);
  const int default_bytes = buffer_of(plain);
  ::close(plain);
  EXPECT_GT(buffer_of(lease->fd()), default_bytes);
}

TEST_P(RelayPortsTest, Acquire_WholeRangeWhileHeld_NoDuplicatesThenExhausted) {
  constexpr uint32_t kCount = 128;
  const auto range = test::free_even_udp_port_range(kCount);
  const uint16_t base = range.base;
  RelayPorts pool(ip(), base, last_port(base, kCount));
  ASSERT_EQ(pool.capacity(), kCount);
  std::vector<PortLease> leases;
  std::set<uint16_t> ports;
  for (uint32_t i = 0; i < kCount; ++i) {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease) << lease.error().reason;
    EXPECT_TRUE(ports.insert(lease->port()).second) << "port " << lease->port() << " twice";
    leases.push_back(std::move(*lease));
  }
  EXPECT_EQ(pool.in_use(), kCount);
  const auto none = pool.acquire();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, AcquireError::Kind::Exhausted);
}

TEST_P(RelayPortsTest, Acquire_TinyRangeExhausted_ReleasedPortIsAvailableAgain) {
  const auto range = test::free_even_udp_port_range(4);
  const uint16_t base = range.base;
  RelayPorts pool(ip(), base, last_port(base, 4));
  std::vector<PortLease> leases;
  for (int i = 0; i < 4; ++i) {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease) << lease.error().reason;
    leases.push_back(std::move(*lease));
  }
  EXPECT_FALSE(pool.acquire());
  EXPECT_EQ(pool.in_use(), 4u);
  EXPECT_EQ(pool.available(), 0u);

  const uint16_t freed = leases[2].port();
  leases[2].reset();
  EXPECT_EQ(pool.in_use(), 3u);
  auto again = pool.acquire();
  ASSERT_TRUE(again) << again.error().reason;
  EXPECT_EQ(again->port(), freed);
}

TEST_P(RelayPortsTest, Lease_MovedFrom_DoesNotReturnThePort) {
  const auto range = test::free_even_udp_port_range(4);
  const uint16_t base = range.base;
  RelayPorts pool(ip(), base, last_port(base, 4));
  auto lease = pool.acquire();
  ASSERT_TRUE(lease);
  PortLease moved = std::move(*lease);
  lease->reset();
  EXPECT_FALSE(lease->valid());
  EXPECT_TRUE(moved.valid());
  EXPECT_EQ(pool.in_use(), 1u);
  PortLease assigned;
  assigned = std::move(moved);
  EXPECT_EQ(pool.in_use(), 1u);
  assigned = PortLease();
  EXPECT_EQ(pool.in_use(), 0u);
  EXPECT_EQ(pool.available(), 4u);
}

TEST_P(RelayPortsTest, AcquireEven_OddBasedRange_GivesOnlyEvenPorts) {
  const auto range = test::free_even_udp_port_range(202);
  const auto base = static_cast<uint16_t>(range.base + 1);  // odd first port
  RelayPorts pool(ip(), base, last_port(base, 200));
  std::vector<PortLease> leases;
  for (int i = 0; i < 100; ++i) {
    auto lease = pool.acquire(true);
    ASSERT_TRUE(lease) << lease.error().reason;
    EXPECT_EQ(lease->port() % 2, 0) << lease->port();
    leases.push_back(std::move(*lease));
  }
  const auto none = pool.acquire(true);
  ASSERT_FALSE(none) << "a 101st even port in a range with 100";
  EXPECT_EQ(none.error().kind, AcquireError::Kind::Exhausted);
  EXPECT_TRUE(pool.acquire(false)) << "odd ports are still free";
}

TEST_P(RelayPortsTest, AcquirePair_IsEvenAndTheOddAboveIt) {
  const auto range = test::free_even_udp_port_range(64);
  const uint16_t base = range.base;
  RelayPorts pool(ip(), base, last_port(base, 64));
  for (int i = 0; i < 10; ++i) {
    auto pair = pool.acquire_pair();
    ASSERT_TRUE(pair) << pair.error().reason;
    EXPECT_EQ(pair->first.port() % 2, 0);
    EXPECT_EQ(pair->second.port(), pair->first.port() + 1);
    ASSERT_TRUE(local_address(pair->second.fd()));
    EXPECT_EQ(*local_address(pair->second.fd()), pair->second.address());
  }
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST_P(RelayPortsTest, AcquirePair_FreePortsNotAdjacent_IsExhausted) {
  const auto range = test::free_even_udp_port_range(4);
  const uint16_t base = range.base;
  RelayPorts pool(ip(), base, last_port(base, 4));
  std::vector<PortLease> leases;
  for (int i = 0; i < 4; ++i) leases.push_back(std::move(*pool.acquire()));
  // Free base (even) and base+3 (odd): two free ports, no even/odd pair.
  for (auto& l : leases) {
    if (l.port() == base || l.port() == base + 3) l.reset();
  }
  ASSERT_EQ(pool.available(), 2u);
  const auto pair = pool.acquire_pair();
  ASSERT_FALSE(pair);
  EXPECT_EQ(pair.error().kind, AcquireError::Kind::Exhausted);
  EXPECT_EQ(pool.available(), 2u);

  for (auto& l : leases) {
    if (l.port() == base + 1) l.reset();
  }
  const auto now_paired = pool.acquire_pair();
  ASSERT_TRUE(now_paired) << now_paired.error().reason;
  EXPECT_EQ(now_paired->first.port(), base);
}

TEST_P(RelayPortsTest, AcquirePair_AfterMixedUse_EveryPairIsBackWhenAllReleased) {
  constexpr uint32_t kCount = 16;
  const auto range = test::free_even_udp_port_range(kCount);
  const uint16_t base = range.base;
  RelayPorts pool(ip(), base, last_port(base, kCount));
  std::mt19937 rng(7);
  std::vector<PortLease> leases;
  for (int i = 0; i < 400; ++i) {
    if (leases.size() < 10 && rng() % 2 == 0) {
      auto lease = pool.acquire(rng() % 3 == 0);
      if (lease) leases.push_back(std::move(*lease));
    } else if (!leases.empty()) {
      leases.erase(leases.begin() + static_cast<long>(rng() % leases.size()));
    }
  }
  leases.clear();
  std::vector<std::pair<PortLease, PortLease>> pairs;
  for (uint32_t i = 0; i < kCount / 2; ++i) {
    auto pair = pool.acquire_pair();
    ASSERT_TRUE(pair) << "pair " << i << ": " << pair.error().reason;
    pairs.push_back(std::move(*pair));
  }
  EXPECT_FALSE(pool.acquire());
}

TEST_P(RelayPortsTest, Acquire_PortHeldByPlainSocketElsewhere_IsSkipped) {
  const auto range = test::free_even_udp_port_range(2);
  const uint16_t base = range.base;
  FileDescriptor outside = plain_bound_socket(at(base));
  ASSERT_TRUE(outside.valid());
  RelayPorts pool(ip(), base, last_port(base, 2));
  auto lease = pool.acquire();
  ASSERT_TRUE(lease) << lease.error().reason;
  EXPECT_EQ(lease->port(), base + 1);
  EXPECT_FALSE(pool.acquire());
  EXPECT_EQ(pool.available(), 0u) << "the refused port is set aside, not offered again";
}

// The peer policy's view (read without the pool's lock): a port is ours while a lease has
// it bound, never while a socket of someone else's holds it.
TEST_P(RelayPortsTest, IsLeased_WhileALeaseHoldsIt_NotForAPortHeldElsewhere) {
  const auto range = test::free_even_udp_port_range(2);
  const uint16_t base = range.base;
  FileDescriptor outside = plain_bound_socket(at(base));
  ASSERT_TRUE(outside.valid());
  RelayPorts pool(ip(), base, last_port(base, 2));
  auto lease = pool.acquire();
  ASSERT_TRUE(lease) << lease.error().reason;
  EXPECT_TRUE(pool.is_leased(lease->port()));
  EXPECT_FALSE(pool.is_leased(base)) << "refused by the kernel: someone else's";
  EXPECT_FALSE(pool.is_leased(static_cast<uint16_t>(base - 1)));
  EXPECT_FALSE(pool.is_leased(static_cast<uint16_t>(base + 2)));
  lease->reset();
  EXPECT_FALSE(pool.is_leased(static_cast<uint16_t>(base + 1)));
}

// Linux lets two UDP sockets that both set SO_REUSEADDR share a port; a relay socket that set
// it would share a port with such a socket and steal or lose its datagrams.
TEST_P(RelayPortsTest, Acquire_PortHeldBySoReuseAddrSocketElsewhere_IsSkipped) {
  const auto range = test::free_even_udp_port_range(1);
  const uint16_t base = range.base;
  auto outside = open_bound_socket(SocketKind::Udp, at(base), {.reuse_port = false});
  ASSERT_TRUE(outside) << outside.error();
  RelayPorts pool(ip(), base, base);
  const auto none = pool.acquire();
  ASSERT_FALSE(none) << "bound port " << none->port() << " beside another socket";
  EXPECT_EQ(none.error().kind, AcquireError::Kind::Exhausted);
}

TEST_P(RelayPortsTest, Acquire_RefusedPortAfterCooldown_IsOfferedAgain) {
  const auto range = test::free_even_udp_port_range(1);
  const uint16_t base = range.base;
  FileDescriptor outside = plain_bound_socket(at(base));
  RelayPorts pool(ip(), base, base, std::chrono::seconds(0));
  EXPECT_FALSE(pool.acquire());
  outside.reset();
  auto lease = pool.acquire();
  ASSERT_TRUE(lease) << lease.error().reason;
  EXPECT_EQ(lease->port(), base);
}

TEST_P(RelayPortsTest, Acquire_EveryPortHeldElsewhere_GivesUpAfterBoundedTries) {
  constexpr uint32_t kCount = 40;
  const auto range = test::free_even_udp_port_range(kCount);
  const uint16_t base = range.base;
  std::vector<FileDescriptor> outside;
  for (uint32_t i = 0; i < kCount; ++i) {
    outside.push_back(plain_bound_socket(at(static_cast<uint16_t>(base + i))));
  }
  RelayPorts pool(ip(), base, last_port(base, kCount), std::chrono::seconds(0));
  const auto none = pool.acquire();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, AcquireError::Kind::Exhausted);
  EXPECT_EQ(pool.available(), kCount - RelayPorts::kMaxBindAttempts);
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST_P(RelayPortsTest, Acquire_RelayIpNotOnThisHost_IsSocketFailedAndPortReturns) {
  // TEST-NET-1 / documentation prefix: never a local address.
  const auto foreign = *parse_ip(GetParam() == IpVersion::V4 ? "192.0.2.1" : "2001:db8::1");
  RelayPorts pool(foreign, 61000, 61003);
  const auto none = pool.acquire();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, AcquireError::Kind::SocketFailed);
  EXPECT_NE(none.error().reason.find("61"), std::string::npos) << none.error().reason;
  EXPECT_EQ(pool.available(), 4u);
  EXPECT_FALSE(pool.acquire_pair());
  EXPECT_EQ(pool.available(), 4u);
}

TEST_P(RelayPortsTest, Acquire_TwoPools_PickDifferentRandomSequences) {
  constexpr uint32_t kCount = 512;
  const auto range = test::free_even_udp_port_range(kCount);
  const uint16_t base = range.base;
  auto sequence = [&] {
    RelayPorts pool(ip(), base, last_port(base, kCount));
    std::vector<uint16_t> ports;
    for (int i = 0; i < 16; ++i) {
      auto lease = pool.acquire();  // released at once: only the pick order matters
      if (lease) ports.push_back(lease->port());
    }
    return ports;
  };
  const auto a = sequence();
  const auto b = sequence();
  ASSERT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
  EXPECT_FALSE(std::is_sorted(a.begin(), a.end())) << "ports handed out in order";
  EXPECT_GT(std::set(a.begin(), a.end()).size(), 8u) << "the same few ports again and again";
}

TEST_P(RelayPortsTest, Acquire_TwoThreadsAcquireAndRelease_NeverShareAPort) {
  constexpr uint32_t kCount = 32;
  const auto range = test::free_even_udp_port_range(kCount);
  const uint16_t base = range.base;
  RelayPorts pool(ip(), base, last_port(base, kCount));
  std::mutex mutex;
  std::set<uint16_t> held;
  std::atomic<int> duplicates = 0;
  std::atomic<int> failures = 0;
  auto run = [&](unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<PortLease> mine;
    for (int i = 0; i < 2000; ++i) {
      if (mine.size() < 8 && rng() % 2 == 0) {
        auto lease = (rng() % 4 == 0) ? pool.acquire(true) : pool.acquire();
        if (!lease) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mutex);
        if (!held.insert(lease->port()).second) ++duplicates;
        mine.push_back(std::move(*lease));
      } else if (!mine.empty()) {
        const auto at = mine.begin() + static_cast<long>(rng() % mine.size());
        {
          std::lock_guard lock(mutex);
          held.erase(at->port());
        }
        mine.erase(at);  // the port goes back only after it left `held`
      }
    }
    std::lock_guard lock(mutex);
    for (const auto& l : mine) held.erase(l.port());
  };
  std::thread t1(run, 1), t2(run, 2);
  t1.join();
  t2.join();
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(failures, 0) << "16 held of 32 ports: never exhausted";
  EXPECT_EQ(pool.in_use(), 0u);
  // A port handed out twice would have met our own socket and been set aside.
  EXPECT_EQ(pool.available(), kCount);
}

TEST(RelayPorts, PortsBelow1024_AreNeverInThePool) {
  RelayPorts pool(*parse_ip("127.0.0.1"), 1000, 1030);
  EXPECT_EQ(pool.capacity(), 7u);
  RelayPorts none(*parse_ip("127.0.0.1"), 1, 1023);
  EXPECT_EQ(none.capacity(), 0u);
  EXPECT_FALSE(none.acquire());
}

TEST(RelayPorts, MinAboveMax_IsAnEmptyPool) {
  RelayPorts pool(*parse_ip("127.0.0.1"), 60000, 50000);
  EXPECT_EQ(pool.capacity(), 0u);
  const auto none = pool.acquire();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, AcquireError::Kind::Exhausted);
  EXPECT_FALSE(pool.acquire_pair());
}

TEST(RelayPorts, MaxPort65535_TopPairIsUsable) {
  const auto ip = *parse_ip("127.0.0.1");
  for (uint16_t p : {65534, 65535}) {
    TransportAddress a = ip;
    a.port = p;
    if (!plain_bound_socket(a).valid()) GTEST_SKIP() << "port " << p << " is busy here";
  }
  RelayPorts pool(ip, 65534, 65535);
  EXPECT_EQ(pool.capacity(), 2u);
  auto pair = pool.acquire_pair();
  ASSERT_TRUE(pair) << pair.error().reason;
  EXPECT_EQ(pair->first.port(), 65534);
  EXPECT_EQ(pair->second.port(), 65535);
}

}  // namespace
}  // namespace tern

// TcpConnections and PeerSlot (RFC 6062): one connection per peer per allocation, a
// bounded number of them, pending connections taken once and only by their user, and
// closed when the bind timeout passes or the allocation goes.

#include "server/shared/tcp_connections.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <memory>

namespace tern {
namespace {

TransportAddress peer(uint16_t port) {
  return TransportAddress::v4({192, 0, 2, 1}, port);
}

// One end of a socket pair: the test keeps the other end to see when this one closes.
struct Pair {
  FileDescriptor ours, theirs;
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    ours = FileDescriptor(fds[0]);
    theirs = FileDescriptor(fds[1]);
  }
  bool theirs_closed() {
    char c;
    return ::recv(theirs.get(), &c, 1, 0) == 0;
  }
};

TEST(PeerSlot, SecondSlotForTheSamePeer_IsRefusedUntilTheFirstGoes) {
  auto peers = std::make_shared<TcpPeers>();
  auto first = PeerSlot::claim(peers, peer(1));
  ASSERT_TRUE(first);
  auto again = PeerSlot::claim(peers, peer(1));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), PeerSlot::Refused::Exists);
  EXPECT_TRUE(PeerSlot::claim(peers, peer(2)));  // another port is another peer
  first->reset();
  EXPECT_TRUE(PeerSlot::claim(peers, peer(1)));
}

TEST(PeerSlot, AtMostKMaxConnections) {
  auto peers = std::make_shared<TcpPeers>();
  std::vector<std::unique_ptr<PeerSlot>> held;
  for (uint16_t p = 1; p <= TcpPeers::kMaxConnections; ++p) {
    auto s = PeerSlot::claim(peers, peer(p));
    ASSERT_TRUE(s);
    held.push_back(std::move(*s));
  }
  auto over = PeerSlot::claim(peers, peer(9999));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error(), PeerSlot::Refused::Full);
}

TEST(TcpConnections, Take_OnlyByItsUser_AndOnlyOnce) {
  TcpConnections pending(30'000);
  auto peers = std::make_shared<TcpPeers>();
  Pair pair;
  const uint32_t id =
      pending.add(std::move(pair.ours), std::move(*PeerSlot::claim(peers, peer(1))), "alice", 0);
  EXPECT_NE(id, 0u);
  auto wrong = pending.take(id, "mallory");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error(), TcpConnections::TakeError::WrongUser);
  auto taken = pending.take(id, "alice");
  ASSERT_TRUE(taken);
  EXPECT_TRUE(taken->fd.valid());
  EXPECT_TRUE(taken->hold->allocation_alive());
  EXPECT_FALSE(pending.take(id, "alice"));
  EXPECT_EQ(peers->count(), 1u);  // the bound connection still holds its place
  taken->hold.reset();
  EXPECT_EQ(peers->count(), 0u);
}

TEST(TcpConnections, Expire_ClosesAfterTheBindTimeoutAndWhenTheAllocationGoes) {
  TcpConnections pending(30'000);
  auto peers = std::make_shared<TcpPeers>();
  auto other = std::make_shared<TcpPeers>();
  Pair late, orphan;
  const uint32_t id =
      pending.add(std::move(late.ours), std::move(*PeerSlot::claim(peers, peer(1))), "alice", 0);
  pending.add(std::move(orphan.ours), std::move(*PeerSlot::claim(other, peer(1))), "alice", 20'000);
  EXPECT_EQ(pending.expire(29'999), 0u);
  EXPECT_EQ(pending.expire(30'000), 1u);
  EXPECT_TRUE(late.theirs_closed());
  EXPECT_FALSE(pending.take(id, "alice"));
  EXPECT_EQ(peers->count(), 0u);
  other->end();  // the allocation was deleted
  EXPECT_EQ(pending.expire(30'001), 1u);
  EXPECT_TRUE(orphan.theirs_closed());
  EXPECT_EQ(pending.size(), 0u);
}

}  // namespace
}  // namespace tern

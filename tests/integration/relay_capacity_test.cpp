// Several relay IPs per family: one port range each, taken in turn, and 508 only when
// every range is full. (One range full: TurnAllocateTest.RelayPortsExhausted_Is508.)

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tests/support/relay_port_range.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

class RelayCapacityTest : public TurnTest {};

TEST_F(RelayCapacityTest, SeveralRelayIps_AllocationsTakeTurns_508OnlyWhenEveryRangeIsFull) {
  auto range = free_udp_port_range(2);
  ASSERT_TRUE(range) << "no two free UDP ports";
  auto args = range->args();
  args.insert(args.end(), {"--relay-ip", "127.0.0.2"});
  ASSERT_NO_FATAL_FAILURE(start({.extra = args}));
  std::vector<TurnClient> clients;
  std::map<std::string, int> per_ip;
  for (int i = 0; i < 4; ++i) {
    auto c = allocated(Transport::Udp, IpVersion::V4);
    ASSERT_TRUE(c) << "allocation " << i;
    per_ip[c->relayed(Family::V4).ip_string()]++;
    clients.push_back(std::move(*c));
  }
  EXPECT_EQ(per_ip, (std::map<std::string, int>{{"127.0.0.1", 2}, {"127.0.0.2", 2}}));
  auto fifth = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(fifth);
  EXPECT_TRUE(IsError(fifth->allocate(), 508));
  EXPECT_NE(ternd().log().find("and on every other relay IP of this family"), std::string::npos)
      << ternd().log();

  // A relayed address on the second IP carries data both ways.
  auto on_second = std::ranges::find_if(clients, [](const TurnClient& c) {
    return c.relayed(Family::V4).ip_string() == "127.0.0.2";
  });
  ASSERT_NE(on_second, clients.end());
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(p);
  ASSERT_TRUE(IsSuccess(on_second->channel_bind(0x4000, p->address())));
  ASSERT_TRUE(on_second->send_channel_data(0x4000, payload("via .2")));
  auto at_peer = p->receive();
  ASSERT_TRUE(at_peer) << to_string(at_peer.error());
  EXPECT_EQ(at_peer->from, on_second->relayed(Family::V4));
  ASSERT_TRUE(p->send_to(on_second->relayed(Family::V4), payload("back")));
  auto back = on_second->receive_data();
  ASSERT_TRUE(back) << to_string(back.error());
  EXPECT_EQ(text_of(back->data), "back");
}

}  // namespace
}  // namespace tern::test

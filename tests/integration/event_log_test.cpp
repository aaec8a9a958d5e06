// The event log at the default level (#12, "logs people can use"): one INFO line with
// key=value fields when an allocation is made and one when it goes, with why, how long it
// lived and what it carried; never a password.

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>

#include "base/socket_address.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

class EventLogTest : public TurnTest {};

TEST_F(EventLogTest, AllocationCreatedAndDeletedByRefresh0_AreOneLineEachWithTheirFields) {
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false, .extra = {"--user", "carol:Pa55-never-logged"}}));
  auto c = allocated(Transport::Udp, IpVersion::V4, {},
                     {.username = "carol", .password = "Pa55-never-logged"});
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  const std::string client = c->local_address().to_string();
  const std::string relayed = c->relayed(Family::V4).to_string();
  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));
  ASSERT_TRUE(c->send_indication(p->address(), payload("12345")));
  ASSERT_TRUE(p->receive(2s)) << "not relayed to the peer";
  ASSERT_TRUE(p->send_to(c->relayed(Family::V4), payload("1234567")));
  ASSERT_TRUE(c->receive_data());

  auto created = ternd().wait_for_log_line({"INFO allocation created ", "client=" + client + " "});
  ASSERT_TRUE(created) << ternd().log();
  // coturn's 18-digit session id; the same one names the deletion.
  const size_t at = created->find(" session=");
  ASSERT_NE(at, std::string::npos) << *created;
  const std::string session = created->substr(at, 9 + 18 + 1);
  EXPECT_NE(created->find(session + "user=\"carol\" realm=\"tern.test\" "), std::string::npos)
      << *created;
  EXPECT_NE(created->find(" transport=UDP "), std::string::npos) << *created;
  EXPECT_NE(created->find(" relayed=" + relayed + " "), std::string::npos) << *created;
  EXPECT_NE(created->find(" lifetime=600"), std::string::npos) << *created;

  ASSERT_TRUE(IsSuccess(c->refresh(0)));
  auto deleted = ternd().wait_for_log_line({"INFO allocation deleted ", "client=" + client + " "});
  ASSERT_TRUE(deleted) << ternd().log();
  EXPECT_NE(deleted->find(session + "user=\"carol\" "), std::string::npos) << *deleted;
  EXPECT_NE(deleted->find(" reason=refresh-0 duration="), std::string::npos) << *deleted;
  EXPECT_NE(deleted->find(" packets_to_peer=1 bytes_to_peer=5 packets_to_client=1 "
                          "bytes_to_client=7"),
            std::string::npos)
      << *deleted;
  EXPECT_EQ(ternd().log().find("Pa55-never-logged"), std::string::npos) << "a password in the log";
}

TEST_F(EventLogTest, AllocationOfAClosedTcpConnection_IsLoggedAsStreamClosed) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false}));
  std::string client;
  {
    auto c = allocated(Transport::Tcp, IpVersion::V4);
    ASSERT_TRUE(c);
    client = c->local_address().to_string();
    ASSERT_TRUE(
        ternd().wait_for_log_line({"allocation created ", "client=" + client + " transport=TCP "}))
        << ternd().log();
  }  // closes the connection
  auto deleted = ternd().wait_for_log_line({"INFO allocation deleted ", "client=" + client + " "});
  ASSERT_TRUE(deleted) << ternd().log();
  EXPECT_NE(deleted->find(" transport=TCP reason=stream-closed "), std::string::npos) << *deleted;
}

TEST_F(EventLogTest, AnExpiredAllocation_IsLoggedAsExpired) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = {"--max-allocate-lifetime", "2"}}));
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  const std::string client = c->local_address().to_string();
  // The worker's sweep (every second) finds it lapsed.
  auto deleted = ternd().wait_for_log_line({"INFO allocation deleted ", "client=" + client + " "});
  ASSERT_TRUE(deleted) << ternd().log();
  EXPECT_NE(deleted->find(" reason=expired "), std::string::npos) << *deleted;
}

TEST_F(EventLogTest, ARefusedPeer_IsLoggedWithTheRule_AndAProbeIsBounded) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false,
                                 .allow_loopback_peers = false,
                                 .extra = {"--denied-peer-ip", "127.0.0.0/8"}}));
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  const std::string client = c->local_address().to_string();
  // A client probing 50 loopback ports (not 127.0.0.1: the relay IP, which a permission,
  // being for an IP, may name): 403 each, a few lines. No datagram is sent.
  for (uint16_t port = 1000; port < 1050; ++port) {
    auto probed = parse_ip("127.0.0.2", port);
    ASSERT_TRUE(probed);
    ASSERT_TRUE(IsError(c->create_permission({*probed}), 403));
  }
  auto refused = ternd().wait_for_log_line({"WARNING peer refused peer=127.0.0.2:1000 ", client});
  ASSERT_TRUE(refused) << ternd().log();
  EXPECT_NE(refused->find(" rule=denied-peer-ip session="), std::string::npos) << *refused;
  EXPECT_NE(refused->find(" user=\"alice\" client=" + client), std::string::npos) << *refused;
  int lines = 0;
  std::istringstream in(ternd().log());
  for (std::string line; std::getline(in, line);) {
    lines += line.find("peer refused peer=") != std::string::npos;
  }
  EXPECT_GE(lines, 1);
  EXPECT_LE(lines, 6) << ternd().log();  // 3 a minute (the probe may straddle a minute)
}

}  // namespace
}  // namespace tern::test

// A reload's listeners: what a new plan adds and removes, kind by kind, and binding a
// plan whole or not at all.
#include "server/worker/listener_sockets.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/base/test_addresses.h"

namespace tern {
namespace {

using test::at;

// 127.0.0.1, any port.
TransportAddress any_port() {
  return test::ip("127.0.0.1");
}

TEST(ListenerSockets, PlanMinus_IsWhatTheFirstHasAndTheSecondNot_KindByKind) {
  ListenPlan before;
  before.udp = {at("127.0.0.1:3478"), at("127.0.0.1:3480")};
  before.tcp = {at("127.0.0.1:3478")};
  ListenPlan after;
  after.udp = {at("127.0.0.1:3478"), at("127.0.0.1:3479")};
  after.tcp = {at("127.0.0.1:3478")};
  after.tls = {at("127.0.0.1:5349")};

  const ListenPlan added = plan_minus(after, before);
  EXPECT_EQ(added.udp, std::vector{at("127.0.0.1:3479")});
  EXPECT_TRUE(added.tcp.empty());
  EXPECT_EQ(added.tls, std::vector{at("127.0.0.1:5349")});
  const ListenPlan removed = plan_minus(before, after);
  EXPECT_EQ(removed.udp, std::vector{at("127.0.0.1:3480")});
  EXPECT_TRUE(removed.tcp.empty() && removed.tls.empty());
  EXPECT_TRUE(plan_empty(plan_minus(before, before)));
  EXPECT_FALSE(plan_empty(added));
}

TEST(ListenerSockets, BindPlan_BindsEveryAddress) {
  ListenPlan plan;
  plan.udp = {any_port()};
  plan.tcp = {any_port()};
  auto bound = bind_plan(plan);
  ASSERT_TRUE(bound) << bound.error();
  ASSERT_EQ(bound->size(), 2u);
  EXPECT_EQ((*bound)[0].kind, ListenerKind::Udp);
  EXPECT_EQ((*bound)[1].kind, ListenerKind::Tcp);
  EXPECT_TRUE((*bound)[0].fd.valid() && (*bound)[1].fd.valid());
}

TEST(ListenerSockets, BindPlan_AnAddressInUse_FailsNamingIt) {
  // Held with no option at all, as another program would hold it.
  FileDescriptor held(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(held.valid());
  const SockAddr any = to_sockaddr(any_port());
  ASSERT_EQ(::bind(held.get(), any.get(), any.length), 0);
  auto taken = local_address(held.get());
  ASSERT_TRUE(taken);
  ListenPlan plan;
  plan.udp = {any_port(), *taken};
  auto bound = bind_plan(plan);
  ASSERT_FALSE(bound);
  EXPECT_NE(bound.error().find("UDP listener"), std::string::npos) << bound.error();
  EXPECT_NE(bound.error().find(taken->to_string()), std::string::npos) << bound.error();
}

}  // namespace
}  // namespace tern

#include "server/shared/alternate_servers.h"

#include "base/socket_address.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "server/shared/turn_shared.h"
#include "tests/base/test_addresses.h"

namespace tern {
namespace {

using test::at;

std::vector<TransportAddress> list(std::initializer_list<const char*> texts) {
  std::vector<TransportAddress> out;
  for (const char* t : texts) out.push_back(at(t));
  return out;
}

const TransportAddress kLocal4 = at("192.0.2.1:3478");
const TransportAddress kLocal6 = at("[2001:db8::1]:3478");

std::vector<TransportAddress> picks(AlternateServers& alternates, Transport t,
                                    const TransportAddress& local, int n, bool draining = false) {
  std::vector<TransportAddress> out;
  for (int i = 0; i < n; ++i) {
    auto a = alternates.pick(t, local, draining);
    if (!a) break;
    out.push_back(*a);
  }
  return out;
}

TEST(AlternateServers, None_ServesHere) {
  AlternateServers none(list({}), list({}));
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.pick(Transport::Udp, kLocal4, false));
  EXPECT_FALSE(none.pick(Transport::Udp, kLocal4, true));
}

TEST(AlternateServers, RoundRobin_InTheOrderGiven) {
  AlternateServers alternates(list({"192.0.2.10:3478", "192.0.2.11:3479", "192.0.2.12:3480"}),
                              list({}));
  EXPECT_EQ(picks(alternates, Transport::Udp, kLocal4, 4),
            (std::vector{at("192.0.2.10:3478"), at("192.0.2.11:3479"), at("192.0.2.12:3480"),
                         at("192.0.2.10:3478")}));
}

TEST(AlternateServers, OnlyTheClientsFamily) {
  AlternateServers alternates(list({"192.0.2.10:3478", "[2001:db8::10]:3478", "192.0.2.11:3478"}),
                              list({}));
  EXPECT_EQ(picks(alternates, Transport::Udp, kLocal6, 2),
            (std::vector{at("[2001:db8::10]:3478"), at("[2001:db8::10]:3478")}));
  AlternateServers fresh(list({"192.0.2.10:3478", "[2001:db8::10]:3478", "192.0.2.11:3478"}),
                         list({}));
  EXPECT_EQ(picks(fresh, Transport::Tcp, kLocal4, 3),
            (std::vector{at("192.0.2.10:3478"), at("192.0.2.11:3478"), at("192.0.2.10:3478")}));
  AlternateServers v4_only(list({"192.0.2.10:3478"}), list({}));
  EXPECT_FALSE(v4_only.pick(Transport::Udp, kLocal6, false));
}

TEST(AlternateServers, Tls_UsesTheTlsListOnly) {
  AlternateServers both(list({"192.0.2.10:3478"}), list({"192.0.2.20:5349"}));
  EXPECT_EQ(both.pick(Transport::Tls, kLocal4, false), at("192.0.2.20:5349"));
  EXPECT_EQ(both.pick(Transport::Udp, kLocal4, false), at("192.0.2.10:3478"));
  EXPECT_EQ(both.pick(Transport::Tcp, kLocal4, false), at("192.0.2.10:3478"));
  AlternateServers plain_only(list({"192.0.2.10:3478"}), list({}));
  EXPECT_FALSE(plain_only.pick(Transport::Tls, kLocal4, true));
  AlternateServers tls_only(list({}), list({"192.0.2.20:5349"}));
  EXPECT_FALSE(tls_only.pick(Transport::Udp, kLocal4, true));
}

// One list on every node: each serves its own clients until it drains.
TEST(AlternateServers, ListNamingThisServer_RedirectsOnlyWhileDraining_ToTheOthers) {
  AlternateServers shared(list({"192.0.2.1:3478", "192.0.2.2:3478", "192.0.2.3:3478"}), list({}));
  EXPECT_FALSE(shared.pick(Transport::Udp, kLocal4, false));
  EXPECT_EQ(picks(shared, Transport::Udp, kLocal4, 3, true),
            (std::vector{at("192.0.2.2:3478"), at("192.0.2.3:3478"), at("192.0.2.2:3478")}));
  // The same IP on another port is another server.
  EXPECT_TRUE(shared.pick(Transport::Udp, at("192.0.2.1:3479"), false));
  AlternateServers only_us(list({"192.0.2.1:3478"}), list({}));
  EXPECT_FALSE(only_us.pick(Transport::Udp, kLocal4, true));
}

// A reload's lists: the next pick takes from them.
TEST(AlternateServers, Replaced_NextPickUsesTheNewLists) {
  AlternateServers alternates(list({}), list({}));
  EXPECT_FALSE(alternates.pick(Transport::Udp, kLocal4, false));
  alternates.replace(list({"192.0.2.10:3478"}), list({"192.0.2.20:5349"}));
  EXPECT_FALSE(alternates.empty());
  EXPECT_EQ(alternates.pick(Transport::Udp, kLocal4, false), at("192.0.2.10:3478"));
  EXPECT_EQ(alternates.pick(Transport::Tls, kLocal4, false), at("192.0.2.20:5349"));
  alternates.replace(list({}), list({}));
  EXPECT_TRUE(alternates.empty());
  EXPECT_FALSE(alternates.pick(Transport::Udp, kLocal4, false));
}

}  // namespace
}  // namespace tern

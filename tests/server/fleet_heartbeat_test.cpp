#include "server/fleet_heartbeat.h"

#include <gtest/gtest.h>

#include "auth/fleet_keys.h"

namespace tern {
namespace {

TEST(FleetHeartbeat, Json_CarriesEveryFieldTernctlReads) {
  const NodeStatus s{.id = "node-\"a\"",
                     .version = "1.2.3",
                     .realm = "example.org",
                     .listeners = {"udp 127.0.0.1:3478", "tcp 127.0.0.1:3478"},
                     .relay_ips = {"192.0.2.20"},
                     .allocations = 42,
                     .udp_in_per_s = 7,
                     .udp_out_per_s = 9,
                     .draining = false,
                     .started = 1700000000,
                     .last_reload = 1700000100,
                     .updated = 1700000200,
                     .interval_s = 5};
  EXPECT_EQ(heartbeat_json(s),
            "{\"id\":\"node-\\\"a\\\"\",\"version\":\"1.2.3\",\"realm\":\"example.org\","
            "\"listeners\":[\"udp 127.0.0.1:3478\",\"tcp 127.0.0.1:3478\"],"
            "\"relay_ips\":[\"192.0.2.20\"],\"allocations\":42,\"udp_in_per_s\":7,"
            "\"udp_out_per_s\":9,\"draining\":false,\"started\":1700000000,"
            "\"last_reload\":1700000100,\"updated\":1700000200,\"interval_s\":5}");
}

TEST(FleetHeartbeat, Key_IsUnderTheFleetPrefix) {
  EXPECT_EQ(auth::fleet_keys::node_key("turn1:3478"), "tern/fleet/node/turn1:3478");
}

}  // namespace
}  // namespace tern

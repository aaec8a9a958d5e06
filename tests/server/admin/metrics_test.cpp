// The Prometheus text and stats JSON made from a snapshot of ternd's numbers.
#include "server/admin/metrics.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "server/core/counters.h"

namespace tern {
namespace {

MetricsSnapshot two_counters() {
  MetricsSnapshot m;
  m.counters = {{"allocations_created", 7}, {"peer_denied", 2}};
  m.worker_allocations = {3, 1};
  m.uptime_s = 42;
  m.version = "9.8.7";
  return m;
}

TEST(PrometheusText, GivenValues_AreTheExactExposition) {
  EXPECT_EQ(prometheus_text(two_counters()),
            "# HELP tern_allocations_created_total Allocations created.\n"
            "# TYPE tern_allocations_created_total counter\n"
            "tern_allocations_created_total 7\n"
            "# HELP tern_peer_denied_total Requests refused (403) by the peer address policy.\n"
            "# TYPE tern_peer_denied_total counter\n"
            "tern_peer_denied_total 2\n"
            "# HELP tern_allocations Live allocations, by worker.\n"
            "# TYPE tern_allocations gauge\n"
            "tern_allocations{worker=\"0\"} 3\n"
            "tern_allocations{worker=\"1\"} 1\n"
            "# HELP tern_workers Worker threads.\n"
            "# TYPE tern_workers gauge\n"
            "tern_workers 2\n"
            "# HELP tern_uptime_seconds Seconds since ternd started.\n"
            "# TYPE tern_uptime_seconds gauge\n"
            "tern_uptime_seconds 42\n"
            "# HELP tern_draining 1 while draining (no new allocations), else 0.\n"
            "# TYPE tern_draining gauge\n"
            "tern_draining 0\n"
            "# HELP tern_build_info Always 1; the version is in the label.\n"
            "# TYPE tern_build_info gauge\n"
            "tern_build_info{version=\"9.8.7\"} 1\n");
}

TEST(PrometheusText, LargeCounter_IsWrittenInFullNotInExponentForm) {
  MetricsSnapshot m;
  m.counters = {{"udp_in", 18446744073709551615ull}};
  EXPECT_NE(prometheus_text(m).find("\ntern_udp_in_total 18446744073709551615\n"),
            std::string::npos);
}

TEST(PrometheusText, EveryCounterName_HasItsOwnHelp) {
  std::set<std::string_view> helps;
  for (const auto& c : kCounterNames) {
    SCOPED_TRACE(c.name);
    EXPECT_NE(counter_help(c.name), counter_help("no such counter"));
    helps.insert(counter_help(c.name));
  }
  EXPECT_EQ(helps.size(), std::size(kCounterNames));
}

TEST(PrometheusText, EveryCounterName_IsAValidMetricName) {
  for (const auto& c : kCounterNames) {
    for (char ch : std::string_view(c.name)) {
      EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_') << c.name;
    }
  }
}

TEST(StatsJson, GivenValues_AreTheExactObject) {
  EXPECT_EQ(stats_json(two_counters()),
            R"({"version":"9.8.7","uptime":42,"draining":false,"workers":2,"allocations":4,)"
            R"("worker_allocations":[3,1],"counters":{"allocations_created":7,"peer_denied":2}})");
}

TEST(StatsJson, NoWorkers_HasEmptyListsAndZeroAllocations) {
  MetricsSnapshot m;
  m.version = "1";
  EXPECT_EQ(stats_json(m),
            R"({"version":"1","uptime":0,"draining":false,"workers":0,"allocations":0,)"
            R"("worker_allocations":[],"counters":{}})");
}

TEST(Draining, IsAGaugeAndAStatsField) {
  MetricsSnapshot m = two_counters();
  m.draining = true;
  EXPECT_NE(prometheus_text(m).find("\n# TYPE tern_draining gauge\ntern_draining 1\n"),
            std::string::npos)
      << prometheus_text(m);
  EXPECT_NE(stats_json(m).find(R"("draining":true,)"), std::string::npos) << stats_json(m);
}

}  // namespace
}  // namespace tern

// The Prometheus text and stats JSON made from a snapshot of ternd's numbers.
#include "server/admin/metrics.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <ctime>
#include <set>
#include <string>

#include "server/admin/metric_families.h"
#include "server/admin/process_stats.h"
#include "server/core/allocation_mix.h"
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
  const std::string text = prometheus_text(two_counters());
  EXPECT_TRUE(text.starts_with(
      "# HELP tern_allocations_created_total Allocations created.\n"
      "# TYPE tern_allocations_created_total counter\n"
      "tern_allocations_created_total 7\n"
      "# HELP tern_peer_denied_total Requests refused (403) by the peer address policy.\n"
      "# TYPE tern_peer_denied_total counter\n"
      "tern_peer_denied_total 2\n"
      "# HELP tern_dropped_total "))
      << text;
  const size_t gauges = text.find("# HELP tern_allocations ");
  ASSERT_NE(gauges, std::string::npos) << text;
  EXPECT_EQ(text.substr(gauges),
            "# HELP tern_allocations Live allocations, by the client's transport and address "
            "family.\n"
            "# TYPE tern_allocations gauge\n"
            "tern_allocations{transport=\"udp\",family=\"ipv4\"} 0\n"
            "tern_allocations{transport=\"udp\",family=\"ipv6\"} 0\n"
            "tern_allocations{transport=\"tcp\",family=\"ipv4\"} 0\n"
            "tern_allocations{transport=\"tcp\",family=\"ipv6\"} 0\n"
            "tern_allocations{transport=\"tls\",family=\"ipv4\"} 0\n"
            "tern_allocations{transport=\"tls\",family=\"ipv6\"} 0\n"
            "tern_allocations{transport=\"dtls\",family=\"ipv4\"} 0\n"
            "tern_allocations{transport=\"dtls\",family=\"ipv6\"} 0\n"
            "# HELP tern_worker_allocations Live allocations, by worker.\n"
            "# TYPE tern_worker_allocations gauge\n"
            "tern_worker_allocations{worker=\"0\"} 3\n"
            "tern_worker_allocations{worker=\"1\"} 1\n"
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

TEST(PrometheusText, AdminAuthFailuresAndHeldBack_AreCountersOfTheirOwn) {
  MetricsSnapshot m = two_counters();
  m.admin_auth = {.failures = 2000, .held_back = 17};
  const std::string text = prometheus_text(m);
  EXPECT_NE(text.find("# TYPE tern_admin_auth_failures_total counter\n"
                      "tern_admin_auth_failures_total 2000\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE tern_admin_auth_held_back_total counter\n"
                      "tern_admin_auth_held_back_total 17\n"),
            std::string::npos)
      << text;
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
            R"({"version":"9.8.7","uptime":42,"draining":false,"log_level":"INFO","workers":2,)"
            R"("allocations":4,)"
            R"("worker_allocations":[3,1],"counters":{"allocations_created":7,"peer_denied":2},)"
            R"("relayed":{"packets_to_peer":0,"bytes_to_peer":0,"packets_to_client":0,)"
            R"("bytes_to_client":0},"listeners":[],"relay_addresses":[]})");
}

// The web console's overview: traffic summed over the client transports, and where ternd
// listens and relays.
TEST(StatsJson, RelayedSummedOverTransports_ListenersAndRelayAddresses) {
  MetricsSnapshot m = two_counters();
  m.relayed[0] = {
      .packets_to_peer = 1, .bytes_to_peer = 100, .packets_to_client = 2, .bytes_to_client = 200};
  m.relayed[2] = {
      .packets_to_peer = 3, .bytes_to_peer = 300, .packets_to_client = 4, .bytes_to_client = 400};
  m.listeners = {"udp 127.0.0.1:3478", "tls [::1]:5349"};
  m.relay_addresses = {"192.0.2.1"};
  EXPECT_NE(stats_json(m).find(
                R"("relayed":{"packets_to_peer":4,"bytes_to_peer":400,"packets_to_client":6,)"
                R"("bytes_to_client":600},"listeners":["udp 127.0.0.1:3478","tls [::1]:5349"],)"
                R"("relay_addresses":["192.0.2.1"]})"),
            std::string::npos)
      << stats_json(m);
}

TEST(StatsJson, NoWorkers_HasEmptyListsAndZeroAllocations) {
  MetricsSnapshot m;
  m.version = "1";
  EXPECT_EQ(stats_json(m),
            R"({"version":"1","uptime":0,"draining":false,"log_level":"INFO","workers":0,)"
            R"("allocations":0,)"
            R"("worker_allocations":[],"counters":{},"relayed":{"packets_to_peer":0,)"
            R"("bytes_to_peer":0,"packets_to_client":0,"bytes_to_client":0},"listeners":[],)"
            R"("relay_addresses":[]})");
}

TEST(Draining, IsAGaugeAndAStatsField) {
  MetricsSnapshot m = two_counters();
  m.draining = true;
  EXPECT_NE(prometheus_text(m).find("\n# TYPE tern_draining gauge\ntern_draining 1\n"),
            std::string::npos)
      << prometheus_text(m);
  EXPECT_NE(stats_json(m).find(R"("draining":true,)"), std::string::npos) << stats_json(m);
}

TEST(StatsJson, LogLevel_IsAField) {
  MetricsSnapshot m = two_counters();
  m.log_level = "DEBUG";
  EXPECT_NE(stats_json(m).find(R"("log_level":"DEBUG",)"), std::string::npos) << stats_json(m);
}

TEST(PrometheusText, RelayedTraffic_IsOneCounterPerUnit_ByDirectionAndTransport) {
  MetricsSnapshot m;
  m.relayed[static_cast<size_t>(Transport::Udp)] = {.packets_to_peer = 3,
                                                    .bytes_to_peer = 300,
                                                    .packets_to_client = 5,
                                                    .bytes_to_client = 18446744073709551615ull};
  m.relayed[static_cast<size_t>(Transport::Tls)] = {.packets_to_peer = 1, .bytes_to_peer = 7};
  const std::string text = prometheus_text(m);
  for (const char* line : {
           "\ntern_relayed_packets_total{direction=\"to_peer\",transport=\"udp\"} 3\n",
           "\ntern_relayed_packets_total{direction=\"to_peer\",transport=\"tcp\"} 0\n",
           "\ntern_relayed_packets_total{direction=\"to_peer\",transport=\"tls\"} 1\n",
           "\ntern_relayed_packets_total{direction=\"to_client\",transport=\"udp\"} 5\n",
           "\ntern_relayed_bytes_total{direction=\"to_peer\",transport=\"udp\"} 300\n",
           "\ntern_relayed_bytes_total{direction=\"to_peer\",transport=\"tls\"} 7\n",
           "\ntern_relayed_bytes_total{direction=\"to_client\",transport=\"udp\"} "
           "18446744073709551615\n",
           "\ntern_relayed_bytes_total{direction=\"to_client\",transport=\"tls\"} 0\n",
           "\n# TYPE tern_relayed_bytes_total counter\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
  EXPECT_EQ(text.find("tern_relayed_packets_total{direction=\"to_peer\"}"), std::string::npos);
}

// The kernel programs' totals: absent without a program, a hook's series only while its
// program is loaded (tc always with one; xdp with --offload=xdp), each by direction.
TEST(PrometheusText, OffloadTotals_ByHookAndDirection_OnlyWhileTheirProgramIsLoaded) {
  MetricsSnapshot m;
  EXPECT_EQ(prometheus_text(m).find("tern_offload_"), std::string::npos);

  m.offload = OffloadStats{.tc = {.to_peer = 5, .to_client = 6}, .xdp = std::nullopt, .passed = 2};
  std::string text = prometheus_text(m);
  for (const char* line : {
           "\n# HELP tern_offload_relayed_packets_total Packets the kernel programs (--offload) "
           "relayed, as they counted them, by the hook that relayed them (xdp ahead of tc) and "
           "direction.\n# TYPE tern_offload_relayed_packets_total counter\n"
           "tern_offload_relayed_packets_total{hook=\"tc\",direction=\"to_peer\"} 5\n"
           "tern_offload_relayed_packets_total{hook=\"tc\",direction=\"to_client\"} 6\n",
           "\n# TYPE tern_offload_passed_packets_total counter\n"
           "tern_offload_passed_packets_total 2\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
  EXPECT_EQ(text.find("hook=\"xdp\""), std::string::npos) << text;

  m.offload->xdp = OffloadStats::Relayed{.to_peer = 0, .to_client = 18446744073709551615ull};
  text = prometheus_text(m);
  for (const char* line : {
           "\ntern_offload_relayed_packets_total{hook=\"tc\",direction=\"to_client\"} 6\n",
           "\ntern_offload_relayed_packets_total{hook=\"xdp\",direction=\"to_peer\"} 0\n",
           "\ntern_offload_relayed_packets_total{hook=\"xdp\",direction=\"to_client\"} "
           "18446744073709551615\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
  EXPECT_EQ(text.find("# TYPE tern_offload_relayed_packets_total"),
            text.rfind("# TYPE tern_offload_relayed_packets_total"));
}

TEST(PrometheusText, Drops_AreOneCounterByReason_NotANameEach) {
  MetricsSnapshot m;
  m.counters = {{"dropped_not_stun", 3},
                {"dropped_unbound_channel", 4},
                {"client_dropped_no_permission", 2},
                {"allocations_created", 1}};
  const std::string text = prometheus_text(m);
  for (const char* line : {
           "\n# TYPE tern_dropped_total counter\ntern_dropped_total{reason=\"not_stun\"} 3\n",
           "\ntern_dropped_total{reason=\"unbound_channel\"} 4\n",
           "\ntern_dropped_total{reason=\"client_no_permission\"} 2\n",
           "\ntern_dropped_total{reason=\"truncated\"} 0\n",
           // README named it before the family existed: it stays.
           "\ntern_client_dropped_no_permission_total 2\n",
           "\ntern_allocations_created_total 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
  EXPECT_EQ(text.find("tern_dropped_not_stun_total"), std::string::npos) << text;
  EXPECT_EQ(text.find("tern_dropped_unbound_channel_total"), std::string::npos) << text;
}

TEST(PrometheusText, AuthFailures_AreOneCounterByReason_WithoutAnUnlabelledTotal) {
  MetricsSnapshot m;
  m.counters = {{"auth_failures", 3}};
  m.auth_failures[static_cast<size_t>(auth::AuthFailure::BadIntegrity)] = 2;
  m.auth_failures[static_cast<size_t>(auth::AuthFailure::UnknownUser)] = 1;
  const std::string text = prometheus_text(m);
  for (const char* line : {
           "\ntern_auth_failures_total{reason=\"bad_integrity\"} 2\n",
           "\ntern_auth_failures_total{reason=\"unknown_user\"} 1\n",
           "\ntern_auth_failures_total{reason=\"stale_nonce\"} 0\n",
           "\ntern_auth_failures_total{reason=\"expired_credential\"} 0\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
  EXPECT_EQ(text.find("\ntern_auth_failures_total 3\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("# TYPE tern_auth_failures_total"),
            text.rfind("# TYPE tern_auth_failures_total"));
}

TEST(PrometheusText, EveryAuthFailure_ButSuccessAndTheFirstChallenge_HasItsOwnLabel) {
  std::set<std::string_view> labels;
  for (size_t i = 0; i < auth::kAuthFailureKinds; ++i) {
    const auto f = static_cast<auth::AuthFailure>(i);
    const bool failure = f != auth::AuthFailure::None && f != auth::AuthFailure::NoIntegrity;
    EXPECT_EQ(auth_failure_label(f).empty(), !failure) << auth::to_string(f);
    if (failure) labels.insert(auth_failure_label(f));
  }
  EXPECT_EQ(labels.size(), auth::kAuthFailureKinds - 2);
  MetricsSnapshot m;
  const std::string text = prometheus_text(m);
  for (auto label : labels) {
    EXPECT_NE(text.find(fmt::format("\ntern_auth_failures_total{{reason=\"{}\"}} 0\n", label)),
              std::string::npos)
        << label;
  }
}

TEST(PrometheusText, Histograms_AreCumulativeBuckets_InSeconds_WithSumAndCount) {
  // Two workers' latencies: 50 µs, 100 µs (on a bound: counted in it), 3 ms, 10 s.
  Histogram a(kAllocateLatencyBoundsUs), b(kAllocateLatencyBoundsUs);
  a.observe(50);
  a.observe(100);
  b.observe(3000);
  b.observe(10000000);
  MetricsSnapshot m;
  m.allocate_latency_us += a;
  m.allocate_latency_us += b;
  const std::string text = prometheus_text(m);
  EXPECT_NE(text.find("# HELP tern_allocate_latency_seconds Seconds from an Allocate request's "
                      "arrival to its answer, any outcome.\n"
                      "# TYPE tern_allocate_latency_seconds histogram\n"
                      "tern_allocate_latency_seconds_bucket{le=\"0.0001\"} 2\n"
                      "tern_allocate_latency_seconds_bucket{le=\"0.00025\"} 2\n"
                      "tern_allocate_latency_seconds_bucket{le=\"0.0005\"} 2\n"
                      "tern_allocate_latency_seconds_bucket{le=\"0.001\"} 2\n"
                      "tern_allocate_latency_seconds_bucket{le=\"0.0025\"} 2\n"
                      "tern_allocate_latency_seconds_bucket{le=\"0.005\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tern_allocate_latency_seconds_bucket{le=\"5\"} 3\n"
                      "tern_allocate_latency_seconds_bucket{le=\"+Inf\"} 4\n"
                      "tern_allocate_latency_seconds_sum 10.003150\n"
                      "tern_allocate_latency_seconds_count 4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE tern_allocation_duration_seconds histogram\n"
                      "tern_allocation_duration_seconds_bucket{le=\"1\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tern_allocation_duration_seconds_bucket{le=\"86400\"} 0\n"
                      "tern_allocation_duration_seconds_bucket{le=\"+Inf\"} 0\n"
                      "tern_allocation_duration_seconds_sum 0.000\n"
                      "tern_allocation_duration_seconds_count 0\n"),
            std::string::npos)
      << text;
}

TEST(PrometheusText, Allocations_AreByTransportAndFamily_SummedOverWorkers) {
  AllocationMix a, b;
  a.add(Transport::Udp, Family::V4, 2);
  a.add(Transport::Tls, Family::V6);
  b.add(Transport::Udp, Family::V4);
  b.add(Transport::Tcp, Family::V6, 4);
  MetricsSnapshot m;
  m.allocation_mix += a;
  m.allocation_mix += b;
  EXPECT_EQ(m.allocation_mix.total(), 8u);
  const std::string text = prometheus_text(m);
  for (const char* line : {
           "\ntern_allocations{transport=\"udp\",family=\"ipv4\"} 3\n",
           "\ntern_allocations{transport=\"udp\",family=\"ipv6\"} 0\n",
           "\ntern_allocations{transport=\"tcp\",family=\"ipv4\"} 0\n",
           "\ntern_allocations{transport=\"tcp\",family=\"ipv6\"} 4\n",
           "\ntern_allocations{transport=\"tls\",family=\"ipv4\"} 0\n",
           "\ntern_allocations{transport=\"tls\",family=\"ipv6\"} 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
}

TEST(PrometheusText, ProcessMetrics_OnlyWhenRead_WithTheStandardNames) {
  MetricsSnapshot m;
  EXPECT_EQ(prometheus_text(m).find("process_"), std::string::npos);
  m.process = ProcessStats{.resident_memory_bytes = 4096000,
                           .open_fds = 17,
                           .cpu_seconds = 1.25,
                           .start_time_seconds = 1700000000.5};
  const std::string text = prometheus_text(m);
  for (const char* line : {
           "\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes "
           "4096000\n",
           "\n# TYPE process_open_fds gauge\nprocess_open_fds 17\n",
           "\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.25\n",
           "\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds "
           "1700000000.5\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
}

TEST(ProcessStats, ParsesStatAndStatm_EvenWithSpacesAndParensInTheName) {
  // Fields 14, 15 and 22 (utime 250, stime 50, starttime 1000 ticks) after "(name)".
  const std::string stat =
      "1234 (tern d) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 1000 "
      "123456789 900 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto p = parse_process_stats(stat, "30000 900 500 100 0 2000 0\n", 1700000000, 4096, 100);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->resident_memory_bytes, 900u * 4096);
  EXPECT_DOUBLE_EQ(p->cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(p->start_time_seconds, 1700000010.0);
}

TEST(ProcessStats, MalformedTexts_AreNulloptNotACrash) {
  EXPECT_FALSE(parse_process_stats("", "", 0, 4096, 100));
  EXPECT_FALSE(parse_process_stats("1 (x) S 1 2", "1 2", 0, 4096, 100));
  EXPECT_FALSE(parse_process_stats("1 (x)", "1 2", 0, 4096, 100));
  EXPECT_FALSE(parse_btime("cpu 1 2 3\n"));
  EXPECT_EQ(parse_btime("cpu 1 2 3\nbtime 1700000000\nprocesses 5\n"), 1700000000u);
}

TEST(ProcessStats, ThisProcess_HasMemoryDescriptorsAndAStartInThePast) {
  const auto p = read_process_stats();
  ASSERT_TRUE(p);
  EXPECT_GT(p->resident_memory_bytes, 0u);
  EXPECT_GE(p->open_fds, 3u);  // stdin, stdout, stderr
  EXPECT_GT(p->start_time_seconds, 1.6e9);
  EXPECT_LE(p->start_time_seconds, static_cast<double>(std::time(nullptr)) + 1);
}

}  // namespace
}  // namespace tern

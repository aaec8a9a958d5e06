#include "server/admin/metrics.h"

#include <fmt/format.h>

#include <numeric>

#include "base/json_writer.h"
#include "server/admin/metric_families.h"

namespace tern {
namespace {

struct Help {
  std::string_view name;
  std::string_view text;
};

// Beside the names in counters.h rather than in it, so the hot path's header stays lean;
// a test holds the two lists together.
constexpr Help kHelp[] = {
    {"udp_in", "UDP datagrams received on listening sockets."},
    {"udp_out", "UDP datagrams sent from listening sockets."},
    {"udp_send_failures", "UDP datagrams the kernel refused to send."},
    {"dropped_not_stun", "Datagrams and frames dropped as neither STUN nor ChannelData."},
    {"dropped_malformed", "STUN-looking messages dropped as unparseable, without reply."},
    {"dropped_truncated", "Datagrams dropped for being larger than a receive slot."},
    {"dropped_bad_fingerprint", "Messages dropped for a wrong FINGERPRINT."},
    {"binding_requests", "Binding requests answered."},
    {"error_responses", "Error responses sent."},
    {"stream_accepted", "TCP and TLS client connections accepted."},
    {"stream_closed_invalid", "Stream connections closed because they could not be framed."},
    {"tls_handshake_failures", "TLS handshakes that failed."},
    {"stream_refused_source",
     "Stream connections refused: their IP was at max-unallocated-streams-per-ip."},
    {"stream_refused_server",
     "Stream connections refused: the server was at max-unallocated-streams."},
    {"stream_closed_stalled",
     "Stream connections closed: pending output made no progress for stream-write-timeout."},
    {"stream_closed_allocate_timeout",
     "Stream connections closed: no allocation within max-allocate-timeout."},
    {"stream_closed_slow_frame",
     "Stream connections closed: a frame took longer than stream-frame-timeout."},
    {"stream_closed_idle", "Stream connections closed after their idle timeout."},
    {"stream_accept_paused",
     "Times a stream listener paused for want of descriptors (EMFILE, ENFILE)."},
    {"proxy_untrusted",
     "PROXY protocol connections and datagrams refused: their source is not proxy-trusted."},
    {"proxy_invalid",
     "PROXY protocol connections and datagrams dropped: header malformed, missing or late."},
    {"dtls_hello_verify_sent",
     "DTLS ClientHellos without a valid cookie, answered with a HelloVerifyRequest and no state."},
    {"dtls_associations", "DTLS associations made after a cookie round trip."},
    {"dtls_associations_closed",
     "DTLS associations ended (close_notify, failed handshake, timeout, idle, or with their "
     "allocation); dtls_associations minus this is how many are held."},
    {"dtls_handshakes", "DTLS handshakes that completed."},
    {"dtls_handshake_failures", "DTLS handshakes that failed or timed out."},
    {"dtls_refused_half_open",
     "DTLS clients refused after their cookie round trip: too many half-open handshakes."},
    {"auth_challenges", "401 challenges to requests without credentials."},
    {"auth_failures", "Requests refused after a credential attempt (400, 401, 438)."},
    {"challenges_limited",
     "Unauthenticated error answers (401, 438, 400, 420) not sent: challenge-rate."},
    {"bindings_limited", "UDP Binding requests left unanswered by the binding rate."},
    {"stream_closed_unauthenticated",
     "TCP and TLS connections closed: an unauthenticated error answer was over challenge-rate."},
    {"auth_held_back", "Requests answered 401 unchecked: their source failed too often."},
    {"stream_closed_auth", "TCP and TLS connections closed for failed password checks."},
    {"allocations_created", "Allocations created."},
    {"allocations_deleted", "Allocations removed for any reason (expiry, refresh 0, kill)."},
    {"allocations_expired", "Allocations removed because their lifetime ran out."},
    {"allocations_failed_capacity", "Allocate requests refused for want of relay ports."},
    {"allocations_redirected", "Allocate requests answered 300 Try Alternate (alternate-server)."},
    {"allocations_refused_draining",
     "Allocate requests refused (403) while draining, with no alternate server."},
    {"peer_denied", "Requests refused (403) by the peer address policy."},
    {"peer_dropped_no_permission", "Peer datagrams dropped for want of a permission."},
    {"client_dropped_no_permission", "Client data dropped for want of a permission."},
    {"dropped_unbound_channel", "ChannelData dropped for an unbound channel."},
    {"relay_send_failures", "Datagrams to peers the kernel refused to send."},
    {"relayed_in_process", "Client data handed straight to another allocation of this worker."},
    {"offloaded_packets",
     "UDP ChannelData relayed by the kernel program (--offload), both directions; also in the "
     "relayed totals."},
    {"stream_relay_drops", "Relayed data dropped for a stream client not reading."},
    {"permissions_revoked", "Permissions removed because the peer policy now denies their peer."},
    {"bandwidth_dropped_to_peer", "Client data dropped for exceeding the allocation's max-bps."},
    {"bandwidth_dropped_to_client", "Peer data dropped for exceeding the allocation's max-bps."},
};

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void gauge_header(std::string& out, std::string_view name, std::string_view help) {
  header(out, name, "gauge", help);
}

std::string_view label(Transport t) {
  switch (t) {
    case Transport::Udp:
      return "udp";
    case Transport::Tcp:
      return "tcp";
    case Transport::Tls:
      return "tls";
    case Transport::Dtls:
      return "dtls";
  }
  return "unknown";
}

void process_metrics(std::string& out, const ProcessStats& p) {
  gauge_header(out, "process_resident_memory_bytes", "Resident memory size in bytes.");
  out += fmt::format("process_resident_memory_bytes {}\n", p.resident_memory_bytes);
  gauge_header(out, "process_open_fds", "Number of open file descriptors.");
  out += fmt::format("process_open_fds {}\n", p.open_fds);
  header(out, "process_cpu_seconds_total", "counter",
         "Total user and system CPU time spent in seconds.");
  out += fmt::format("process_cpu_seconds_total {}\n", p.cpu_seconds);
  gauge_header(out, "process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.");
  out += fmt::format("process_start_time_seconds {}\n", p.start_time_seconds);
}

}  // namespace

uint64_t MetricsSnapshot::allocations() const {
  return std::accumulate(worker_allocations.begin(), worker_allocations.end(), uint64_t{0});
}

std::string_view counter_help(std::string_view name) {
  for (const auto& h : kHelp) {
    if (h.name == name) return h.text;
  }
  return "A ternd counter.";
}

std::string prometheus_text(const MetricsSnapshot& m) {
  std::string out;
  for (const auto& c : m.counters) {
    if (only_in_family(c.name)) continue;
    const std::string metric = fmt::format("tern_{}_total", c.name);
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", metric, counter_help(c.name),
                       metric, metric, c.value);
  }
  write_dropped(out, m);
  write_auth_failures(out, m);
  write_relayed(out, m);
  write_offload(out, m);
  write_histograms(out, m);
  header(out, "tern_admin_auth_failures_total", "counter",
         "Admin API requests answered 401 for a missing or wrong bearer token, in requests.");
  out += fmt::format("tern_admin_auth_failures_total {}\n", m.admin_auth.failures);
  header(out, "tern_admin_auth_held_back_total", "counter",
         "Admin API requests answered 429: their source failed too many tokens, in requests.");
  out += fmt::format("tern_admin_auth_held_back_total {}\n", m.admin_auth.held_back);
  gauge_header(out, "tern_allocations",
               "Live allocations, by the client's transport and address family.");
  for (const Transport t : {Transport::Udp, Transport::Tcp, Transport::Tls, Transport::Dtls}) {
    for (const Family f : {Family::V4, Family::V6}) {
      out += fmt::format("tern_allocations{{transport=\"{}\",family=\"{}\"}} {}\n", label(t),
                         f == Family::V4 ? "ipv4" : "ipv6", m.allocation_mix.get(t, f));
    }
  }
  gauge_header(out, "tern_worker_allocations", "Live allocations, by worker.");
  for (size_t i = 0; i < m.worker_allocations.size(); ++i) {
    out += fmt::format("tern_worker_allocations{{worker=\"{}\"}} {}\n", i, m.worker_allocations[i]);
  }
  gauge_header(out, "tern_workers", "Worker threads.");
  out += fmt::format("tern_workers {}\n", m.worker_allocations.size());
  gauge_header(out, "tern_uptime_seconds", "Seconds since ternd started.");
  out += fmt::format("tern_uptime_seconds {}\n", m.uptime_s);
  gauge_header(out, "tern_draining", "1 while draining (no new allocations), else 0.");
  out += fmt::format("tern_draining {}\n", m.draining ? 1 : 0);
  gauge_header(out, "tern_build_info", "Always 1; the version is in the label.");
  out += fmt::format("tern_build_info{{version=\"{}\"}} 1\n", m.version);
  if (m.process) process_metrics(out, *m.process);
  return out;
}

std::string stats_json(const MetricsSnapshot& m) {
  JsonWriter w;
  w.begin_object()
      .field("version", m.version)
      .field("uptime", m.uptime_s)
      .field("draining", m.draining)
      .field("log_level", m.log_level)
      .field("workers", static_cast<uint64_t>(m.worker_allocations.size()))
      .field("allocations", m.allocations());
  w.key("worker_allocations").begin_array();
  for (auto n : m.worker_allocations) w.value(n);
  w.end_array();
  w.key("counters").begin_object();
  for (const auto& c : m.counters) w.field(c.name, c.value);
  w.end_object();
  // Summed over transports: the console's traffic chart.
  MetricsSnapshot::Relayed relayed;
  for (const auto& r : m.relayed) {
    relayed.packets_to_peer += r.packets_to_peer;
    relayed.bytes_to_peer += r.bytes_to_peer;
    relayed.packets_to_client += r.packets_to_client;
    relayed.bytes_to_client += r.bytes_to_client;
  }
  w.key("relayed")
      .begin_object()
      .field("packets_to_peer", relayed.packets_to_peer)
      .field("bytes_to_peer", relayed.bytes_to_peer)
      .field("packets_to_client", relayed.packets_to_client)
      .field("bytes_to_client", relayed.bytes_to_client)
      .end_object();
  w.key("listeners").begin_array();
  for (const auto& l : m.listeners) w.value(l);
  w.end_array();
  w.key("relay_addresses").begin_array();
  for (const auto& r : m.relay_addresses) w.value(r);
  w.end_array().end_object();
  return w.take();
}

}  // namespace tern

#include "server/admin/metric_families.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace tern {
namespace {

struct DropReason {
  std::string_view counter;  // in kCounterNames
  std::string_view reason;
  bool own_name_too;  // README named tern_<counter>_total before this family existed
};

constexpr DropReason kDropReasons[] = {
    {"dropped_not_stun", "not_stun", false},
    {"dropped_malformed", "malformed", false},
    {"dropped_truncated", "truncated", false},
    {"dropped_bad_fingerprint", "bad_fingerprint", false},
    {"dropped_unbound_channel", "unbound_channel", false},
    {"peer_dropped_no_permission", "peer_no_permission", false},
    {"client_dropped_no_permission", "client_no_permission", true},
    {"bandwidth_dropped_to_peer", "bandwidth_to_peer", true},
    {"bandwidth_dropped_to_client", "bandwidth_to_client", true},
    {"stream_relay_drops", "stream_client_not_reading", false},
};

// auth_failures is the sum of tern_auth_failures_total's reasons: one name for both.
constexpr std::string_view kAuthFailuresCounter = "auth_failures";

constexpr auth::AuthFailure kAuthFailures[] = {
    auth::AuthFailure::Malformed,         auth::AuthFailure::ForeignNonce,
    auth::AuthFailure::UnknownUser,       auth::AuthFailure::WrongRealm,
    auth::AuthFailure::ExpiredCredential, auth::AuthFailure::RevokedCredential,
    auth::AuthFailure::BadIntegrity,      auth::AuthFailure::StaleNonce,
    auth::AuthFailure::HeldBack,
};

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

uint64_t counter_value(const MetricsSnapshot& m, std::string_view name) {
  const auto it = std::ranges::find(m.counters, name, &MetricsSnapshot::CounterValue::name);
  return it == m.counters.end() ? 0 : it->value;
}

// A histogram's unit as observed, and its digits after the point in seconds.
struct Unit {
  uint64_t per_second;
  int digits;
};
constexpr Unit kMicroseconds{1000000, 6};
constexpr Unit kMilliseconds{1000, 3};

// A bound the shortest way that reads back the same ("0.00025", "5"), as Prometheus' own
// clients write `le`.
std::string bound(uint64_t v, Unit u) {
  return fmt::format("{}", static_cast<double>(v) / static_cast<double>(u.per_second));
}

// Exact, and never in exponent form.
std::string fixed(uint64_t v, Unit u) {
  return fmt::format("{}.{:0{}}", v / u.per_second, v % u.per_second, u.digits);
}

void write_histogram(std::string& out, std::string_view name, std::string_view help,
                     const Histogram::Totals& h, Unit unit) {
  header(out, name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += h.buckets[i];
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, bound(h.bounds[i], unit), cumulative);
  }
  cumulative += h.buckets[h.bounds.size()];
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  out += fmt::format("{}_sum {}\n", name, fixed(h.sum, unit));
  out += fmt::format("{}_count {}\n", name, cumulative);
}

constexpr std::array<std::string_view, 4> kTransports = {"udp", "tcp", "tls", "dtls"};

}  // namespace

bool only_in_family(std::string_view counter_name) {
  if (counter_name == kAuthFailuresCounter) return true;
  const auto it = std::ranges::find(kDropReasons, counter_name, &DropReason::counter);
  return it != std::end(kDropReasons) && !it->own_name_too;
}

std::string_view auth_failure_label(auth::AuthFailure f) {
  switch (f) {
    case auth::AuthFailure::None:
    case auth::AuthFailure::NoIntegrity:
      return {};
    case auth::AuthFailure::Malformed:
      return "malformed";
    case auth::AuthFailure::ForeignNonce:
      return "foreign_nonce";
    case auth::AuthFailure::UnknownUser:
      return "unknown_user";
    case auth::AuthFailure::WrongRealm:
      return "wrong_realm";
    case auth::AuthFailure::ExpiredCredential:
      return "expired_credential";
    case auth::AuthFailure::RevokedCredential:
      return "revoked";
    case auth::AuthFailure::BadIntegrity:
      return "bad_integrity";
    case auth::AuthFailure::StaleNonce:
      return "stale_nonce";
    case auth::AuthFailure::HeldBack:
      return "held_back";
  }
  return {};
}

void write_dropped(std::string& out, const MetricsSnapshot& m) {
  header(out, "tern_dropped_total", "counter",
         "Packets dropped without an answer, by reason (datagrams or stream frames).");
  for (const auto& d : kDropReasons) {
    out += fmt::format("tern_dropped_total{{reason=\"{}\"}} {}\n", d.reason,
                       counter_value(m, d.counter));
  }
}

void write_auth_failures(std::string& out, const MetricsSnapshot& m) {
  header(out, "tern_auth_failures_total", "counter",
         "Requests refused after a credential attempt (400, 401, 438), by reason.");
  for (const auto f : kAuthFailures) {
    out += fmt::format("tern_auth_failures_total{{reason=\"{}\"}} {}\n", auth_failure_label(f),
                       m.auth_failures[static_cast<size_t>(f)]);
  }
}

void write_relayed(std::string& out, const MetricsSnapshot& m) {
  using Relayed = MetricsSnapshot::Relayed;
  const auto family = [&](std::string_view name, std::string_view help, uint64_t Relayed::*to_peer,
                          uint64_t Relayed::*to_client) {
    header(out, name, "counter", help);
    const std::array<std::pair<std::string_view, uint64_t Relayed::*>, 2> directions = {
        {{"to_peer", to_peer}, {"to_client", to_client}}};
    for (const auto& [direction, member] : directions) {
      for (size_t t = 0; t < kTransports.size(); ++t) {
        out += fmt::format("{}{{direction=\"{}\",transport=\"{}\"}} {}\n", name, direction,
                           kTransports[t], m.relayed[t].*member);
      }
    }
  };
  family("tern_relayed_packets_total",
         "Packets relayed, by direction and the client side's transport.",
         &Relayed::packets_to_peer, &Relayed::packets_to_client);
  family("tern_relayed_bytes_total",
         "Payload bytes relayed, by direction and the client side's transport.",
         &Relayed::bytes_to_peer, &Relayed::bytes_to_client);
}

void write_offload(std::string& out, const MetricsSnapshot& m) {
  if (!m.offload) return;
  const OffloadStats& s = *m.offload;
  header(out, "tern_offload_relayed_packets_total", "counter",
         "Packets the kernel programs (--offload) relayed, as they counted them, by the hook "
         "that relayed them (xdp ahead of tc) and direction.");
  using Hook = std::pair<std::string_view, OffloadStats::Relayed>;
  std::vector<Hook> hooks{{"tc", s.tc}};
  if (s.xdp) hooks.emplace_back("xdp", *s.xdp);
  for (const auto& [hook, relayed] : hooks) {
    for (const auto& [direction, n] :
         {std::pair{"to_peer", relayed.to_peer}, std::pair{"to_client", relayed.to_client}}) {
      out += fmt::format("tern_offload_relayed_packets_total{{hook=\"{}\",direction=\"{}\"}} {}\n",
                         hook, direction, n);
    }
  }
  header(out, "tern_offload_passed_packets_total", "counter",
         "Packets of a channel in the kernel programs' maps left to user space (expired, or "
         "the way out not learned yet).");
  out += fmt::format("tern_offload_passed_packets_total {}\n", s.passed);
}

void write_histograms(std::string& out, const MetricsSnapshot& m) {
  write_histogram(out, "tern_allocate_latency_seconds",
                  "Seconds from an Allocate request's arrival to its answer, any outcome.",
                  m.allocate_latency_us, kMicroseconds);
  write_histogram(out, "tern_allocation_duration_seconds",
                  "Seconds an allocation lived, observed when it is deleted.",
                  m.allocation_duration_ms, kMilliseconds);
}

}  // namespace tern

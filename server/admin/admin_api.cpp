#include "server/admin/admin_api.h"

#include <event2/keyvalq_struct.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <optional>

#include "base/json_writer.h"
#include "base/log.h"
#include "server/admin/admin_gather.h"
#include "server/admin/admin_http.h"
#include "server/admin/process_stats.h"
#include "server/admin/web_console.h"
#include "server/core/counters.h"
#include "server/core/request_context.h"
#include "server/offload/channel_offload.h"
#include "server/shared/drain_state.h"
#include "server/worker/worker.h"

namespace tern {
namespace {

constexpr std::string_view kSessionsPath = "/v1/sessions";
constexpr std::string_view kSessionPrefix = "/v1/sessions/";
constexpr std::string_view kKillPath = "/v1/sessions/kill";
constexpr std::string_view kStatsPath = "/v1/stats";
constexpr std::string_view kReloadPath = "/v1/reload";
constexpr std::string_view kDrainPath = "/v1/drain";
constexpr std::string_view kLogLevelPath = "/v1/log-level";
constexpr std::string_view kIceCredentialPath = "/v1/ice-credential";
constexpr std::string_view kMetricsPath = "/metrics";
constexpr int kUnauthorized = 401;  // libevent names no constant for these
constexpr int kTooManyRequests = 429;
constexpr int kConflict = 409;
constexpr std::string_view kPrometheusType = "text/plain; version=0.0.4; charset=utf-8";

struct Target {
  std::string path;
  std::string query;
};

Target target_of(evhttp_request* req) {
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
  const char* path = uri ? evhttp_uri_get_path(uri) : nullptr;
  const char* query = uri ? evhttp_uri_get_query(uri) : nullptr;
  return {path ? path : "", query ? query : ""};
}

// The query's parameters, decoded; nullopt when it does not parse, repeats a parameter
// or names one the route does not take: a typo must not widen a kill to everyone.
std::optional<std::map<std::string, std::string>> parse_query(
    const std::string& query, std::initializer_list<std::string_view> allowed) {
  std::map<std::string, std::string> out;
  if (query.empty()) return out;
  evkeyvalq kv;
  if (evhttp_parse_query_str(query.c_str(), &kv) != 0) return std::nullopt;
  bool ok = true;
  for (const evkeyval* e = kv.tqh_first; e != nullptr; e = e->next.tqe_next) {
    const std::string key = e->key;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end() ||
        !out.emplace(key, e->value).second) {
      ok = false;
    }
  }
  evhttp_clear_headers(&kv);
  if (!ok) return std::nullopt;
  return out;
}

// ?user=U as a filter; false (and a 400 sent) when the query is not just that.
bool user_filter(evhttp_request* req, const std::string& query, bool required,
                 SessionFilter& filter) {
  auto params = parse_query(query, {"user"});
  if (!params) {
    reply_error(req, HTTP_BADREQUEST, "the only query parameter is user, once");
    return false;
  }
  auto user = params->find("user");
  if (user != params->end() && user->second.empty()) {
    reply_error(req, HTTP_BADREQUEST, "user is empty");
    return false;
  }
  if (user == params->end() && required) {
    reply_error(req, HTTP_BADREQUEST, "user is required");
    return false;
  }
  if (user != params->end()) filter.user = user->second;
  return true;
}

void method_not_allowed(evhttp_request* req, const char* allow) {
  evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
  reply_error(req, HTTP_BADMETHOD, std::string("method not allowed; use ") + allow);
}

}  // namespace

AdminApi::AdminApi(std::span<const std::unique_ptr<Worker>> workers, TaskQueue& home,
                   std::string_view token, DrainState* drain, Logger& log)
    : workers_(workers),
      home_(home),
      bearer_(token),
      failure_log_(log),
      drain_(drain),
      log_(log),
      started_ms_(steady_ms()) {}

void AdminApi::on_admin_request(evhttp_request* req, void* self) {
  static_cast<AdminApi*>(self)->handle_admin(req);
}

void AdminApi::on_metrics_request(evhttp_request* req, void* self) {
  static_cast<AdminApi*>(self)->handle_metrics(req);
}

bool AdminApi::admitted(evhttp_request* req) {
  evhttp_connection* conn = evhttp_request_get_connection(req);
  const sockaddr* peer = conn != nullptr ? evhttp_connection_get_addr(conn) : nullptr;
  const std::string source = admin_source_key(peer);
  const int64_t now = steady_ms();
  if (const int64_t wait_s = failures_.blocked_for(source, now); wait_s > 0) {
    ++auth_counts_.held_back;
    if (uint64_t suppressed = 0; held_back_log_.allow(now, suppressed)) {
      log_.warning(
          "admin API: {} held back for {} s after too many failed tokens, answered 429 "
          "({} more 429s not logged)",
          source, wait_s, suppressed);
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
                      std::to_string(wait_s).c_str());
    reply_error(req, kTooManyRequests, "too many failed tokens from this address; retry later");
    return false;
  }
  const evkeyvalq* headers = evhttp_request_get_input_headers(req);
  if (bearer_.accepts(evhttp_find_header(headers, "Authorization"))) return true;
  failures_.failed(source, now);
  ++auth_counts_.failures;
  failure_log_.note({.peer = peer,
                     .path = target_of(req).path,
                     .token_given = evhttp_find_header(headers, "Authorization") != nullptr},
                    now);
  evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                    "Bearer realm=\"ternd\"");
  reply_error(req, kUnauthorized, "missing or wrong bearer token");
  return false;
}

void AdminApi::handle_admin(evhttp_request* req) {
  if (console_.enabled && serve_web_console(req)) return;
  if (!admitted(req)) return;
  const auto method = evhttp_request_get_command(req);
  const Target t = target_of(req);
  SessionFilter filter;
  if (t.path == kSessionsPath) {
    if (method != EVHTTP_REQ_GET) return method_not_allowed(req, "GET");
    if (user_filter(req, t.query, false, filter)) list_sessions(req, std::move(filter));
  } else if (t.path == kKillPath) {
    if (method != EVHTTP_REQ_POST) return method_not_allowed(req, "POST");
    if (user_filter(req, t.query, true, filter)) kill(req, std::move(filter), false);
  } else if (t.path.starts_with(kSessionPrefix)) {
    if (method != EVHTTP_REQ_DELETE) return method_not_allowed(req, "DELETE");
    const std::string id_text = t.path.substr(kSessionPrefix.size());
    const auto id = AllocationId::parse(id_text);
    if (!id || id->worker >= workers_.size() || !t.query.empty()) {
      reply_error(req, HTTP_NOTFOUND, "no session " + id_text);
      return;
    }
    filter.id = *id;
    kill(req, std::move(filter), true);
  } else if (t.path == kStatsPath) {
    if (method != EVHTTP_REQ_GET) return method_not_allowed(req, "GET");
    stats(req, false);
  } else if (t.path == kReloadPath && reload_) {
    if (method != EVHTTP_REQ_POST) return method_not_allowed(req, "POST");
    reload(req);
  } else if (t.path == kLogLevelPath) {
    if (method != EVHTTP_REQ_POST) return method_not_allowed(req, "POST");
    set_log_level(req, t.query);
  } else if (t.path == kIceCredentialPath) {
    if (method != EVHTTP_REQ_POST) return method_not_allowed(req, "POST");
    mint_credential(req);
  } else if (t.path == kDrainPath && drain_ != nullptr) {
    if (method != EVHTTP_REQ_POST) return method_not_allowed(req, "POST");
    drain(req);
  } else {
    reply_error(req, HTTP_NOTFOUND, "no such endpoint");
  }
}

void AdminApi::handle_metrics(evhttp_request* req) {
  if (target_of(req).path != kMetricsPath) {
    reply(req, HTTP_NOTFOUND, "text/plain; charset=utf-8", "not found; try /metrics\n");
    return;
  }
  if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
    reply(req, HTTP_BADMETHOD, "text/plain; charset=utf-8", "method not allowed; use GET\n");
    return;
  }
  stats(req, true);
}

void AdminApi::list_sessions(evhttp_request* req, SessionFilter filter) {
  gather<std::vector<SessionInfo>>(
      workers_, home_, [filter](Worker& w) { return w.sessions(filter); },
      [req](std::vector<std::vector<SessionInfo>> parts) {
        std::vector<SessionInfo> all;
        for (auto& p : parts) std::ranges::move(p, std::back_inserter(all));
        reply_json(req, HTTP_OK, sessions_json(all));
      });
}

void AdminApi::kill(evhttp_request* req, SessionFilter filter, bool one) {
  // Every worker is asked, even for one session id: the id names the worker that made
  // the allocation, and an RFC 8016 move may have taken it to another.
  const std::string what = filter.id ? "session " + filter.id->to_string()
                                     : "sessions of user " + filter.user.value_or("");
  gather<size_t>(
      workers_, home_, [filter](Worker& w) { return w.kill_sessions(filter); },
      [this, req, one, what](std::vector<size_t> parts) {
        size_t killed = 0;
        for (auto n : parts) killed += n;
        if (one && killed == 0) {
          reply_error(req, HTTP_NOTFOUND, "no " + what);
          return;
        }
        log_.info("admin API: kill {}: {} allocation(s) deleted", what, killed);
        JsonWriter w;
        w.begin_object().field("killed", static_cast<uint64_t>(killed)).end_object();
        reply_json(req, HTTP_OK, w.text());
      });
}

void AdminApi::stats(evhttp_request* req, bool prometheus) {
  gather<AllocationMix>(
      workers_, home_, [](Worker& w) { return w.allocation_mix(); },
      [this, req, prometheus](std::vector<AllocationMix> mixes) {
        std::vector<uint64_t> per_worker;
        for (const auto& mix : mixes) per_worker.push_back(mix.total());
        MetricsSnapshot m = snapshot(per_worker);
        for (const auto& mix : mixes) m.allocation_mix += mix;
        if (prometheus) m.process = read_process_stats();
        if (prometheus) {
          reply(req, HTTP_OK, kPrometheusType, prometheus_text(m));
        } else {
          reply_json(req, HTTP_OK, stats_json(m));
        }
      });
}

void AdminApi::reload(evhttp_request* req) {
  // The main thread reloads; the answer comes back here, since only this loop may reply.
  // Once the main loop has ended (ternd stopping) the task never runs and the request goes
  // with its connection.
  const bool posted = main_->post([this, req] {
    auto outcome = std::make_shared<ReloadOutcome>(reload_());
    // Refused only while the admin thread stops: the request goes with its connection.
    (void)home_.post([this, req, outcome] {
      // Applied means the workers applied it too: each runs its tasks in order, so once
      // each has answered this one it has run what the reload posted it before (its new
      // listeners, the kernel fast path brought to the new peer policy and max-bps).
      gather<int>(
          workers_, home_, [](Worker&) { return 0; },
          [req, outcome](std::vector<int>) {
            JsonWriter w;
            w.begin_object().field("applied", outcome->applied).key("lines").begin_array();
            for (const auto& line : outcome->lines) w.value(line);
            w.end_array().end_object();
            reply_json(req, outcome->applied ? HTTP_OK : kConflict, w.text());
          });
    });
  });
  if (!posted) reply_error(req, HTTP_SERVUNAVAIL, "ternd is stopping");
}

void AdminApi::drain(evhttp_request* req) {
  // The main thread notices within a fraction of a second and logs the drain's start.
  const bool started = drain_->begin(steady_ms());
  if (started) log_.info("admin API: drain requested");
  gather<uint64_t>(
      workers_, home_, [](Worker& w) { return static_cast<uint64_t>(w.allocation_count()); },
      [req, started](std::vector<uint64_t> per_worker) {
        uint64_t left = 0;
        for (auto n : per_worker) left += n;
        JsonWriter w;
        w.begin_object()
            .field("draining", true)
            .field("already", !started)
            .field("allocations", left)
            .end_object();
        reply_json(req, HTTP_OK, w.text());
      });
}

void AdminApi::set_log_level(evhttp_request* req, const std::string& query) {
  const auto params = parse_query(query, {"level"});
  std::optional<LogLevel> to;
  if (params && params->contains("level")) to = parse_log_level(params->at("level"));
  if (!to) {
    reply_error(req, HTTP_BADREQUEST, "level=debug, info, warning or error, once");
    return;
  }
  const LogLevel was = log_.level();
  log_.set_level(*to);
  // Said at a level the new one writes: that the log went quieter is worth its line too.
  log_.write(std::max(*to, LogLevel::Info), fmt::format("admin API: log level {} (was {})",
                                                        log_level_name(*to), log_level_name(was)));
  JsonWriter w;
  w.begin_object()
      .field("level", log_level_name(*to))
      .field("was", log_level_name(was))
      .end_object();
  reply_json(req, HTTP_OK, w.text());
}

void AdminApi::mint_credential(evhttp_request* req) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto body = mint_ice_credential(
      console_.ice, std::chrono::duration_cast<std::chrono::seconds>(now).count());
  if (!body) {
    reply_error(req, kConflict,
                "no REST secret to mint with: give use-auth-secret with static-auth-secret (or a "
                "secret in the userdb or redis-userdb)");
    return;
  }
  log_.info("admin API: minted a {} s REST credential for the web console", kIceCredentialTtlS);
  reply_json(req, HTTP_OK, *body);
}

MetricsSnapshot AdminApi::snapshot(const std::vector<uint64_t>& worker_allocations) const {
  MetricsSnapshot m;
  for (const auto& c : kCounterNames) {
    uint64_t total = 0;
    for (const auto& w : workers_) total += (w->counters().*c.member).get();
    m.counters.push_back({c.name, total});
  }
  for (const auto& w : workers_) {
    const WorkerCounters& c = w->counters();
    for (size_t t = 0; t < m.relayed.size(); ++t) {
      m.relayed[t].packets_to_peer += c.relayed[t].packets_to_peer.get();
      m.relayed[t].bytes_to_peer += c.relayed[t].bytes_to_peer.get();
      m.relayed[t].packets_to_client += c.relayed[t].packets_to_client.get();
      m.relayed[t].bytes_to_client += c.relayed[t].bytes_to_client.get();
    }
    for (size_t r = 0; r < m.auth_failures.size(); ++r) {
      m.auth_failures[r] += c.auth_failures_by_reason[r].get();
    }
    m.allocate_latency_us += c.allocate_latency_us;
    m.allocation_duration_ms += c.allocation_duration_ms;
  }
  m.admin_auth = auth_counts_;
  if (offload_) m.offload = offload_->stats();
  m.worker_allocations = worker_allocations;
  m.uptime_s = (steady_ms() - started_ms_) / 1000;
  m.draining = drain_ != nullptr && drain_->draining();
  m.log_level = log_level_name(log_.level());
  m.listeners = console_.listeners;
  m.relay_addresses = console_.relay_addresses;
  return m;
}

}  // namespace tern

#include "admin/fleet_commands.h"

#include <fmt/format.h>

#include <ostream>
#include <vector>

#include "admin/statsdb_reader.h"
#include "admin/time_text.h"
#include "auth/fleet_keys.h"
#include "base/json_value.h"
#include "base/json_writer.h"

namespace tern::admin {
namespace {

namespace keys = auth::fleet_keys;

// A parsed value written back; numbers keep the text they came with.
void write_json(JsonWriter& j, const JsonValue& v) {
  if (std::holds_alternative<std::nullptr_t>(v.v)) {
    j.null();
  } else if (const bool* b = std::get_if<bool>(&v.v)) {
    j.value(*b);
  } else if (const auto* s = v.string()) {
    j.value(*s);
  } else if (const auto* a = v.array()) {
    j.begin_array();
    for (const auto& item : *a) write_json(j, item);
    j.end_array();
  } else if (const auto* o = v.object()) {
    j.begin_object();
    for (const auto& [name, value] : *o) write_json(j.key(name), value);
    j.end_object();
  } else {
    j.number_text(v.number_text());
  }
}

std::string joined(const JsonValue* list) {
  std::string out;
  if (list == nullptr || list->array() == nullptr) return "-";
  for (const auto& item : *list->array()) {
    if (item.string()) out += (out.empty() ? "" : ",") + *item.string();
  }
  return out.empty() ? "-" : out;
}

struct Node {
  JsonValue heartbeat;
  bool stale = false;
  int64_t age_s = 0;
};

struct Totals {
  uint64_t live = 0, stale = 0, allocations = 0, udp_in_per_s = 0, udp_out_per_s = 0;
};

Totals totals_of(const std::vector<Node>& nodes) {
  Totals t;
  for (const auto& n : nodes) {
    if (n.stale) {
      ++t.stale;
      continue;  // what a dead node last said is not what the fleet holds now
    }
    ++t.live;
    t.allocations += n.heartbeat.unsigned_integer("allocations");
    t.udp_in_per_s += n.heartbeat.unsigned_integer("udp_in_per_s");
    t.udp_out_per_s += n.heartbeat.unsigned_integer("udp_out_per_s");
  }
  return t;
}

void print_nodes_json(const std::vector<Node>& nodes, std::ostream& out) {
  JsonWriter j;
  j.begin_object().key("nodes").begin_array();
  for (const auto& n : nodes) {
    JsonValue v = n.heartbeat;
    auto& members = std::get<JsonValue::Object>(v.v);
    members.push_back({"stale", JsonValue{n.stale}});
    members.push_back({"age_s", JsonValue{JsonValue::Number{std::to_string(n.age_s)}}});
    write_json(j, v);
  }
  const Totals t = totals_of(nodes);
  j.end_array().key("total").begin_object().field("nodes", nodes.size()).field("live", t.live);
  j.field("stale", t.stale).field("allocations", t.allocations);
  j.field("udp_in_per_s", t.udp_in_per_s).field("udp_out_per_s", t.udp_out_per_s);
  out << j.end_object().end_object().text() << '\n';
}

void print_nodes_table(const std::vector<Node>& nodes, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {{"NODE", "STATE", "ALLOCATIONS", "UDP IN/S",
                                                 "UDP OUT/S", "DRAINING", "LAST BEAT", "VERSION",
                                                 "RELAY IPS", "LAST RELOAD"}};
  for (const auto& n : nodes) {
    const JsonValue& h = n.heartbeat;
    const JsonValue* draining = h.member("draining");
    const bool drains = draining && std::get_if<bool>(&draining->v) && std::get<bool>(draining->v);
    rows.push_back({printable(h.text("id")), n.stale ? "stale" : "live",
                    std::to_string(h.unsigned_integer("allocations")),
                    std::to_string(h.unsigned_integer("udp_in_per_s")),
                    std::to_string(h.unsigned_integer("udp_out_per_s")), drains ? "yes" : "no",
                    duration(n.age_s) + " ago", printable(h.text("version")),
                    printable(joined(h.member("relay_ips"))), utc_time(h.integer("last_reload"))});
  }
  const Totals t = totals_of(nodes);
  rows.push_back({fmt::format("total ({} live, {} stale)", t.live, t.stale), "",
                  std::to_string(t.allocations), std::to_string(t.udp_in_per_s),
                  std::to_string(t.udp_out_per_s)});
  print_table(rows, out);
}

// A glob that matches `s` only: SCAN's MATCH reads * ? [ ] and \ specially.
std::string glob_literal(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

struct Session {
  std::string realm, user, id, status;
  int64_t lifetime = 0;
  int64_t expires_in = 0;
};

// turn/realm/<realm>/user/<user>/allocation/<id>/status; nullopt for another shape.
std::optional<Session> session_of_key(std::string_view key) {
  constexpr std::string_view kPrefix = "turn/realm/", kUser = "/user/",
                             kAllocation = "/allocation/", kStatus = "/status";
  if (!key.starts_with(kPrefix) || !key.ends_with(kStatus)) return std::nullopt;
  key.remove_prefix(kPrefix.size());
  key.remove_suffix(kStatus.size());
  const auto user_at = key.find(kUser);
  const auto allocation_at = key.rfind(kAllocation);
  if (user_at == std::string_view::npos || allocation_at == std::string_view::npos ||
      allocation_at < user_at + kUser.size()) {
    return std::nullopt;
  }
  Session s;
  s.realm = key.substr(0, user_at);
  s.user = key.substr(user_at + kUser.size(), allocation_at - user_at - kUser.size());
  s.id = key.substr(allocation_at + kAllocation.size());
  return s;
}

// "new lifetime=600" → status "new", lifetime 600.
void read_status(std::string_view value, Session& s) {
  const auto space = value.find(' ');
  s.status = value.substr(0, space);
  constexpr std::string_view kLifetime = "lifetime=";
  if (space == std::string_view::npos) return;
  const auto rest = value.substr(space + 1);
  if (rest.starts_with(kLifetime)) {
    s.lifetime = std::atoll(std::string(rest.substr(kLifetime.size())).c_str());
  }
}

void print_sessions(const std::vector<Session>& sessions, bool json, std::ostream& out) {
  if (json) {
    JsonWriter j;
    j.begin_object().key("sessions").begin_array();
    for (const auto& s : sessions) {
      j.begin_object().field("realm", s.realm).field("user", s.user).field("id", s.id);
      j.field("status", s.status).field("lifetime", s.lifetime);
      j.field("expires_in", s.expires_in).end_object();
    }
    j.end_array().key("total").begin_object().field("sessions", sessions.size());
    out << j.end_object().end_object().text() << '\n';
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"REALM", "USER", "SESSION", "STATUS", "LIFETIME", "LEFT"}};
  for (const auto& s : sessions) {
    rows.push_back({printable(s.realm), printable(s.user), printable(s.id), printable(s.status),
                    duration(s.lifetime), duration(std::max<int64_t>(0, s.expires_in))});
  }
  rows.push_back({fmt::format("total: {}", sessions.size())});
  print_table(rows, out);
}

}  // namespace

int fleet_nodes(const FleetArgs& args, int64_t now, Streams io) {
  auto redis = StatsdbReader::connect(args.redis_statsdb);
  if (!redis) return report(io, kExitFailed, redis.error());
  auto names = redis->scan(std::string(keys::kNodePrefix) + "*");
  if (!names) return report(io, kExitFailed, names.error());
  auto values = redis->get(*names);
  if (!values) return report(io, kExitFailed, values.error());
  std::vector<Node> nodes;
  for (size_t i = 0; i < names->size(); ++i) {
    if (!(*values)[i]) continue;  // expired since the scan
    auto heartbeat = JsonValue::parse(*(*values)[i]);
    if (!heartbeat || !heartbeat->object()) {
      report(io, kExitFailed, fmt::format("{}: not a heartbeat; skipped", (*names)[i]));
      continue;
    }
    Node n{std::move(*heartbeat)};
    const int64_t interval = std::max<int64_t>(1, n.heartbeat.integer("interval_s"));
    n.age_s = std::max<int64_t>(0, now - n.heartbeat.integer("updated"));
    n.stale = n.age_s > keys::kStaleAfterIntervals * interval;
    nodes.push_back(std::move(n));
  }
  if (args.json) {
    print_nodes_json(nodes, io.out);
  } else {
    print_nodes_table(nodes, io.out);
  }
  return kExitOk;
}

int fleet_sessions(const FleetArgs& args, const std::optional<std::string>& user, Streams io) {
  auto redis = StatsdbReader::connect(args.redis_statsdb);
  if (!redis) return report(io, kExitFailed, redis.error());
  const std::string pattern =
      "turn/realm/*/user/" + (user ? glob_literal(*user) : "*") + "/allocation/*/status";
  auto names = redis->scan(pattern);
  if (!names) return report(io, kExitFailed, names.error());
  auto values = redis->get(*names);
  if (!values) return report(io, kExitFailed, values.error());
  auto ttls = redis->ttl(*names);
  if (!ttls) return report(io, kExitFailed, ttls.error());
  std::vector<Session> sessions;
  for (size_t i = 0; i < names->size(); ++i) {
    auto s = session_of_key((*names)[i]);
    // A realm or user name holding "/user/" could match the pattern with other parts.
    if (!s || !(*values)[i] || (user && s->user != *user)) continue;
    read_status(*(*values)[i], *s);
    s->expires_in = (*ttls)[i];
    sessions.push_back(std::move(*s));
  }
  print_sessions(sessions, args.json, io.out);
  return kExitOk;
}

int fleet_kill(const FleetArgs& args, const std::string& user, Streams io) {
  if (user.empty()) return report(io, kExitUsage, "--user: empty");
  auto redis = StatsdbReader::connect(args.redis_statsdb);
  if (!redis) return report(io, kExitFailed, redis.error());
  auto nodes = redis->publish(keys::kKillChannel, user);
  if (!nodes) return report(io, kExitFailed, nodes.error());
  if (*nodes == 0) {
    return report(io, kExitFailed,
                  "no ternd listens on this statsdb: nothing was ended (is --redis-statsdb the "
                  "nodes' own?)");
  }
  if (args.json) {
    JsonWriter j;
    j.begin_object().field("user", user).field("nodes", *nodes).end_object();
    io.out << j.text() << '\n';
  } else {
    io.out << fmt::format("asked {} node{} to end the sessions of user {}\n", *nodes,
                          *nodes == 1 ? "" : "s", printable(user));
  }
  return kExitOk;
}

}  // namespace tern::admin

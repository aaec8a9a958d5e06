#include "admin/live_commands.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>
#include <vector>

#include "admin/http_client.h"
#include "admin/time_text.h"
#include "base/json_value.h"

namespace tern::admin {
namespace {

// A token goes into an HTTP header: anything but visible ASCII could split it.
bool valid_token(std::string_view token) {
  return !token.empty() &&
         std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

constexpr std::string_view kNoTokenInFile = "holds no token";

// The token of a file, or why there is none ("No such file or directory").
Result<std::string, std::string> read_token(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unexpected(std::string(strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (!valid_token(token)) return unexpected(std::string(kNoTokenInFile));
  return token;
}

struct Token {
  std::string value;
  std::string source;  // the file it came from, "" when given on the command line
};

std::string no_token_message(const LiveArgs& args, const std::vector<std::string>& tried) {
  return fmt::format(
      "no admin token: none of {} holds one; ternd writes the token it makes up to {} when "
      "it may, else beside its --userdb{}; or give --token, --token-file or ${}",
      fmt::join(tried, ", "), auth::runtime_token_file().string(),
      args.userdb ? "" : " (give ternctl the same --userdb)", kTokenEnvironment);
}

// The token, or the exit code of the failure already reported.
Result<Token, int> find_token(const LiveArgs& args, Streams io) {
  if (args.token) {
    if (!valid_token(*args.token)) {
      return unexpected(report(io, kExitUsage, "--token: empty or not printable ASCII"));
    }
    return Token{*args.token, ""};
  }
  if (args.token_file) {
    auto t = read_token(*args.token_file);
    if (t) return Token{*t, ""};
    return unexpected(
        report(io, kExitFailed,
               t.error() == kNoTokenInFile
                   ? fmt::format("token file {} holds no token", *args.token_file)
                   : fmt::format("cannot read token file {}: {}", *args.token_file, t.error())));
  }
  if (const char* env = std::getenv(kTokenEnvironment); env != nullptr && *env != '\0') {
    if (!valid_token(env)) {
      return unexpected(
          report(io, kExitUsage, fmt::format("${}: not printable ASCII", kTokenEnvironment)));
    }
    return Token{env, ""};
  }
  std::vector<std::string> tried;
  for (const auto& path : token_files(args)) {
    auto t = read_token(path);
    if (t) return Token{*t, path};
    tried.push_back(fmt::format("{} ({})", path, t.error()));
  }
  return unexpected(report(io, kExitFailed, no_token_message(args, tried)));
}

std::string refused_message(const LiveArgs& args, const Token& token) {
  if (token.source.empty()) {
    return fmt::format(
        "ternd admin API at {} refused the token (401); check --token or "
        "--token-file",
        args.server);
  }
  return fmt::format(
      "ternd admin API at {} refused the token of {} (401): it may be another "
      "ternd's; give --token or --token-file",
      args.server, token.source);
}

// ternd's answer when it is 2xx (or `also_ok`); otherwise the failure is reported and
// its exit code returned. A 404 carries ternd's own message ("no session 0-7").
Result<HttpResponse, int> call(const LiveArgs& args, std::string_view method,
                               const std::string& target, Streams io, int also_ok = 0) {
  auto token = find_token(args, io);
  if (!token) return unexpected(token.error());
  auto r = http_call(args.server, {method, target, token->value}, args.timeout);
  if (!r) return unexpected(report(io, kExitFailed, r.error()));
  if ((r->status >= 200 && r->status < 300) || r->status == also_ok) return std::move(*r);
  if (r->status == 401) return unexpected(report(io, kExitFailed, refused_message(args, *token)));
  auto body = JsonValue::parse(r->body);
  const std::string why = body ? body->text("error") : "";
  if (r->status == 404 && !why.empty()) return unexpected(report(io, kExitFailed, why));
  return unexpected(report(io, kExitFailed,
                           fmt::format("ternd admin API at {} answered {}{}", args.server,
                                       r->status, why.empty() ? "" : ": " + why)));
}

Result<JsonValue, int> parse_body(const LiveArgs& args, const HttpResponse& r, Streams io) {
  auto v = JsonValue::parse(r.body);
  if (!v) {
    return unexpected(report(
        io, kExitFailed, fmt::format("ternd admin API at {} answered with bad JSON", args.server)));
  }
  return std::move(*v);
}

std::string joined_texts(const JsonValue* list, std::string_view field = {}) {
  std::string out;
  if (list == nullptr || list->array() == nullptr) return "-";
  for (const auto& item : *list->array()) {
    const std::string text =
        field.empty() ? (item.string() ? *item.string() : "") : item.text(field);
    out += (out.empty() ? "" : ",") + text;
  }
  return out.empty() ? "-" : out;
}

size_t count_of(const JsonValue& session, std::string_view key) {
  const JsonValue* list = session.member(key);
  return list && list->array() ? list->array()->size() : 0;
}

void print_sessions(const JsonValue& list, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {{"ID", "USER", "TRANSPORT", "CLIENT", "RELAYED",
                                                 "LEFT", "TO PEER", "TO CLIENT", "PERMISSIONS",
                                                 "CHANNELS", "WORKER"}};
  if (list.array() != nullptr) {
    for (const auto& s : *list.array()) {
      rows.push_back(
          {printable(s.text("id")), printable(s.text("user")), printable(s.text("transport")),
           printable(s.text("client")), printable(joined_texts(s.member("relayed"))),
           duration(s.integer("lifetime")), bytes(s.unsigned_integer("bytes_to_peer")),
           bytes(s.unsigned_integer("bytes_to_client")),
           printable(joined_texts(s.member("permissions"), "ip")),
           std::to_string(count_of(s, "channels")), std::to_string(s.unsigned_integer("worker"))});
    }
  }
  print_table(rows, out);
}

void print_stats(const JsonValue& stats, std::ostream& out) {
  std::string per_worker;
  if (const JsonValue* w = stats.member("worker_allocations"); w && w->array()) {
    for (const auto& n : *w->array())
      per_worker += (per_worker.empty() ? "" : " ") + n.number_text();
  }
  std::vector<std::vector<std::string>> rows = {
      {"version", printable(stats.text("version"))},
      {"uptime", duration(stats.integer("uptime"))},
      {"draining", stats.boolean("draining") ? "yes: no new allocations" : "no"},
      {"log level", printable(stats.text("log_level"))},
      {"workers", std::to_string(stats.unsigned_integer("workers"))},
      {"allocations", fmt::format("{} (per worker: {})", stats.unsigned_integer("allocations"),
                                  per_worker.empty() ? "-" : per_worker)},
  };
  if (const JsonValue* counters = stats.member("counters"); counters && counters->object()) {
    for (const auto& [name, value] : *counters->object()) {
      rows.push_back({printable(name), value.number_text()});
    }
  }
  print_table(rows, out);
}

}  // namespace

std::vector<std::string> token_files(const LiveArgs& args) {
  // Where ternd writes the token it makes up when none is configured, in its order (the
  // packaged ternd's store is in /var/lib/tern).
  std::vector<std::string> files = {auth::runtime_token_file().string()};
  if (args.userdb) files.push_back(auth::token_file_beside(*args.userdb).string());
  const std::string packaged(auth::kPackagedTokenFile);
  if (std::find(files.begin(), files.end(), packaged) == files.end()) files.push_back(packaged);
  return files;
}

int sessions(const LiveArgs& args, const std::optional<std::string>& user, Streams io) {
  const std::string target =
      user ? "/v1/sessions?user=" + percent_encode(*user) : std::string("/v1/sessions");
  auto r = call(args, "GET", target, io);
  if (!r) return r.error();
  auto list = parse_body(args, *r, io);
  if (!list) return list.error();
  if (args.json) {
    io.out << r->body << '\n';
  } else {
    print_sessions(*list, io.out);
  }
  return kExitOk;
}

int kill_session(const LiveArgs& args, const std::string& id, Streams io) {
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    return report(io, kExitUsage,
                  fmt::format("\"{}\" is not a session id (like 001000000000000017)", id));
  }
  auto r = call(args, "DELETE", "/v1/sessions/" + id, io);
  if (!r) return r.error();
  if (args.json) {
    io.out << r->body << '\n';
  } else {
    io.out << "killed session " << id << '\n';
  }
  return kExitOk;
}

int kill_user(const LiveArgs& args, const std::string& user, Streams io) {
  if (user.empty()) return report(io, kExitUsage, "--user is empty");
  auto r = call(args, "POST", "/v1/sessions/kill?user=" + percent_encode(user), io);
  if (!r) return r.error();
  auto body = parse_body(args, *r, io);
  if (!body) return body.error();
  const uint64_t killed = body->unsigned_integer("killed");
  if (args.json) io.out << r->body << '\n';
  if (killed == 0) {
    return report(io, kExitFailed, fmt::format("ternd has no sessions of user {}", user));
  }
  if (!args.json) {
    io.out << fmt::format("killed {} session{} of user {}\n", killed, killed == 1 ? "" : "s",
                          printable(user));
  }
  return kExitOk;
}

int reload(const LiveArgs& args, Streams io) {
  constexpr int kRefused = 409;
  auto r = call(args, "POST", "/v1/reload", io, kRefused);
  if (!r) return r.error();
  auto body = parse_body(args, *r, io);
  if (!body) return body.error();
  const bool applied = r->status != kRefused;
  if (args.json) {
    io.out << r->body << '\n';
  } else if (const JsonValue* lines = body->member("lines"); lines && lines->array()) {
    for (const auto& line : *lines->array()) {
      const std::string text = printable(line.string() ? *line.string() : "");
      if (applied) {
        io.out << text << '\n';
      } else {
        report(io, kExitFailed, text);
      }
    }
  }
  return applied ? kExitOk : kExitFailed;
}

int stats(const LiveArgs& args, Streams io) {
  auto r = call(args, "GET", "/v1/stats", io);
  if (!r) return r.error();
  auto body = parse_body(args, *r, io);
  if (!body) return body.error();
  if (args.json) {
    io.out << r->body << '\n';
  } else {
    print_stats(*body, io.out);
  }
  return kExitOk;
}

int log_level(const LiveArgs& args, const std::string& level, Streams io) {
  auto r = call(args, "POST", "/v1/log-level?level=" + percent_encode(level), io);
  if (!r) return r.error();
  auto body = parse_body(args, *r, io);
  if (!body) return body.error();
  if (args.json) {
    io.out << r->body << '\n';
  } else {
    io.out << fmt::format("log level {} (was {})\n", printable(body->text("level")),
                          printable(body->text("was")));
  }
  return kExitOk;
}

int drain(const LiveArgs& args, Streams io) {
  auto r = call(args, "POST", "/v1/drain", io);
  if (!r) return r.error();
  auto body = parse_body(args, *r, io);
  if (!body) return body.error();
  if (args.json) {
    io.out << r->body << '\n';
    return kExitOk;
  }
  const uint64_t left = body->unsigned_integer("allocations");
  const std::string wait =
      left == 0 ? "no allocation left; it stops now"
                : fmt::format("{} allocation{} left; it exits when {} ended", left,
                              left == 1 ? "" : "s", left == 1 ? "it has" : "they have");
  io.out << fmt::format("ternd is draining{}: {}\n",
                        body->boolean("already") ? " (it already was)" : "", wait);
  return kExitOk;
}

}  // namespace tern::admin

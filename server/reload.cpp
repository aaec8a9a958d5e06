#include "server/reload.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "base/log.h"
#include "base/tls_context.h"
#include "server/config/secret_files.h"
#include "server/server.h"

namespace tern {
namespace {

// What a reload applies in place; every other field needs a restart.
void take_live_fields(Config& to, const Config& from) {
  to.cert = from.cert;
  to.pkey = from.pkey;
  to.cipher_list = from.cipher_list;
  to.no_tlsv1_2 = from.no_tlsv1_2;
  to.no_tls = from.no_tls;  // with cert and pkey: the TLS listeners open or retire
  to.no_dtls = from.no_dtls;
  to.pkey_pwd = from.pkey_pwd;
  to.ca_file = from.ca_file;
  to.log_file = from.log_file;
  to.verbose = from.verbose;
  to.users = from.users;
  to.user_files = from.user_files;
  to.static_auth_secrets = from.static_auth_secrets;
  to.static_auth_secret_files = from.static_auth_secret_files;
  to.stateless_nonce_secret = from.stateless_nonce_secret;
  to.user_quota = from.user_quota;
  to.total_quota = from.total_quota;
  to.max_bps = from.max_bps;
  to.max_allocate_lifetime = from.max_allocate_lifetime;
  to.permission_lifetime = from.permission_lifetime;
  to.channel_lifetime = from.channel_lifetime;
  to.allowed_peer_ips = from.allowed_peer_ips;
  to.denied_peer_ips = from.denied_peer_ips;
  to.allow_loopback_peers = from.allow_loopback_peers;
  // Listeners: new ones open, removed ones retire (server_listeners.cpp).
  to.listening_ips = from.listening_ips;
  to.listening_port = from.listening_port;
  to.tls_listening_port = from.tls_listening_port;
  to.aux_servers = from.aux_servers;
  to.tcp_proxy_port = from.tcp_proxy_port;
  to.tls_proxy_port = from.tls_proxy_port;
  to.no_udp = from.no_udp;
  to.no_tcp = from.no_tcp;
  to.alt_listening_port = from.alt_listening_port;  // RFC 5780's grids are rebuilt
  to.alt_tls_listening_port = from.alt_tls_listening_port;
  to.no_rfc5780 = from.no_rfc5780;
  // Relay addresses: new allocations take the new ones, old ones keep theirs.
  to.relay_ips = from.relay_ips;
  to.external_ips = from.external_ips;
  to.min_port = from.min_port;
  to.max_port = from.max_port;
  to.alternate_servers = from.alternate_servers;
  to.tls_alternate_servers = from.tls_alternate_servers;
  // The admin API's and /metrics' listeners move; the token follows admin-token and
  // admin-token-file as at startup (Server::prepare_admin).
  to.admin_listen = from.admin_listen;
  to.admin_token = from.admin_token;
  to.admin_token_file = from.admin_token_file;
  to.prometheus_listen = from.prometheus_listen;
  to.web_admin = from.web_admin;  // the console's page comes or goes on the admin listener
}

// The refusal of options only a restart may change, with the reason where it is not
// obvious.
std::string restart_refusal(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  out += ": changed, which needs a restart";
  if (std::ranges::find(names, "realm") != names.end()) {
    out +=
        " (realm: the long-term credential keys, MD5(user:realm:password), of the static "
        "users, the userdb and Redis, the nonces handed out and every allocation's Refresh "
        "are bound to the realm; a live change would refuse the Refresh of every allocation "
        "in force)";
  }
  return out;
}

bool tls_on(const Config& c) {
  return !c.no_tls && !c.cert.empty() && !c.pkey.empty();
}

TlsSettings tls_settings(const Config& c) {
  return {c.cert, c.pkey, c.cipher_list, c.no_tlsv1_2, c.pkey_pwd, c.ca_file};
}

LogLevel log_level(const Config& c) {
  return c.verbose ? LogLevel::Debug : LogLevel::Info;
}

// The options the table maps to a field, compared field by field; the few it sets through
// a function of their own are named here.
void name_changed_options(const Config& a, const Config& b, std::vector<std::string>& out) {
  for (const auto& o : config::options()) {
    const bool changed = std::visit(
        [&](const auto& action) {
          using A = std::decay_t<decltype(action)>;
          if constexpr (std::is_same_v<A, config::Number>) {
            return std::visit([&](auto field) { return a.*field != b.*field; }, action.field);
          } else if constexpr (std::is_same_v<A, config::Flag> || std::is_same_v<A, config::Text> ||
                               std::is_same_v<A, config::List>) {
            return a.*action.field != b.*action.field;
          } else {
            return false;
          }
        },
        o.action);
    const std::string name(o.name);
    if (changed && std::ranges::find(out, name) == out.end()) out.push_back(name);
  }
  const std::pair<std::string_view, bool> custom[] = {
      {"no-auth", a.no_auth != b.no_auth},
      {"lt-cred-mech", a.lt_cred_mech != b.lt_cred_mech},
      {"stale-nonce", a.stale_nonce != b.stale_nonce},
      {"use-auth-secret", a.use_auth_secret != b.use_auth_secret},
      {"rest-api-separator", a.rest_api_separator != b.rest_api_separator},
      {"log-format", a.log_json != b.log_json},
  };
  for (const auto& [name, changed] : custom) {
    if (changed && std::ranges::find(out, name) == out.end()) out.emplace_back(name);
  }
}

// argv as main() takes it, for parse_command_line.
std::vector<const char*> c_argv(const std::vector<std::string>& args) {
  std::vector<const char*> out;
  for (const auto& a : args) out.push_back(a.c_str());
  return out;
}

}  // namespace

std::vector<std::string> needs_restart(const Config& in_force, const Config& fresh) {
  Config probe = fresh;
  take_live_fields(probe, in_force);
  std::vector<std::string> names;
  if (probe == in_force) return names;
  name_changed_options(in_force, probe, names);
  if (names.empty()) names.emplace_back("a setting read at startup only");
  return names;
}

Reloader::Reloader(std::vector<std::string> argv, Config in_force, Server& server, Logger& log)
    : argv_(std::move(argv)), in_force_(std::move(in_force)), server_(server), log_(log) {}

ReloadOutcome Reloader::reload_config(std::string_view why) {
  ReloadOutcome out;
  auto refuse = [&](const std::string& reason) {
    out.lines.push_back(
        fmt::format("reload refused: {}; the configuration in force is unchanged", reason));
    log_.error("{}: {}", why, out.lines.back());
    return out;
  };

  const auto args = c_argv(argv_);
  auto cmd = parse_command_line(static_cast<int>(args.size()), args.data());
  if (!cmd) return refuse(cmd.error());
  std::vector<std::string> warnings = std::move(cmd->warnings);
  if (auto read = read_secret_files(cmd->config, warnings); !read) return refuse(read.error());
  apply_default_userdb(cmd->config);
  const Config& fresh = cmd->config;
  if (auto names = needs_restart(in_force_, fresh); !names.empty()) {
    return refuse(restart_refusal(names));
  }
  auto plan = make_listen_plan(fresh, tls_on(fresh));
  if (!plan) return refuse(plan.error());
  if (plan_empty(*plan)) return refuse("no listener left: a server needs at least one");

  // Everything that can fail is prepared before anything changes.
  SslCtxPtr tls;
  if (tls_on(fresh)) {
    auto made = make_server_tls_context(tls_settings(fresh));
    if (!made) return refuse("TLS: " + made.error());
    tls = std::move(*made);
  }
  SslCtxPtr dtls;
  if (tls_on(fresh) && !fresh.no_dtls) {
    auto made = make_server_dtls_context(tls_settings(fresh));
    if (!made) return refuse("DTLS: " + made.error());
    dtls = std::move(*made);
  }
  std::unique_ptr<Logger> new_log;
  if (fresh.log_file != in_force_.log_file) {
    auto opened = Logger::open(fresh.log_file, log_level(fresh));
    if (!opened) return refuse("log-file: " + opened.error());
    new_log = std::move(*opened);
  }
  // Bound before anything changes: a port in use refuses the reload, old listeners intact.
  auto listeners = server_.prepare_listeners(*plan);
  if (!listeners) return refuse(listeners.error());
  auto admin = server_.prepare_admin(fresh);
  if (!admin) return refuse(admin.error());
  auto turn_lines = server_.turn().reconfigure(in_force_, fresh, *plan, log_);
  if (!turn_lines) return refuse(turn_lines.error());

  // Applied from here on; nothing below can fail.
  for (const auto& w : warnings) {
    // The command line has not changed: its warnings were logged at startup.
    if (!w.starts_with("command line")) log_.warning("{}: {}", why, w);
  }
  std::vector<std::string> lines;
  // Before the listeners: a TLS listener turned on takes the context made here.
  if (tls && server_.tls() == nullptr) {
    lines.push_back("TLS on, certificate for new connections: " + certificate_summary(tls.get()));
    server_.enable_tls(std::move(tls));
  } else if (tls) {
    const std::string before = server_.tls()->certificate_der();
    const std::string summary = certificate_summary(tls.get());
    server_.tls()->replace(std::move(tls));
    if (server_.tls()->certificate_der() != before ||
        tls_settings(fresh) != tls_settings(in_force_)) {
      lines.push_back("TLS certificate for new connections: " + summary);
    }
  }
  // DTLS sessions come from a context of their own, made from the same settings.
  if (dtls && server_.tls() != nullptr) server_.tls()->replace_dtls(std::move(dtls));
  for (auto& line : server_.commit_listeners(std::move(*listeners)))
    lines.push_back(std::move(line));
  for (auto& line : *turn_lines) lines.push_back(std::move(line));
  for (auto& line : server_.commit_admin(std::move(*admin))) lines.push_back(std::move(line));
  // The nonces of the secret before stay valid for one lifetime (auth/nonce.h).
  if (!fresh.stateless_nonce_secret.empty() &&
      server_.turn().rotate_nonce_secret(fresh.stateless_nonce_secret, std::time(nullptr))) {
    lines.push_back(
        fmt::format("stateless-nonce-secret{}: new secret; the previous one stays valid for {} s",
                    fresh.stateless_nonce_secret_file.empty() ? "" : "-file",
                    server_.turn().nonces.lifetime_seconds()));
  }
  if (fresh.verbose != in_force_.verbose) {
    lines.push_back(fmt::format("verbose: {}", fresh.verbose ? "on" : "off"));
  }
  if (new_log)
    lines.push_back(fmt::format("log-file: {} (was {})", fresh.log_file, in_force_.log_file));
  for (const auto& line : lines) log_.info("{}: {}", why, line);
  if (new_log) log_.swap_target(*new_log);
  // A level set with ternctl log-level stands until verbose itself changes.
  if (fresh.verbose != in_force_.verbose) log_.set_level(log_level(fresh));
  if (lines.empty()) lines.emplace_back("no change");
  out.applied = true;
  out.lines = std::move(lines);
  log_.info("{}: configuration reloaded ({})", why,
            out.lines.size() == 1 && out.lines[0] == "no change"
                ? std::string("no change")
                : fmt::format("{} changes applied", out.lines.size()));
  in_force_ = fresh;
  return out;
}

ReloadOutcome Reloader::reload_certificate(std::string_view why) {
  ReloadOutcome out;
  if (server_.tls() == nullptr || !tls_on(in_force_)) {
    out.lines.emplace_back("no TLS listener, no certificate to reload");
    log_.warning("{}: {}", why, out.lines.back());
    return out;
  }
  auto made = make_server_tls_context(tls_settings(in_force_));
  if (!made) {
    out.lines.push_back(
        fmt::format("TLS: {}; new connections keep the certificate in force", made.error()));
    log_.error("{}: {}", why, out.lines.back());
    return out;
  }
  const std::string summary = certificate_summary(made->get());
  server_.tls()->replace(std::move(*made));
  if (!in_force_.no_dtls) {
    if (auto dtls = make_server_dtls_context(tls_settings(in_force_))) {
      server_.tls()->replace_dtls(std::move(*dtls));
    }
  }
  out.applied = true;
  out.lines.push_back("TLS certificate for new connections: " + summary);
  log_.info("{}: {}", why, out.lines.back());
  return out;
}

}  // namespace tern

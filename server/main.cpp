// ternd: parse the configuration, open every socket, run the workers until a signal.

#include <event2/thread.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "base/libevent.h"
#include "base/log.h"
#include "base/task_queue.h"
#include "server/admin/json_log_line.h"
#include "server/config/compat_table.h"
#include "server/config/config.h"
#include "server/config/secret_files.h"
#include "server/core/request_context.h"
#include "server/drain_watch.h"
#include "server/fleet_heartbeat.h"
#include "server/fleet_kill.h"
#include "server/reload.h"
#include "server/revocation_watch.h"
#include "server/server.h"
#include "server/shared/redis_nonce_secret.h"
#include "server/startup_log.h"
#include "server/systemd_notify.h"
#include "tern/version.h"

namespace {

using tern::Logger;

// What the main thread's loop needs: signals and the periodic store reload.
struct MainContext {
  event_base* base;
  Logger* log;
  tern::Server* server = nullptr;
  tern::FleetHeartbeat* heartbeat = nullptr;  // with redis-statsdb
  tern::Reloader* reloader = nullptr;
  tern::DrainWatch* drain = nullptr;  // once ternd is ready
};

void on_stop_signal(evutil_socket_t sig, short, void* arg) {
  auto* ctx = static_cast<MainContext*>(arg);
  ctx->log->info("signal {}: stopping", sig);
  event_base_loopbreak(ctx->base);
}

void on_hup(evutil_socket_t, short, void* arg) {
  auto* ctx = static_cast<MainContext*>(arg);
  ctx->log->reopen();
  ctx->log->info("SIGHUP: log reopened, reloading the configuration and credential stores");
  if (!ctx->server) return;
  // A refused configuration still lets the stores (databases, not configuration) reload.
  if (!ctx->reloader->reload_config("SIGHUP").applied) ctx->server->turn().reload_stores(*ctx->log);
  if (ctx->heartbeat) ctx->heartbeat->note_reload(std::time(nullptr));
}

// coturn's certificate-reload signal, which certbot hooks copied from coturn guides send.
void on_usr2(evutil_socket_t, short, void* arg) {
  auto* ctx = static_cast<MainContext*>(arg);
  if (ctx->reloader) ctx->reloader->reload_certificate("SIGUSR2");
}

// SIGUSR1: drain (drain_watch.h), as before a rolling upgrade. One that comes while the
// workers start is acted on once ternd is ready.
void on_usr1(evutil_socket_t, short, void* arg) {
  auto* ctx = static_cast<MainContext*>(arg);
  if (ctx->drain) {
    ctx->drain->begin("SIGUSR1");
  } else if (ctx->server) {
    ctx->server->turn().drain.begin(tern::steady_ms());
  }
}

// Users and secrets added with ternctl take effect within this interval.
constexpr timeval kTickInterval{1, 0};

void on_tick(evutil_socket_t, short, void* arg) {
  auto* ctx = static_cast<MainContext*>(arg);
  if (ctx->server) ctx->server->tick(*ctx->log);
}

// Startup failures go to stderr as well as the log: with --log-file set, the operator's
// terminal (or systemd's journal) would otherwise show nothing.
int fail(Logger& log, const std::string& why) {
  log.error("cannot start: {}", why);
  std::fprintf(stderr, "ternd: cannot start: %s\n", why.c_str());
  return 1;
}

void log_listeners(const tern::Server& server, Logger& log) {
  std::map<std::string, int> seen;  // one line per address, not per worker
  for (const auto& w : server.workers()) {
    for (const auto& [transport, address] : w->bound()) {
      seen[std::string(tern::to_string(transport)) + " " + address.to_string()]++;
    }
  }
  for (const auto& [what, workers] : seen) log.info("listening on {} ({} workers)", what, workers);
}

// --node-id, else this host's name and listening port: unique per node of a fleet, and
// per ternd when several run on one host (ternd@.service).
std::string node_id(const tern::Config& config) {
  if (!config.node_id.empty()) return config.node_id;
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') {
    std::snprintf(host.data(), host.size(), "localhost");
  }
  return std::string(host.data()) + ":" + std::to_string(config.listening_port);
}

// One "ternd: " line per refusal, so each names its own file, line and option.
void print_errors(const std::string& errors) {
  size_t start = 0;
  while (start <= errors.size()) {
    size_t end = errors.find('\n', start);
    if (end == std::string::npos) end = errors.size();
    std::fprintf(stderr, "ternd: %s\n", errors.substr(start, end - start).c_str());
    start = end + 1;
  }
}

// --check-config: what startup would refuse or warn about, reading the files it names
// (secrets, users, certificate and key) but opening no socket.
int check_config(tern::CommandLine& cmd) {
  if (auto read = tern::read_secret_files(cmd.config, cmd.warnings); !read) {
    print_errors(read.error());
    return 2;
  }
  if (auto tls = tern::make_tls_context(cmd.config); !tls) {
    print_errors(tls.error());
    return 2;
  }
  for (const auto& w : cmd.warnings) std::fprintf(stderr, "ternd: warning: %s\n", w.c_str());
  std::printf("ternd: configuration OK%s%s\n", cmd.config_file.empty() ? "" : ": ",
              cmd.config_file.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto cmd = tern::parse_command_line(argc, argv);
  if (!cmd) {
    print_errors(cmd.error());
    return 2;
  }
  if (cmd->print_compat_table) {
    std::fputs(tern::compat_table().c_str(), stdout);
    return 0;
  }
  if (cmd->check_config) return check_config(*cmd);
  if (cmd->show_help) {
    std::fputs(tern::help_text().c_str(), stdout);
    return 0;
  }
  if (cmd->show_version) {
    std::puts(tern::version_line("ternd").c_str());
    return 0;
  }
  const std::vector<std::string> args(argv, argv + argc);  // read again on reload
  if (auto read = tern::read_secret_files(cmd->config, cmd->warnings); !read) {
    std::fprintf(stderr, "ternd: %s\n", read.error().c_str());
    return 2;
  }
  const bool default_userdb = tern::apply_default_userdb(cmd->config);
  const tern::Config& config = cmd->config;
  auto log =
      Logger::open(config.log_file,
                   {.min = config.verbose ? tern::LogLevel::Debug : tern::LogLevel::Info,
                    .formatter = config.log_json ? tern::json_log_line : tern::format_log_line});
  if (!log) {
    std::fprintf(stderr, "ternd: log-file: %s\n", log.error().c_str());
    return 2;
  }
  (*log)->info("{} starting{}{}", tern::version_line("ternd"),
               config.server_name.empty() ? "" : ": server-name ", config.server_name);
  for (const auto& w : cmd->warnings) (*log)->warning("{}", w);
  if (default_userdb) (*log)->info("userdb {} (the default, found)", config.userdb);

  // Before any event_base exists: lets other threads wake a worker (event_active).
  evthread_use_pthreads();
  std::signal(SIGPIPE, SIG_IGN);

  // Signal handling is in place before any socket opens or thread starts, so a SIGTERM
  // that arrives during startup still stops ternd cleanly.
  tern::EventBasePtr base(event_base_new());
  MainContext ctx{base.get(), log->get()};
  tern::EventPtr term(evsignal_new(base.get(), SIGTERM, on_stop_signal, &ctx));
  tern::EventPtr intr(evsignal_new(base.get(), SIGINT, on_stop_signal, &ctx));
  tern::EventPtr hup(evsignal_new(base.get(), SIGHUP, on_hup, &ctx));
  tern::EventPtr usr2(evsignal_new(base.get(), SIGUSR2, on_usr2, &ctx));
  tern::EventPtr usr1(evsignal_new(base.get(), SIGUSR1, on_usr1, &ctx));
  for (auto* e : {term.get(), intr.get(), hup.get(), usr1.get(), usr2.get()}) {
    event_add(e, nullptr);
  }
  tern::TaskQueue main_tasks(base.get());  // POST /v1/reload runs here

  auto server = tern::Server::create(config, **log, base.get());
  if (!server) return fail(**log, server.error());
  ctx.server = server->get();
  tern::Reloader reloader(args, config, **server, **log);
  ctx.reloader = &reloader;
  (*server)->set_reload(main_tasks, [&reloader, &ctx] {
    auto outcome = reloader.reload_config("ternctl reload");
    if (ctx.heartbeat) ctx.heartbeat->note_reload(std::time(nullptr));
    return outcome;
  });

  tern::EventPtr tick(event_new(base.get(), -1, EV_PERSIST, on_tick, &ctx));
  event_add(tick.get(), &kTickInterval);
  if (!config.pidfile.empty()) {
    std::ofstream(config.pidfile) << ::getpid() << "\n";
  }
  log_listeners(**server, **log);
  tern::log_startup(config, **server, **log);
  std::optional<tern::FleetHeartbeat> heartbeat;
  if (auto* stats = (*server)->turn().stats.get()) {
    heartbeat.emplace(base.get(), **server, *stats, node_id(config),
                      (*server)->turn().settings.realm, std::time(nullptr));
    ctx.heartbeat = &*heartbeat;
    (*log)->info("fleet heartbeat as node {}", node_id(config));
  }
  // A fleet sharing a Redis user store shares its nonce secret too, unless one is set.
  std::unique_ptr<tern::RedisNonceSecret> redis_nonce_secret;
  if (!config.redis_userdb.empty() && config.stateless_nonce_secret.empty()) {
    auto source =
        tern::RedisNonceSecret::create(base.get(), config.redis_userdb, (*server)->turn(), **log);
    if (!source) return fail(**log, source.error());
    redis_nonce_secret = std::move(*source);
  }
  std::unique_ptr<tern::FleetKillListener> fleet_kill;
  if (!config.redis_statsdb.empty()) {
    auto listener =
        tern::FleetKillListener::create(base.get(), config.redis_statsdb, **server, **log);
    if (!listener) return fail(**log, listener.error());
    fleet_kill = std::move(*listener);
  }
  auto revocations =
      tern::RevocationWatch::create(base.get(), config.redis_userdb, **server, **log);
  if (!revocations) return fail(**log, revocations.error());
  (*server)->start();
  tern::SystemdNotify systemd(base.get(), (*server)->workers(), **log);
  if (auto stuck = systemd.ready()) return fail(**log, *stuck);
  tern::DrainWatch drain(base.get(), **server, systemd, config.drain_timeout, **log);
  ctx.drain = &drain;
  (*log)->info("ternd ready: {} workers", (*server)->workers().size());
  event_base_dispatch(base.get());

  ctx.drain = nullptr;
  systemd.stopping();
  (*server)->stop();
  std::string summary;
  for (const auto& c : tern::kCounterNames) {
    summary += fmt::format(" {}={}", c.name, (*server)->sum(c.member));
  }
  (*log)->info("counters:{}", summary);
  revocations->reset();
  fleet_kill.reset();
  redis_nonce_secret.reset();
  ctx.heartbeat = nullptr;
  heartbeat.reset();
  ctx.server = nullptr;
  server->reset();
  if (!config.pidfile.empty()) std::remove(config.pidfile.c_str());
  (*log)->info("ternd stopped");
  return 0;
}

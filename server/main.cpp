// ternd: parse the configuration, open every socket, run the workers until a signal.

#include <event2/thread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include <fmt/format.h>

#include "base/libevent.h"
#include "base/log.h"
#include "server/config.h"
#include "server/drain_watch.h"
#include "server/request_context.h"
#include "server/secret_files.h"
#include "server/server.h"
#include "server/systemd_notify.h"
#include "tern/version.h"

namespace {

using tern::Logger;

// What the main thread's loop needs: signals and the periodic store reload.
struct MainContext {
  event_base* base;
  Logger* log;
  tern::Server* server = nullptr;
  const tern::Config* as_parsed = nullptr;  // before secret files were read
  tern::DrainWatch* drain = nullptr;        // once ternd is ready
};

// static-auth-secret-file is read again, so secrets rotate without a restart; a file
// that cannot be read keeps the secrets read before.
void reread_secret_files(MainContext& ctx) {
  if (ctx.as_parsed->static_auth_secret_files.empty()) return;
  tern::Config fresh = *ctx.as_parsed;
  fresh.user_files.clear();  // users are read at startup only
  std::vector<std::string> warnings;
  if (auto read = tern::read_secret_files(fresh, warnings); !read) {
    ctx.log->error("{}; keeping the secrets read before", read.error());
    return;
  }
  for (const auto& w : warnings) ctx.log->warning("{}", w);
  ctx.server->turn().set_static_secrets(std::move(fresh.static_auth_secrets));
  ctx.log->info("static-auth-secret-file: secrets read again");
}

void on_stop_signal(evutil_socket_t sig, short, void* arg) {
  auto* ctx = static_cast<MainContext*>(arg);
  ctx->log->info("signal {}: stopping", sig);
  event_base_loopbreak(ctx->base);
}

void on_hup(evutil_socket_t, short, void* arg) {
  auto* ctx = static_cast<MainContext*>(arg);
  ctx->log->reopen();
  ctx->log->info("SIGHUP: log reopened, credential stores reloaded");
  if (!ctx->server) return;
  reread_secret_files(*ctx);
  ctx->server->turn().reload_stores(*ctx->log);
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
  if (ctx->server) ctx->server->turn().tick(*ctx->log);
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

}  // namespace

int main(int argc, char** argv) {
  auto cmd = tern::parse_command_line(argc, argv);
  if (!cmd) {
    std::fprintf(stderr, "ternd: %s\n", cmd.error().c_str());
    return 2;
  }
  if (cmd->show_help) {
    std::fputs(tern::help_text().c_str(), stdout);
    return 0;
  }
  if (cmd->show_version) {
    std::puts(tern::version_line("ternd").c_str());
    return 0;
  }
  const tern::Config as_parsed = cmd->config;
  if (auto read = tern::read_secret_files(cmd->config, cmd->warnings); !read) {
    std::fprintf(stderr, "ternd: %s\n", read.error().c_str());
    return 2;
  }
  const bool default_userdb = tern::apply_default_userdb(cmd->config);
  const tern::Config& config = cmd->config;
  auto log =
      Logger::open(config.log_file, config.verbose ? tern::LogLevel::Debug : tern::LogLevel::Info);
  if (!log) {
    std::fprintf(stderr, "ternd: log-file: %s\n", log.error().c_str());
    return 2;
  }
  (*log)->info("{} starting", tern::version_line("ternd"));
  for (const auto& w : cmd->warnings) (*log)->warning("{}", w);
  if (default_userdb) (*log)->info("userdb {} (the default, found)", config.userdb);

  // Before any event_base exists: lets other threads wake a worker (event_active).
  evthread_use_pthreads();
  std::signal(SIGPIPE, SIG_IGN);

  // Signal handling is in place before any socket opens or thread starts, so a SIGTERM
  // that arrives during startup still stops ternd cleanly.
  tern::EventBasePtr base(event_base_new());
  MainContext ctx{base.get(), log->get(), nullptr, &as_parsed};
  tern::EventPtr term(evsignal_new(base.get(), SIGTERM, on_stop_signal, &ctx));
  tern::EventPtr intr(evsignal_new(base.get(), SIGINT, on_stop_signal, &ctx));
  tern::EventPtr hup(evsignal_new(base.get(), SIGHUP, on_hup, &ctx));
  tern::EventPtr usr1(evsignal_new(base.get(), SIGUSR1, on_usr1, &ctx));
  for (auto* e : {term.get(), intr.get(), hup.get(), usr1.get()}) event_add(e, nullptr);

  auto server = tern::Server::create(config, **log, base.get());
  if (!server) return fail(**log, server.error());
  ctx.server = server->get();

  tern::EventPtr tick(event_new(base.get(), -1, EV_PERSIST, on_tick, &ctx));
  event_add(tick.get(), &kTickInterval);
  if (!config.pidfile.empty()) {
    std::ofstream(config.pidfile) << ::getpid() << "\n";
  }
  log_listeners(**server, **log);
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
  ctx.server = nullptr;
  server->reset();
  if (!config.pidfile.empty()) std::remove(config.pidfile.c_str());
  (*log)->info("ternd stopped");
  return 0;
}

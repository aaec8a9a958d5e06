#include "server/admin/admin_server.h"

#include <unistd.h>

#include <fmt/format.h>

#include "base/log.h"
#include "server/admin/web_assets.h"

namespace tern {
namespace {

// Where the console is, said at startup and when a reload turns web-admin on.
std::string console_line(const std::string& listen) {
  return fmt::format("web console on {}{}/ (web-admin){}",
                     listen.starts_with('/') ? "unix socket " : "http://", listen,
                     web_console_has_charts() ? "" : ", without charts: built without npm");
}

}  // namespace

Result<std::unique_ptr<AdminServer>, std::string> AdminServer::create(
    const AdminSettings& settings, std::span<const std::unique_ptr<Worker>> workers, Logger& log) {
  auto server = std::make_unique<AdminServer>(workers, settings.token, settings.drain, log);
  server->listen_ = settings.listen;
  server->prometheus_listen_ = settings.prometheus_listen;
  server->limits_ = settings.limits;
  server->console_ = settings.console.enabled;
  server->api_.set_console(settings.console);
  server->api_.set_offload(settings.offload);
  if (!settings.prometheus_listen.empty()) {
    auto http = open_http(server->base_.get(), settings.prometheus_listen);
    if (!http) return unexpected("prometheus-listen " + http.error());
    server->metrics_guard_ =
        std::make_unique<AdminConnections>(server->base_.get(), settings.limits, log);
    server->metrics_guard_->attach(http->get(), AdminApi::on_metrics_request, &server->api_,
                                   "metrics " + settings.prometheus_listen);
    server->metrics_ = std::move(*http);
    log.info("metrics on http://{}/metrics", settings.prometheus_listen);
  }
  if (!settings.listen.empty()) {
    auto http = open_http(server->base_.get(), settings.listen);
    if (!http) {
      log.error("admin API off: cannot listen on {}; ternd relays on without it", http.error());
      return server;
    }
    server->admin_guard_ =
        std::make_unique<AdminConnections>(server->base_.get(), settings.limits, log);
    server->admin_guard_->attach(http->get(), AdminApi::on_admin_request, &server->api_,
                                 "admin API " + settings.listen);
    server->admin_ = std::move(*http);
    server->listening_ = true;
    if (settings.listen.starts_with('/')) server->unix_socket_ = settings.listen;
    if (settings.console.enabled) log.info("{}", console_line(settings.listen));
    if (!is_local_only(settings.listen)) {
      log.warning("admin API on {} is reachable from the network; only the token guards it",
                  settings.listen);
    }
  }
  return server;
}

Result<AdminReload, std::string> AdminServer::prepare_reload(const std::string& listen,
                                                             const std::string& prometheus_listen,
                                                             bool api_on, bool web_admin) {
  AdminReload change;
  // Without a token there is no admin API: its listener closes, or stays closed.
  const std::string& wanted = api_on ? listen : std::string();
  if (wanted != listen_) {
    if (!wanted.empty()) {
      auto fd = bind_http(wanted);
      if (!fd) return unexpected("admin-listen " + fd.error());
      change.admin_fd = std::move(*fd);
    }
    change.listen = wanted;
  }
  if (prometheus_listen != prometheus_listen_) {
    if (!prometheus_listen.empty()) {
      auto fd = bind_http(prometheus_listen);
      if (!fd) return unexpected("prometheus-listen " + fd.error());
      change.metrics_fd = std::move(*fd);
    }
    change.prometheus_listen = prometheus_listen;
  }
  if (web_admin != console_) change.console = web_admin;
  return change;
}

bool AdminServer::listens_after(const AdminReload& change) const {
  return change.listen ? change.admin_fd.valid() : listening_;
}

std::vector<std::string> AdminServer::commit_reload(AdminReload change) {
  std::vector<std::string> lines;
  auto was = [](const std::string& a) { return a.empty() ? std::string("off") : a; };
  if (change.listen) {
    lines.push_back(fmt::format("admin API on {} (was {})", was(*change.listen), was(listen_)));
    if (!change.listen->empty() && !is_local_only(*change.listen)) {
      lines.push_back(
          fmt::format("admin API on {} is reachable from the network; only the token guards it",
                      *change.listen));
    }
    listen_ = *change.listen;
    listening_ = change.admin_fd.valid();
  }
  if (change.prometheus_listen) {
    lines.push_back(change.prometheus_listen->empty()
                        ? fmt::format("metrics off (was http://{}/metrics)", prometheus_listen_)
                        : fmt::format("metrics on http://{}/metrics (was {})",
                                      *change.prometheus_listen, was(prometheus_listen_)));
    prometheus_listen_ = *change.prometheus_listen;
  }
  // The token's line is the caller's, which knows where it came from.
  if (change.console) {
    // After the admin API's own line: the console is on the address that one names.
    if (!*change.console) {
      lines.emplace_back("web console off (web-admin)");
    } else if (listen_.empty()) {
      lines.emplace_back("web-admin on, but the admin API is off: no web console");
    } else {
      lines.push_back(console_line(listen_));
    }
    console_ = *change.console;
  }
  if (!change.listen && !change.prometheus_listen && !change.token && !change.console) return lines;
  // std::function copies its callable: the move-only descriptors travel behind a pointer.
  auto shared = std::make_shared<AdminReload>(std::move(change));
  // Refused only once the admin thread stops: its listeners close with it anyway.
  (void)home_->post([this, shared] { swap_listeners(*shared); });
  return lines;
}

void AdminServer::set_console_facts(ConsoleFacts facts) {
  auto shared = std::make_shared<ConsoleFacts>(std::move(facts));
  (void)home_->post([this, shared] { api_.set_console_facts(std::move(*shared)); });
}

void AdminServer::swap_listeners(AdminReload& change) {
  if (change.token) api_.set_token(*change.token);
  if (change.console) api_.set_console_enabled(*change.console);
  if (change.listen) {
    retire(admin_);
    if (!unix_socket_.empty()) ::unlink(unix_socket_.c_str());
    unix_socket_.clear();
    if (change.admin_fd.valid()) {
      admin_ = serve(std::move(change.admin_fd), *change.listen, admin_guard_,
                     AdminApi::on_admin_request, "admin API ");
      if (admin_ && change.listen->starts_with('/')) unix_socket_ = *change.listen;
    }
  }
  if (change.prometheus_listen) {
    retire(metrics_);
    if (change.metrics_fd.valid()) {
      metrics_ = serve(std::move(change.metrics_fd), *change.prometheus_listen, metrics_guard_,
                       AdminApi::on_metrics_request, "metrics ");
    }
  }
}

void AdminServer::retire(EvHttpPtr& http) {
  if (!http) return;
  stop_listening(http.get());
  retired_.push_back(std::move(http));
}

EvHttpPtr AdminServer::serve(FileDescriptor fd, const std::string& listen,
                             std::unique_ptr<AdminConnections>& guard,
                             void (*handler)(evhttp_request*, void*), const std::string& what) {
  auto http = serve_http(base_.get(), std::move(fd), listen);
  if (!http) {
    log_.error("reload: {}{}; it stays off", what, http.error());
    return nullptr;
  }
  if (!guard) guard = std::make_unique<AdminConnections>(base_.get(), limits_, log_);
  guard->attach(http->get(), handler, &api_, what + listen);
  return std::move(*http);
}

AdminServer::AdminServer(std::span<const std::unique_ptr<Worker>> workers, const std::string& token,
                         DrainState* drain, Logger& log)
    : log_(log),
      base_(event_base_new()),
      home_(std::make_unique<TaskQueue>(base_.get())),
      api_(workers, *home_, token, drain, log) {}

AdminServer::~AdminServer() {
  stop();
  // Listeners (and their connections) and queued tasks go before the base.
  admin_.reset();
  metrics_.reset();
  retired_.clear();
  home_.reset();
  if (!unix_socket_.empty()) ::unlink(unix_socket_.c_str());
}

void AdminServer::start() {
  thread_ = std::thread([this] {
    event_base_loop(base_.get(), EVLOOP_NO_EXIT_ON_EMPTY);
    log_.debug("admin thread stopped");
  });
}

void AdminServer::stop() {
  if (!thread_.joinable()) return;
  home_->close([this] { event_base_loopbreak(base_.get()); });
  thread_.join();
}

}  // namespace tern

#include "server/admin/admin_server.h"

#include <unistd.h>

#include "base/log.h"
#include "server/admin/web_assets.h"

namespace tern {

Result<std::unique_ptr<AdminServer>, std::string> AdminServer::create(
    const AdminSettings& settings, std::span<const std::unique_ptr<Worker>> workers, Logger& log) {
  auto server = std::make_unique<AdminServer>(workers, settings.token, settings.drain, log);
  server->api_.set_console(settings.console);
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
    if (settings.listen.starts_with('/')) server->unix_socket_ = settings.listen;
    if (settings.console.enabled) {
      log.info("web console on {}{}/ (web-admin){}",
               settings.listen.starts_with('/') ? "unix socket " : "http://", settings.listen,
               web_console_has_charts() ? "" : ", without charts: built without npm");
    }
    if (!is_local_only(settings.listen)) {
      log.warning("admin API on {} is reachable from the network; only the token guards it",
                  settings.listen);
    }
  }
  return server;
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
  home_->post([this] { event_base_loopbreak(base_.get()); });
  thread_.join();
}

}  // namespace tern

#include "server/server.h"

#include "base/sockets.h"

#include <thread>

#include "base/interfaces.h"
#include "base/log.h"
#include "base/socket_address.h"
#include "base/tls_context.h"
#include "server/admin/admin_token.h"
#include "server/admin/ice_credential.h"

namespace tern {

// The web console's view of the listen plan, at startup and after each reload.
ConsoleFacts console_facts(const ListenPlan& plan, const TurnShared& turn) {
  ConsoleFacts facts;
  facts.ice_urls = ice_urls(plan);
  const std::pair<std::string_view, const std::vector<TransportAddress>*> kinds[] = {
      {"udp", &plan.udp},
      {"tcp", &plan.tcp},
      {"tls", &plan.tls},
      {"dtls", &plan.dtls},
      {"tcp+proxy", &plan.tcp_proxy},
      {"tls+proxy", &plan.tls_proxy}};
  for (const auto& [kind, list] : kinds) {
    for (const auto& a : *list) facts.listeners.push_back(std::string(kind) + " " + a.to_string());
  }
  for (const auto& ip : turn.relay_ips()) facts.relay_addresses.push_back(ip.ip_string());
  return facts;
}

namespace {

constexpr std::string_view kSoftware = "tern/0.1";

unsigned worker_count(const Config& config) {
  if (config.relay_threads > 0) return config.relay_threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

// The admin thread with its listeners; the token file is written only once the admin API
// listens, so a ternd that could not get the address leaves another one's token alone.
// --web-admin's page, its overview's facts and the ICE test's credentials.
ConsoleSettings console_settings(const Config& config, const ListenPlan& plan,
                                 const TurnShared& turn) {
  ConsoleSettings console;
  console.enabled = config.web_admin;
  console.ice.secret = [&turn] { return turn.newest_rest_secret(); };
  console.ice.separator = config.rest_api_separator;
  ConsoleFacts facts = console_facts(plan, turn);
  console.ice.urls = std::move(facts.ice_urls);
  console.listeners = std::move(facts.listeners);
  console.relay_addresses = std::move(facts.relay_addresses);
  return console;
}

Result<std::unique_ptr<AdminServer>, std::string> make_admin(
    const Config& config, std::span<const std::unique_ptr<Worker>> workers, DrainState* drain,
    const ChannelOffload* offload, Logger& log, ConsoleSettings console,
    std::optional<AdminToken>& chosen) {
  AdminSettings settings;
  settings.console = std::move(console);
  settings.offload = offload;
  settings.prometheus_listen = config.prometheus_listen;
  settings.limits.max_connections = config.admin_max_connections;
  settings.limits.request_deadline_ms = int64_t{config.admin_request_timeout} * 1000;
  settings.drain = drain;
  auto token = choose_admin_token(config);
  if (!token) return unexpected(token.error());
  if (*token) {
    settings.listen = config.admin_listen;
    settings.token = (*token)->token;
  } else {
    log.warning("{}", no_admin_token_line());
    if (config.web_admin)
      log.warning("web-admin: no web console either, since it needs the admin API");
  }
  chosen = *token;
  auto admin = AdminServer::create(settings, workers, log);
  if (!admin || !(*admin)->admin_listening()) return admin;
  const std::string& file = (*token)->file;
  if (!file.empty()) {
    if (auto written = write_token_file(file, settings.token); !written) {
      return unexpected("admin-token-file: cannot write " + written.error());
    }
  }
  log.info("admin API on {}, token {}", config.admin_listen, (*token)->source());
  return admin;
}

}  // namespace

Result<ListenPlan, std::string> make_listen_plan(const Config& config, bool with_tls) {
  std::vector<TransportAddress> ips;
  for (const auto& text : config.listening_ips) {
    auto ip = parse_ip(text);
    if (!ip) return unexpected("listening-ip: \"" + text + "\" is not an IP address");
    ips.push_back(*ip);
  }
  if (ips.empty()) ips = local_interface_addresses();
  if (ips.empty()) return unexpected(std::string("no listening address: no interface is up"));
  // A PROXY port shared with a plain one would take clients' bytes for headers or the reverse.
  const uint16_t tcp_proxy = config.tcp_proxy_port, tls_proxy = config.tls_proxy_port;
  for (uint16_t port : {tcp_proxy, tls_proxy}) {
    if (port && (port == config.listening_port || port == config.tls_listening_port)) {
      return unexpected("PROXY port " + std::to_string(port) +
                        " is also listening-port or tls-listening-port; give it a port of its own");
    }
  }
  if (tcp_proxy && tcp_proxy == tls_proxy) {
    return unexpected("tcp-proxy-port and tls-proxy-port are both " + std::to_string(tcp_proxy));
  }
  ListenPlan plan;
  for (auto ip : ips) {
    ip.port = config.listening_port;
    if (!config.no_udp) plan.udp.push_back(ip);
    if (!config.no_tcp) plan.tcp.push_back(ip);
    ip.port = config.tls_listening_port;
    if (with_tls) plan.tls.push_back(ip);
    if (with_tls && !config.no_dtls) plan.dtls.push_back(ip);
    ip.port = config.tcp_proxy_port;
    if (config.tcp_proxy_port) plan.tcp_proxy.push_back(ip);
    ip.port = config.tls_proxy_port;
    if (with_tls && config.tls_proxy_port) plan.tls_proxy.push_back(ip);
  }
  if (auto e = plan_rfc5780(plan, ips, config)) return unexpected(*e);
  if (plan.udp.empty() && plan.tcp.empty() && plan.tls.empty() && plan.tcp_proxy.empty() &&
      plan.tls_proxy.empty()) {
    return unexpected(std::string(
        "no listener: UDP and TCP are off (no-udp, no-tcp) and TLS is off or has no cert and "
        "pkey; nothing would be served"));
  }
  auto trusted = parse_ip_ranges(config.proxy_trusted);
  if (!trusted) return unexpected("proxy-trusted: " + trusted.error());
  plan.proxy_trusted = std::move(*trusted);
  auto udp_trusted = parse_ip_ranges(config.udp_proxy_trusted);
  if (!udp_trusted) return unexpected("udp-proxy-trusted: " + udp_trusted.error());
  plan.udp_proxy_trusted = std::move(*udp_trusted);
  for (const auto& text : config.aux_servers) {
    auto aux = parse_ip_port(text);
    if (!aux) return unexpected("aux-server: \"" + text + "\" is not IP:port");
    if (!config.no_udp) plan.udp.push_back(*aux);
    if (!config.no_tcp) plan.tcp.push_back(*aux);
  }
  return plan;
}

Result<SslCtxPtr, std::string> make_tls_context(const Config& config) {
  if (config.no_tls || config.cert.empty() || config.pkey.empty()) return SslCtxPtr{};
  auto ctx = make_server_tls_context({config.cert, config.pkey, config.cipher_list,
                                      config.no_tlsv1_2, config.pkey_pwd, config.ca_file});
  if (!ctx) return unexpected("TLS: " + ctx.error());
  return std::move(*ctx);
}

Result<std::unique_ptr<Server>, std::string> Server::create(const Config& config, Logger& log,
                                                            event_base* main) {
  SslCtxPtr tls;
  if (!config.no_tls) {
    if (config.cert.empty() != config.pkey.empty()) {
      log.warning("{} given without {}: TLS listener off (give both, or no-tls)",
                  config.cert.empty() ? "pkey" : "cert", config.cert.empty() ? "cert" : "pkey");
    } else if (config.cert.empty()) {
      log.warning("no cert/pkey configured: TLS listener off (give --cert and --pkey)");
    } else {
      auto ctx = make_tls_context(config);
      if (!ctx) return unexpected(ctx.error());
      tls = std::move(*ctx);
    }
  }
  auto plan = make_listen_plan(config, tls != nullptr);
  if (!plan) return unexpected(plan.error());
  if ((!plan->tcp_proxy.empty() || !plan->tls_proxy.empty()) && plan->proxy_trusted.empty()) {
    log.warning(
        "tcp-proxy-port/tls-proxy-port without proxy-trusted: PROXY headers are believed from "
        "any source, so any client reaching those ports can claim any address; name the load "
        "balancers with proxy-trusted");
  }

  DispatchOptions options;
  if (config.software_attribute) options.software = kSoftware;
  options.allow_rfc3489 = config.stun_backward_compatibility;
  options.stun = !config.no_stun;
  options.turn = !config.stun_only;
  options.secure_stun = config.secure_stun;
  auto limits = std::make_unique<UnauthenticatedLimits>(config.challenge_rate, config.binding_rate);
  options.limits = limits.get();
  options.trace = &log;
  options.channels =
      config.strict_channel_numbers ? stun::ChannelRange::Rfc8656 : stun::ChannelRange::Rfc5766;

  auto turn = TurnShared::create(config, *plan, log, main);
  if (!turn) return unexpected(turn.error());
  auto offload = ChannelOffload::start(*parse_offload_mode(config.offload), log);
  if (!offload) return unexpected(offload.error());
  (*turn)->offload = offload->get();

  for (const auto* list : {&plan->udp, &plan->dtls}) {
    for (const auto& a : *list) {
      if (auto e = check_port_unused(SocketKind::Udp, a)) return unexpected(*e);
    }
  }
  for (const auto* list : {&plan->tcp, &plan->tls, &plan->tcp_proxy, &plan->tls_proxy}) {
    for (const auto& a : *list) {
      if (auto e = check_port_unused(SocketKind::TcpListen, a)) return unexpected(*e);
    }
  }
  auto server = std::make_unique<Server>(
      log, tls ? std::make_unique<ServerTls>(std::move(tls)) : std::unique_ptr<ServerTls>());
  server->offload_ = std::move(*offload);
  if (server->offload_) server->offload_->follow(main);
  if (server->tls_ && !config.no_dtls) {
    auto dtls = make_server_dtls_context({config.cert, config.pkey, config.cipher_list,
                                          config.no_tlsv1_2, config.pkey_pwd, config.ca_file});
    if (!dtls) return unexpected("DTLS: " + dtls.error());
    server->tls_->replace_dtls(std::move(*dtls));
  }
  server->turn_ = std::move(*turn);
  server->plan_ = *plan;
  server->ever_listened_ = plan_entries(*plan);
  server->limits_ = std::move(limits);
  server->stream_limits_ = std::make_unique<StreamLimits>(StreamSettings{
      config.max_unallocated_streams_per_ip, config.max_unallocated_streams,
      config.max_allocate_timeout, config.stream_write_timeout, config.stream_frame_timeout,
      config.dtls_handshake_timeout, config.dtls_max_half_open});
  for (unsigned i = 0; i < worker_count(config); ++i) {
    auto w = std::make_unique<Worker>(i, options, server->tls_.get(), log);
    if (auto error = w->open(*plan, *server->stream_limits_)) return unexpected(*error);
    w->enable_turn(*server->turn_);
    server->workers_.push_back(std::move(w));
  }
  server->ring_ = std::make_unique<WorkerRing>(server->workers_);
  for (auto& w : server->workers_) w->join_peers(*server->ring_);
  if (server->offload_) {
    // A policy or cap change reaches the kernel now, not at each worker's next sweep.
    server->turn_->on_realm_published = [&workers = server->workers_] {
      // A stopping worker refuses: its entries go with it.
      for (auto& worker : workers) (void)worker->post([w = worker.get()] { w->resync_offload(); });
    };
  }
  auto admin =
      make_admin(config, server->workers_, &server->turn_->drain, server->offload_.get(), log,
                 console_settings(config, *plan, *server->turn_), server->admin_token_);
  if (!admin) return unexpected(admin.error());
  server->admin_ = std::move(*admin);
  return server;
}

Server::Server(Logger& log, std::unique_ptr<ServerTls> tls) : log_(log), tls_(std::move(tls)) {}

Server::~Server() {
  stop();
}

void Server::start() {
  for (auto& w : workers_) w->start();
  if (admin_) admin_->start();
}

void Server::stop() {
  // Workers first: once they are joined nothing posts to the admin thread any more.
  for (auto& w : workers_) w->stop();
  for (auto& w : workers_) w->join();
  if (admin_) admin_->stop();
}

void Server::set_reload(TaskQueue& main, ReloadHook reload) {
  if (admin_) admin_->set_reload(main, std::move(reload));
}

void Server::tick(Logger& log) {
  turn_->tick(log);
  if (admin_) admin_->flush_logs(steady_ms());
}

uint64_t Server::sum(const Counter WorkerCounters::*counter) const {
  uint64_t total = 0;
  for (const auto& w : workers_) total += (w->counters().*counter).get();
  return total;
}

}  // namespace tern

// A reload's listeners: everything the new plan adds is bound for every worker before
// anything changes, so an address in use refuses the reload with the old listeners
// untouched; then the workers take their sockets and retire the removed addresses.

#include <fmt/format.h>

#include <algorithm>

#include "base/sockets.h"
#include "server/server.h"

namespace tern {

Result<ListenerChange, std::string> Server::prepare_listeners(const ListenPlan& plan) {
  ListenerChange change{plan, plan_minus(plan, plan_), plan_minus(plan_, plan), {}};
  for (const auto& [kind, address] : plan_entries(change.added)) {
    // Workers bind with SO_REUSEPORT, which would let a second server on the port share
    // it silently; our own retired sockets are the one holder to let pass.
    if (std::ranges::find(ever_listened_, std::pair{kind, address}) != ever_listened_.end()) {
      continue;
    }
    const bool udp = kind == ListenerKind::Udp || kind == ListenerKind::Dtls;
    const SocketKind socket = udp ? SocketKind::Udp : SocketKind::TcpListen;
    if (auto e = check_port_unused(socket, address)) return unexpected(*e);
  }
  for (size_t i = 0; i < workers_.size(); ++i) {
    auto bound = bind_plan(change.added);
    if (!bound) return unexpected(bound.error());
    change.sockets.push_back(std::move(*bound));
  }
  return change;
}

std::vector<std::string> Server::commit_listeners(ListenerChange change) {
  std::vector<std::string> lines;
  for (const auto& [kind, address] : plan_entries(change.added)) {
    lines.push_back(fmt::format("listening on {} {}", kind_name(kind), address.to_string()));
    if (std::ranges::find(ever_listened_, std::pair{kind, address}) == ever_listened_.end()) {
      ever_listened_.emplace_back(kind, address);
    }
  }
  for (const auto& [kind, address] : plan_entries(change.removed)) {
    lines.push_back(fmt::format(
        "no longer listening on {} {}: its clients keep their allocations until they end",
        kind_name(kind), address.to_string()));
  }
  const bool retires = !plan_empty(change.removed);
  for (size_t i = 0; i < workers_.size(); ++i) {
    // std::function copies its callable: the move-only sockets travel behind a pointer.
    auto sockets = std::make_shared<std::vector<BoundSocket>>(std::move(change.sockets[i]));
    auto trust = std::make_shared<ListenPlan>(change.plan);
    auto removed = std::make_shared<ListenPlan>(change.removed);
    Worker* w = workers_[i].get();
    const ServerTls* tls = tls_.get();
    const bool regrid = change.plan.rfc5780 != plan_.rfc5780;
    w->post([w, sockets, trust, removed, retires, regrid, tls] {
      if (!sockets->empty()) w->adopt(std::move(*sockets), *trust, tls);
      if (regrid) w->regrid(trust->rfc5780);
      if (retires) w->retire(*removed);
    });
  }
  plan_ = std::move(change.plan);
  return lines;
}

Result<AdminReload, std::string> Server::prepare_admin(const Config& in_force,
                                                       const Config& fresh) {
  std::optional<std::string> token;
  if (fresh.admin_token != in_force.admin_token) {
    // Without admin-token the token is read from, or generated into, admin-token-file at
    // startup, where ternctl finds it: going to or from one is a restart.
    if (fresh.admin_token.empty() || in_force.admin_token.empty()) {
      return unexpected(
          std::string("admin-token: set or removed, which needs a restart (without it the token is "
                      "admin-token-file's, read or written at startup)"));
    }
    token = fresh.admin_token;
  }
  if (!admin_) return AdminReload{};
  return admin_->prepare_reload(fresh.admin_listen, fresh.prometheus_listen, std::move(token));
}

std::vector<std::string> Server::commit_admin(AdminReload change) {
  if (!admin_) return {};
  // Last of a reload's commits: the listeners and relay addresses are the new ones.
  admin_->set_console_facts(console_facts(plan_, *turn_));
  return admin_->commit_reload(std::move(change));
}

}  // namespace tern

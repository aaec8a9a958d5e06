// A reload's listeners: everything the new plan adds is bound for every worker before
// anything changes, so an address in use refuses the reload with the old listeners
// untouched; then the workers take their sockets and retire the removed addresses.

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

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
    // A stopping worker refuses (ternd is going): the sockets close here.
    (void)w->post([w, sockets, trust, removed, retires, regrid, tls] {
      if (!sockets->empty()) w->adopt(std::move(*sockets), *trust, tls);
      if (regrid) w->regrid(trust->rfc5780);
      if (retires) w->retire(*removed);
    });
  }
  plan_ = std::move(change.plan);
  return lines;
}

namespace {

// The line a reload logs for the token's change; "" when the token and its file stay.
std::string token_change_line(const std::optional<AdminToken>& was,
                              const std::optional<AdminToken>& now) {
  if (!now) return was ? no_admin_token_line() : "";
  if (!was) return "admin API on, token " + now->source();
  if (now->token != was->token) {
    return fmt::format("admin API token replaced, {} (was {}): requests must carry the new one",
                       now->source(), was->source());
  }
  if (now->path() != was->path()) {
    return fmt::format("admin API token kept, now {} (was {})", now->source(), was->source());
  }
  return "";
}

}  // namespace

Result<AdminChange, std::string> Server::prepare_admin(const Config& fresh) {
  AdminChange change;
  if (!admin_) return change;
  auto chosen = choose_admin_token(fresh, admin_token_ ? &*admin_token_ : nullptr);
  if (!chosen) return unexpected(chosen.error());
  const bool api_on = chosen->has_value();
  auto listeners =
      admin_->prepare_reload(fresh.admin_listen, fresh.prometheus_listen, api_on, fresh.web_admin);
  if (!listeners) return unexpected(listeners.error());
  change.listeners = std::move(*listeners);
  // The admin API checks requests against a new token from the commit on.
  if (api_on && (!admin_token_ || (*chosen)->token != admin_token_->token)) {
    change.listeners.token = (*chosen)->token;
  }
  const std::string line = token_change_line(admin_token_, *chosen);
  if (line.empty()) {
    change.token = admin_token_;  // the same token in the same file: nothing to write
    return change;
  }
  change.lines.push_back(line);
  change.token = std::move(*chosen);
  // As at startup, the file is written only while the admin API listens, so a ternd
  // without its address never overwrites another one's token.
  if (change.token && !change.token->file.empty() && admin_->listens_after(change.listeners)) {
    auto staged = StagedTokenFile::stage(change.token->file, change.token->token);
    if (!staged) return unexpected("admin-token-file: cannot write " + staged.error());
    change.file.emplace(std::move(*staged));
  }
  // A file ternd wrote that no longer holds the token in force would hand ternctl a
  // token the admin API refuses.
  if (admin_token_ && !admin_token_->file.empty() &&
      (!change.token || admin_token_->file != change.token->path())) {
    // Only while it holds what ternd wrote: someone else's token there is theirs.
    const auto held = read_token_file(admin_token_->file);
    if (held && *held == admin_token_->token) change.stale_file = admin_token_->file;
  }
  return change;
}

std::vector<std::string> Server::commit_admin(AdminChange change) {
  if (!admin_) return {};
  std::vector<std::string> lines = std::move(change.lines);
  if (change.file) {
    if (auto written = change.file->commit(); !written) {
      lines.push_back("admin-token-file: cannot write " + written.error());
    }
  }
  if (!change.stale_file.empty()) {
    std::error_code ignored;
    std::filesystem::remove(change.stale_file, ignored);
    lines.push_back("admin token file " + change.stale_file +
                    " removed: it no longer holds the token");
  }
  admin_token_ = std::move(change.token);
  // Last of a reload's commits: the listeners and relay addresses are the new ones.
  admin_->set_console_facts(console_facts(plan_, *turn_));
  for (auto& line : admin_->commit_reload(std::move(change.listeners)))
    lines.push_back(std::move(line));
  return lines;
}

}  // namespace tern

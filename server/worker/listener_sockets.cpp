#include "server/worker/listener_sockets.h"

#include <algorithm>
#include <array>

#include "server/worker/stream_listener.h"
#include "server/worker/udp_listener.h"

namespace tern {

namespace {

using Lists = std::array<std::pair<ListenerKind, std::vector<TransportAddress> ListenPlan::*>, 6>;
constexpr Lists kLists{{
    {ListenerKind::Udp, &ListenPlan::udp},
    {ListenerKind::Tcp, &ListenPlan::tcp},
    {ListenerKind::Tls, &ListenPlan::tls},
    {ListenerKind::TcpProxy, &ListenPlan::tcp_proxy},
    {ListenerKind::TlsProxy, &ListenPlan::tls_proxy},
    {ListenerKind::Dtls, &ListenPlan::dtls},
}};

}  // namespace

std::string_view kind_name(ListenerKind kind) {
  switch (kind) {
    case ListenerKind::Udp:
      return "UDP";
    case ListenerKind::Tcp:
      return "TCP";
    case ListenerKind::Tls:
      return "TLS";
    case ListenerKind::TcpProxy:
      return "TCP (PROXY protocol)";
    case ListenerKind::TlsProxy:
      return "TLS (PROXY protocol)";
    case ListenerKind::Dtls:
      return "DTLS";
  }
  return "?";
}

std::vector<std::pair<ListenerKind, TransportAddress>> plan_entries(const ListenPlan& plan) {
  std::vector<std::pair<ListenerKind, TransportAddress>> out;
  for (const auto& [kind, list] : kLists) {
    for (const auto& a : plan.*list) out.emplace_back(kind, a);
  }
  return out;
}

Result<std::vector<BoundSocket>, std::string> bind_plan(const ListenPlan& plan) {
  std::vector<BoundSocket> out;
  for (const auto& [kind, address] : plan_entries(plan)) {
    const bool udp = kind == ListenerKind::Udp || kind == ListenerKind::Dtls;
    auto fd = udp ? UdpListener::bind(address) : StreamListener::bind(address);
    if (!fd) return unexpected(std::string(kind_name(kind)) + " listener: " + fd.error());
    out.push_back({kind, address, std::move(*fd)});
  }
  return out;
}

ListenPlan plan_minus(const ListenPlan& a, const ListenPlan& b) {
  ListenPlan out;
  out.proxy_trusted = a.proxy_trusted;
  out.udp_proxy_trusted = a.udp_proxy_trusted;
  for (const auto& [kind, list] : kLists) {
    for (const auto& address : a.*list) {
      if (std::ranges::find(b.*list, address) == (b.*list).end()) (out.*list).push_back(address);
    }
  }
  return out;
}

bool plan_empty(const ListenPlan& plan) {
  return std::ranges::all_of(kLists, [&](const auto& k) { return (plan.*k.second).empty(); });
}

}  // namespace tern

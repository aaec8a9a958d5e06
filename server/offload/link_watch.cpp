#include "server/offload/link_watch.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace tern {

namespace {

// Addresses need no group of their own: adding or removing one adds or removes its local
// route (and its prefix's), which come on the route groups. IPv6's rules have no RTMGRP_
// name: its group's bit.
constexpr uint32_t kGroups = RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE |
                             RTMGRP_IPV4_RULE | (1u << (RTNLGRP_IPV6_RULE - 1));

bool changes_routes(uint16_t type) {
  switch (type) {
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
    case RTM_NEWRULE:
    case RTM_DELRULE:
    case RTM_NEWLINK:
    case RTM_DELLINK:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::unique_ptr<LinkWatch> LinkWatch::create(event_base* base, Handlers handlers) {
  FileDescriptor fd = open_route_socket(kGroups);
  if (!fd.valid()) return nullptr;
  // A routing daemon loading its table sends a message a route: room for a burst of them
  // before the socket overflows into a rescan (the kernel caps it at net.core.rmem_max).
  const int room = 1 << 20;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &room, sizeof(room));
  auto watch = std::make_unique<LinkWatch>(std::move(fd), std::move(handlers));
  watch->event_.reset(
      event_new(base, watch->fd_.get(), EV_READ | EV_PERSIST, &LinkWatch::readable, watch.get()));
  if (!watch->event_ || event_add(watch->event_.get(), nullptr) != 0) return nullptr;
  return watch;
}

void LinkWatch::readable(evutil_socket_t, short, void* self) {
  static_cast<LinkWatch*>(self)->read();
}

void LinkWatch::read() {
  alignas(nlmsghdr) std::array<uint8_t, 32768> buffer{};
  bool routes = false;
  // A burst (a host starting its containers, a routing daemon's table) is read in passes
  // of the loop.
  for (int reads = 0; reads < 64; ++reads) {
    sockaddr_nl from{};
    socklen_t from_len = sizeof(from);
    const ssize_t got = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_len);
    if (got < 0 && errno == ENOBUFS) {
      on_.lost();
      routes = true;
      continue;
    }
    if (got <= 0) break;
    // The kernel's news only: a process with CAP_NET_ADMIN can send to this socket too,
    // and a "link gone" of its making would take the program off a working interface.
    if (from.nl_pid != 0) continue;
    size_t left = static_cast<size_t>(got);
    for (const auto* m = reinterpret_cast<const nlmsghdr*>(buffer.data()); NLMSG_OK(m, left);
         m = NLMSG_NEXT(m, left)) {
      routes = routes || changes_routes(m->nlmsg_type);
      if (m->nlmsg_type != RTM_NEWLINK && m->nlmsg_type != RTM_DELLINK) continue;
      LinkMessage link;
      // A bridge port's own news (AF_BRIDGE) comes on the same group: not the link's.
      if (!read_link_message(*m, link) || link.family != AF_UNSPEC) continue;
      if (m->nlmsg_type == RTM_NEWLINK) on_.changed(link);
      if (m->nlmsg_type == RTM_DELLINK) on_.gone(link.ifindex);
    }
  }
  if (routes && on_.routes) on_.routes();
}

}  // namespace tern

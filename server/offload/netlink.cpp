#include "server/offload/netlink.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <string_view>
#include <utility>

namespace tern {

FileDescriptor open_route_socket(uint32_t groups) {
  const int flags = SOCK_RAW | SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0);
  FileDescriptor fd(::socket(AF_NETLINK, flags, NETLINK_ROUTE));
  if (!fd.valid() || groups == 0) return fd;
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = groups;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) return {};
  return fd;
}

void for_each_attribute(std::span<const uint8_t> run,
                        const std::function<void(uint16_t, std::span<const uint8_t>)>& each) {
  const uint8_t* at = run.data();
  size_t len = run.size();
  while (len >= RTA_LENGTH(0)) {
    const auto* a = reinterpret_cast<const rtattr*>(at);
    if (a->rta_len < RTA_LENGTH(0) || a->rta_len > len) return;
    each(a->rta_type, {static_cast<const uint8_t*>(RTA_DATA(a)), RTA_PAYLOAD(a)});
    const size_t step = RTA_ALIGN(a->rta_len);
    if (step >= len) return;
    at += step;
    len -= step;
  }
}

std::string_view c_string(std::span<const uint8_t> value) {
  const auto* text = reinterpret_cast<const char*>(value.data());
  return {text, ::strnlen(text, value.size())};
}

bool read_link_message(const nlmsghdr& message, LinkMessage& out) {
  if (message.nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) return false;
  const auto* link = static_cast<const ifinfomsg*>(NLMSG_DATA(&message));
  out = LinkMessage{};
  out.family = link->ifi_family;
  out.ifindex = link->ifi_index;
  out.up = (link->ifi_flags & IFF_UP) != 0;
  const size_t attrs_at = NLMSG_LENGTH(sizeof(ifinfomsg));
  const std::span<const uint8_t> attrs(reinterpret_cast<const uint8_t*>(&message) + attrs_at,
                                       message.nlmsg_len - attrs_at);
  for_each_attribute(attrs, [&](uint16_t type, std::span<const uint8_t> value) {
    if (type == IFLA_IFNAME) out.name = c_string(value);
    if (type == IFLA_LINK_NETNSID) out.other_namespace = true;
    if (type != IFLA_LINKINFO) return;
    for_each_attribute(value, [&](uint16_t info, std::span<const uint8_t> kind) {
      if (info == IFLA_INFO_KIND) out.veth = c_string(kind) == "veth";
    });
  });
  return true;
}

bool netlink_request(int fd, std::span<const uint8_t> request,
                     const std::function<bool(const nlmsghdr&)>& each) {
  if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size()))
    return false;
  const auto* asked = reinterpret_cast<const nlmsghdr*>(request.data());
  const bool dump = (asked->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
  alignas(nlmsghdr) std::array<uint8_t, 32768> reply{};
  // A dump ends with NLMSG_DONE; bounded all the same, in case a reply never comes.
  for (int reads = 0; reads < 4096; ++reads) {
    sockaddr_nl from{};
    socklen_t from_len = sizeof(from);
    const ssize_t got = ::recvfrom(fd, reply.data(), reply.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_len);
    if (got <= 0) return false;
    if (from.nl_pid != 0) continue;  // the kernel's replies only
    size_t left = static_cast<size_t>(got);
    for (const auto* m = reinterpret_cast<const nlmsghdr*>(reply.data()); NLMSG_OK(m, left);
         m = NLMSG_NEXT(m, left)) {
      if (m->nlmsg_seq != asked->nlmsg_seq) continue;
      if (m->nlmsg_type == NLMSG_DONE) return true;
      if (m->nlmsg_type == NLMSG_ERROR) {
        if (m->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return false;
        return static_cast<const nlmsgerr*>(NLMSG_DATA(m))->error == 0;
      }
      if (!each(*m)) return true;
      if (!dump) return true;
    }
  }
  return false;
}

uint32_t route_interface(int fd, int family, std::span<const uint8_t> destination,
                         std::span<const uint8_t> source, uint32_t seq) {
  const size_t size = family == AF_INET6 ? 16 : 4;
  if (destination.size() != size || source.size() != size) return 0;
  struct {
    nlmsghdr header;
    rtmsg route;
    alignas(NLMSG_ALIGNTO) uint8_t attributes[2 * RTA_SPACE(16)];
  } request{};
  request.header.nlmsg_type = RTM_GETROUTE;
  request.header.nlmsg_flags = NLM_F_REQUEST;
  request.header.nlmsg_seq = seq;
  request.route.rtm_family = static_cast<uint8_t>(family);
  request.route.rtm_dst_len = request.route.rtm_src_len = static_cast<uint8_t>(size * 8);
  size_t used = 0;
  for (const auto& [type, value] : {std::pair{RTA_DST, destination}, std::pair{RTA_SRC, source}}) {
    auto* a = reinterpret_cast<rtattr*>(request.attributes + used);
    a->rta_type = type;
    a->rta_len = static_cast<unsigned short>(RTA_LENGTH(size));
    std::memcpy(RTA_DATA(a), value.data(), size);
    used += RTA_SPACE(size);
  }
  request.header.nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(sizeof(rtmsg)) + used);
  uint32_t oif = 0;
  const bool ok = netlink_request(
      fd, {reinterpret_cast<const uint8_t*>(&request), request.header.nlmsg_len},
      [&](const nlmsghdr& m) {
        if (m.nlmsg_type != RTM_NEWROUTE || m.nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return false;
        const size_t attrs_at = NLMSG_LENGTH(sizeof(rtmsg));
        for_each_attribute(
            {reinterpret_cast<const uint8_t*>(&m) + attrs_at, m.nlmsg_len - attrs_at},
            [&](uint16_t type, std::span<const uint8_t> value) {
              if (type == RTA_OIF && value.size() == sizeof(oif))
                std::memcpy(&oif, value.data(), sizeof(oif));
            });
        return false;
      });
  return ok ? oif : 0;
}

}  // namespace tern

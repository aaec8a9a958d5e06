#include "server/offload/peer_link.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string_view>

#include "base/file_descriptor.h"

namespace tern {

namespace {

struct LinkRequest {
  nlmsghdr header;
  ifinfomsg link;
};

// The attributes of one rtattr run that this asks about.
struct LinkFacts {
  bool other_namespace = false;  // IFLA_LINK_NETNSID: the other end is in another namespace
  bool veth = false;             // IFLA_LINKINFO → IFLA_INFO_KIND "veth"
};

void read_attributes(const uint8_t* at, size_t len, LinkFacts& facts, bool in_linkinfo) {
  while (len >= RTA_LENGTH(0)) {
    const auto* a = reinterpret_cast<const rtattr*>(at);
    if (a->rta_len < RTA_LENGTH(0) || a->rta_len > len) return;
    const auto* value = static_cast<const uint8_t*>(RTA_DATA(a));
    const size_t value_len = RTA_PAYLOAD(a);
    if (!in_linkinfo && a->rta_type == IFLA_LINK_NETNSID) facts.other_namespace = true;
    if (!in_linkinfo && a->rta_type == IFLA_LINKINFO)
      read_attributes(value, value_len, facts, true);
    if (in_linkinfo && a->rta_type == IFLA_INFO_KIND) {
      facts.veth =
          std::string_view(reinterpret_cast<const char*>(value),
                           ::strnlen(reinterpret_cast<const char*>(value), value_len)) == "veth";
    }
    const size_t step = RTA_ALIGN(a->rta_len);
    if (step >= len) return;
    at += step;
    len -= step;
  }
}

// What rtnetlink says of the link; all false where it cannot be read.
LinkFacts link_facts(int ifindex) {
  FileDescriptor fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd.valid()) return {};
  LinkRequest request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST;
  request.header.nlmsg_seq = 1;
  request.link.ifi_family = AF_UNSPEC;
  request.link.ifi_index = ifindex;
  if (::send(fd.get(), &request, sizeof(request), 0) != static_cast<ssize_t>(sizeof(request)))
    return {};
  alignas(nlmsghdr) std::array<uint8_t, 16384> reply{};
  const ssize_t got = ::recv(fd.get(), reply.data(), reply.size(), 0);
  if (got < static_cast<ssize_t>(NLMSG_LENGTH(sizeof(ifinfomsg)))) return {};
  const auto* header = reinterpret_cast<const nlmsghdr*>(reply.data());
  if (header->nlmsg_type != RTM_NEWLINK || header->nlmsg_len > static_cast<size_t>(got) ||
      header->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) {
    return {};
  }
  const auto* link = static_cast<const ifinfomsg*>(NLMSG_DATA(header));
  if (link->ifi_index != ifindex) return {};
  LinkFacts facts;
  const size_t attrs_at = NLMSG_LENGTH(sizeof(ifinfomsg));
  read_attributes(reply.data() + attrs_at, header->nlmsg_len - attrs_at, facts, false);
  return facts;
}

}  // namespace

bool crosses_namespaces(int ifindex) {
  const LinkFacts facts = link_facts(ifindex);
  return facts.veth && facts.other_namespace;
}

bool is_veth(int ifindex) {
  return link_facts(ifindex).veth;
}

}  // namespace tern

#include "server/offload/peer_link.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "server/offload/netlink.h"

namespace tern {

namespace {

// The link `ifindex` as rtnetlink describes it; false where it cannot be read.
bool read_link(int ifindex, LinkMessage& link) {
  FileDescriptor fd = open_route_socket();
  if (!fd.valid()) return false;
  struct {
    nlmsghdr header;
    ifinfomsg link;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST;
  request.header.nlmsg_seq = 1;
  request.link.ifi_family = AF_UNSPEC;
  request.link.ifi_index = ifindex;
  bool read = false;
  netlink_request(fd.get(), {reinterpret_cast<const uint8_t*>(&request), sizeof(request)},
                  [&](const nlmsghdr& reply) {
                    read = reply.nlmsg_type == RTM_NEWLINK && read_link_message(reply, link);
                    return false;
                  });
  return read && link.ifindex == ifindex;
}

}  // namespace

bool crosses_namespaces(int ifindex) {
  LinkMessage link;
  return read_link(ifindex, link) && is_straight_link(link);
}

bool is_straight_link(const LinkMessage& link) {
  return link.veth && link.other_namespace;
}

bool is_veth(int ifindex) {
  LinkMessage link;
  return read_link(ifindex, link) && link.veth;
}

}  // namespace tern

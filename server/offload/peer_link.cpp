#include "server/offload/peer_link.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "server/offload/netlink.h"

namespace tern {

bool crosses_namespaces(int ifindex) {
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
  LinkMessage link;
  bool read = false;
  netlink_request(fd.get(), {reinterpret_cast<const uint8_t*>(&request), sizeof(request)},
                  [&](const nlmsghdr& reply) {
                    read = reply.nlmsg_type == RTM_NEWLINK && read_link_message(reply, link);
                    return false;
                  });
  return read && link.ifindex == ifindex && is_straight_link(link);
}

bool is_straight_link(const LinkMessage& link) {
  return link.veth && link.other_namespace;
}

}  // namespace tern

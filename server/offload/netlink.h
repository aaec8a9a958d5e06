#pragma once
// The bits of rtnetlink (NETLINK_ROUTE) the offload's control plane speaks: what a link
// message says about the link, and one request's replies.

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "base/file_descriptor.h"

namespace tern {

// A NETLINK_ROUTE socket, non-blocking when `groups` (RTMGRP_*) subscribes to
// notifications; invalid where the kernel refuses one.
FileDescriptor open_route_socket(uint32_t groups = 0);

// A string attribute's value, up to its NUL or its end (the kernel pads and terminates
// them, a truncated one is not trusted to).
std::string_view c_string(std::span<const uint8_t> value);

// Calls `each(type, value)` for every well-formed rtattr of one run; stops at the first
// malformed one.
void for_each_attribute(std::span<const uint8_t> run,
                        const std::function<void(uint16_t, std::span<const uint8_t>)>& each);

// What an RTM_NEWLINK message says about its link.
struct LinkMessage {
  int family = 0;  // AF_UNSPEC for the link itself; AF_BRIDGE: its bridge port's news
  int ifindex = 0;
  std::string name;
  bool up = false;               // IFF_UP
  bool other_namespace = false;  // IFLA_LINK_NETNSID: its other end is in another namespace
  bool veth = false;             // IFLA_LINKINFO → IFLA_INFO_KIND "veth"
};
// Nothing for a message too short to be a link's.
bool read_link_message(const nlmsghdr& message, LinkMessage& out);

// Sends `request` (nlmsg_seq set by the caller) and hands `each` every reply message of
// it up to the dump's end, or the one reply of a plain request. False on a socket error
// or an NLMSG_ERROR with an error; `each` returning false stops early.
bool netlink_request(int fd, std::span<const uint8_t> request,
                     const std::function<bool(const nlmsghdr&)>& each);

// The interface the kernel routes a packet from `source` to `destination` by (both 4 bytes
// for AF_INET or 16 for AF_INET6), as it routes one of a socket bound to `source`, policy
// routing included: RTM_GETROUTE with RTA_SRC. 0 where it has no route, `source` is not
// one of the host's addresses, or the socket fails. `seq` names the request.
uint32_t route_interface(int fd, int family, std::span<const uint8_t> destination,
                         std::span<const uint8_t> source, uint32_t seq);

}  // namespace tern

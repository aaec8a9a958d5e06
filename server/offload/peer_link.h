#pragma once
// Which interfaces are veths whose other end lives in another network namespace: the
// links the fast path can hand a frame across with bpf_redirect_peer.

namespace tern {

struct LinkMessage;

// True for a veth whose other end is in another network namespace, asked of the kernel
// over rtnetlink (the link's kind and IFLA_LINK_NETNSID), so it holds in whatever namespace
// ternd runs, whichever sysfs is mounted. Anything unreadable says false: the program then
// routes the frame out the ordinary way, which works on every link.
bool crosses_namespaces(int ifindex);
// The same, from a link message already read (an RTM_NEWLINK notification).
bool is_straight_link(const LinkMessage& link);

// True for a veth, wherever its other end is; false where it cannot be read.
bool is_veth(int ifindex);

}  // namespace tern

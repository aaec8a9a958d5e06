// --offload=xdp: the XDP program, loaded onto the TC program's maps and linked in driver
// mode ahead of TC on the Ethernet interfaces whose driver has XDP: those of startup, and
// those that appear later (interface_changes.cpp).
#include "server/offload/offload_program.h"

#if TERN_HAVE_OFFLOAD

#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>

#include <linux/if_link.h>  // XDP_FLAGS_*: after <net/if.h>, whose definitions it then keeps

#include "protocol/result.h"
#include "server/offload/peer_link.h"

namespace tern {

namespace {

using EthernetAddress = std::array<uint8_t, 6>;

// The interface's own address where its frames start with an Ethernet header, which the
// XDP program reads: nothing for loopback, tunnels without one (WireGuard, tun) or other
// link types.
std::optional<EthernetAddress> ethernet_address(const char* name) {
  FileDescriptor sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  if (sock.get() < 0 || ::ioctl(sock.get(), SIOCGIFHWADDR, &request) != 0 ||
      request.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    return std::nullopt;
  }
  EthernetAddress mac;
  std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, mac.size());
  return mac;
}

// Loads the XDP program onto the TC program's maps (the same name, the same map), so the
// control plane fills and reads one set whichever program relays. Two objects rather than
// one: the XDP program is loaded only for --offload=xdp, a kernel that refuses it still
// has the TC program, and each file stays one program. 0 or -errno.
int load_xdp(OffloadProgram& program) {
  program.xdp.reset(channel_relay_xdp__open());
  if (!program.xdp) return -errno;
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, program.xdp->obj) {
    const bpf_map* shared = bpf_object__find_map_by_name(program.skel->obj, bpf_map__name(map));
    if (!shared) continue;
    if (int err = bpf_map__reuse_fd(map, bpf_map__fd(shared))) return err;
  }
  return channel_relay_xdp__load(program.xdp.get());
}

// Links the XDP program to `ifindex` (the program goes with ternd), in driver mode only,
// and fills the interface's entries of its maps. The link, or -errno. Not in generic mode:
// there the frame is an skb already, so XDP saves nothing over TC, and moving the headers
// (bpf_xdp_adjust_head) would leave a checksum-offloaded skb's csum_start 4 bytes off,
// where the kernel then writes the sum.
Result<FileDescriptor, int> link_xdp(OffloadProgram& program, int ifindex,
                                     const EthernetAddress& own) {
  const int prog = bpf_program__fd(program.xdp->progs.tern_channel_relay_xdp);
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
  FileDescriptor link(bpf_link_create(prog, ifindex, BPF_XDP, &opts));
  if (link.get() < 0) return unexpected(-errno);
  // Native XDP sends a frame out only where the driver takes XDP frames: the interfaces in
  // driver mode (a frame for any other goes on to TC). A veth's frames may carry a checksum
  // left to offload, which XDP cannot tell: the program computes those whole. The
  // interface's own address tells the frames to this host (XDP has no packet type); one
  // changed later sends every frame on to TC, which relays them.
  const uint32_t key = static_cast<uint32_t>(ifindex);
  const uint8_t yes = 1;
  if (bpf_map_update_elem(bpf_map__fd(program.xdp->maps.tern_xdp_own_mac), &key, own.data(),
                          BPF_ANY) ||
      bpf_map_update_elem(bpf_map__fd(program.xdp->maps.tern_xdp_egress), &key, &key, BPF_ANY) ||
      (is_veth(ifindex) && bpf_map_update_elem(bpf_map__fd(program.xdp->maps.tern_xdp_full_sum),
                                               &key, &yes, BPF_ANY))) {
    const int err = -errno;
    program.forget_xdp(ifindex);
    return unexpected(err);
  }
  return link;
}

}  // namespace

// The XDP program on `a`'s interface too, ahead of TC: nothing where there is no XDP
// program or the interface has no Ethernet header (loopback, tunnels); else 0, or -errno
// where it refuses (no driver XDP, another program on the hook), and TC relays there.
std::optional<int> OffloadProgram::attach_xdp(Attachment& a) {
  if (!xdp) return std::nullopt;
  const std::optional<EthernetAddress> own = ethernet_address(a.name().c_str());
  if (!own) return std::nullopt;
  auto link = link_xdp(*this, a.ifindex(), *own);
  if (!link) return link.error();
  a.hold_xdp(std::move(*link));
  return 0;
}

// An interface that went: its entries in the XDP program's maps go too (a later interface
// may be given its ifindex). The link went with its Attachment.
void OffloadProgram::forget_xdp(int ifindex) {
  if (!xdp) return;
  const uint32_t key = static_cast<uint32_t>(ifindex);
  for (const bpf_map* map :
       {xdp->maps.tern_xdp_own_mac, xdp->maps.tern_xdp_egress, xdp->maps.tern_xdp_full_sum}) {
    (void)bpf_map_delete_elem(bpf_map__fd(map), &key);
  }
}

// The interfaces the XDP program refuses stay TC's, in one line.
void start_xdp(OffloadProgram& program, Logger& log) {
  if (int err = load_xdp(program); err) {
    program.xdp.reset();
    log.warning("kernel offload: the XDP program does not load ({}); TC relays everywhere",
                std::strerror(-err));
    return;
  }
  std::vector<std::string> on;
  std::string refused;
  for (const auto& a : program.attached) {
    const std::optional<int> err = program.attach_xdp(*a);
    if (!err) continue;
    if (*err == 0) {
      on.push_back(a->name());
    } else {
      refused += (refused.empty() ? "" : ", ") + a->name() + " (" + std::strerror(-*err) + ")";
    }
  }
  if (!on.empty()) log.info("kernel offload: XDP on {} in driver mode, ahead of TC", join(on));
  if (!refused.empty()) log.warning("kernel offload: XDP refused on {}; TC relays there", refused);
}

}  // namespace tern

#endif

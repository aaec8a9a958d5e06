#include "server/offload/channel_offload.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>

#include "base/file_descriptor.h"
#include "server/offload/link_watch.h"
#include "server/offload/netlink.h"
#include "server/offload/offload_maps.h"
#include "server/offload/peer_link.h"
#include "server/offload/tc_filters.h"

#if TERN_HAVE_OFFLOAD
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>  // XDP_FLAGS_*: after <net/if.h>, whose definitions it then keeps

#include "channel_relay.skel.h"
#include "channel_relay_xdp.skel.h"
#endif

namespace tern {

std::optional<OffloadMode> parse_offload_mode(std::string_view text) {
  if (text == "auto") return OffloadMode::Auto;
  if (text == "xdp") return OffloadMode::Xdp;
  if (text == "tc") return OffloadMode::Tc;
  if (text == "off") return OffloadMode::Off;
  return std::nullopt;
}

bool offload_built_in() {
  return TERN_HAVE_OFFLOAD != 0;
}

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

#if TERN_HAVE_OFFLOAD

static_assert(kOffloadMinBurst == TERN_MIN_BURST && kOffloadMaxRate == TERN_MAX_RATE);
// The routes' layouts, as bench/experiments/offload_prog_run.py writes them too: no hole
// before the 8-byte fields.
static_assert(sizeof(tern_to_peer) == 80 && offsetof(tern_to_peer, deadline_ns) == 48);
static_assert(sizeof(tern_to_client) == 80 && offsetof(tern_to_client, deadline_ns) == 48);

namespace {

void set_ip(uint8_t (&out)[16], const TransportAddress& a) {
  if (a.family == Family::V6) {
    std::memcpy(out, a.ip.data(), 16);
    return;
  }
  std::memset(out, 0, 10);
  out[10] = out[11] = 0xff;
  std::memcpy(out + 12, a.ip.data(), 4);
}

tern_client_key client_key(const OffloadRoute& r) {
  tern_client_key k{};
  set_ip(k.client, r.client);
  set_ip(k.server, r.server);
  k.client_port = htons(r.client.port);
  k.server_port = htons(r.server.port);
  k.channel = r.channel;
  return k;
}

tern_peer_key peer_key(const OffloadRoute& r) {
  tern_peer_key k{};
  set_ip(k.peer, r.peer);
  set_ip(k.relay, r.relay);
  k.peer_port = htons(r.peer.port);
  k.relay_port = htons(r.relay.port);
  return k;
}

tern_cap cap_of(uint64_t bytes_per_s, const OffloadCap& cap, bool to_client) {
  tern_cap c{};
  c.bytes_per_s = bytes_per_s;
  c.bucket.allocation = cap.allocation;
  c.bucket.worker = cap.worker;
  c.bucket.to_client = to_client ? 1 : 0;
  return c;
}

// The interfaces the kernel routes the client and the peer by, as it routes ternd's own
// sockets, bound to the server and the relayed address (policy routing by source
// included): the program relays only packets that came in on the sender's and sends only
// by the receiver's (tern_route_links). Nothing where either has no route: the route is
// then not offloaded, and user space relays it.
//
// On the worker's thread, once per fresh route (a refresh keeps what the maps hold): a
// netlink socket and two RTM_GETROUTE round trips into the kernel, no I/O: 13 µs each
// (2,000 in a row on the 2-core development machine, busy with builds), about what user
// space spends relaying a few datagrams, once for a channel that lives for minutes. A
// refresh (a deadline or cap change) costs the two map lookups it did before.
struct RouteLinks {
  uint32_t client = 0, peer = 0;
};
std::optional<RouteLinks> route_links(const OffloadRoute& r) {
  const FileDescriptor fd = open_route_socket();
  if (!fd.valid()) return std::nullopt;
  const auto family = [](const TransportAddress& a) {
    return a.family == Family::V6 ? AF_INET6 : AF_INET;
  };
  RouteLinks links;
  links.client =
      route_interface(fd.get(), family(r.client), r.client.ip_bytes(), r.server.ip_bytes(), 1);
  links.peer = route_interface(fd.get(), family(r.peer), r.peer.ip_bytes(), r.relay.ip_bytes(), 2);
  if (links.client == 0 || links.peer == 0) return std::nullopt;
  return links;
}

// Our filter among the others on an interface's hook (the clsact path): one handle per
// process (another ternd on the host has its own program and maps, and its filter runs
// after ours).
uint32_t filter_handle() {
  return static_cast<uint32_t>(::getpid());
}
constexpr uint32_t kFilterPriority = 1;

// Debian 12's uapi headers (Linux 6.1) predate tcx (Linux 6.6), whose attach type
// bpf_link_create passes through as it is; the value is the kernel's ABI.
constexpr auto kTcxIngress = static_cast<bpf_attach_type>(46);  // BPF_TCX_INGRESS

// How long the program keeps relaying after ternd last renewed its lease (about once a
// second, from the main thread's loop): past it, a ternd that died or hangs leaves every
// packet to user space.
constexpr uint64_t kLeaseNs = 5'000'000'000;
constexpr timeval kLeaseRenewal{1, 0};

// Hidden, for the tests only: the clsact filter where the kernel has tcx, so the older
// kernels' path (Debian 12's 6.1) runs on this one too. Read once, at start().
constexpr char kForceClsactVariable[] = "TERN_OFFLOAD_FORCE_CLSACT";

struct SkeletonDeleter {
  void operator()(channel_relay* s) const { channel_relay__destroy(s); }
  void operator()(channel_relay_xdp* s) const { channel_relay_xdp__destroy(s); }
};

int quiet_libbpf(libbpf_print_level, const char*, va_list) {
  return 0;  // ternd says in one line what failed; libbpf's own lines would repeat it
}

// The program on one interface's TC ingress, for as long as this lives. Through a tcx
// link (Linux ≥ 6.6), which the kernel takes away when the last fd of it closes, so a
// ternd that is killed leaves nothing; else a clsact filter, which outlives a killed
// ternd (the lease then keeps it from relaying) and which this removes. The clsact
// qdisc a first filter makes stays: other filters (another ternd's) may have joined it.
class Attachment {
 public:
  Attachment(int ifindex, std::string name, FileDescriptor link)
      : ifindex_(ifindex), name_(std::move(name)), link_(std::move(link)) {}
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;
  ~Attachment() {
    if (link_.valid()) return;  // the link's fd closes, and the kernel detaches
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_, .attach_point = BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = filter_handle(), .priority = kFilterPriority);
    bpf_tc_detach(&hook, &opts);
  }
  int ifindex() const { return ifindex_; }
  const std::string& name() const { return name_; }
  void rename(std::string name) { name_ = std::move(name); }
  bool straight = false;  // a veth to another namespace, in tern_peer_links

 private:
  int ifindex_;
  std::string name_;
  FileDescriptor link_;
};

std::string join(const std::vector<std::string>& list) {
  std::string joined;
  for (const auto& n : list) joined += (joined.empty() ? "" : ",") + n;
  return joined;
}

// Whether a program another ternd left (its filter's prog id) still holds a lease: read
// from its own tern_lease map. A program without one (a ternd from before leases) holds
// none.
bool lease_held(uint32_t prog_id) {
  FileDescriptor prog(bpf_prog_get_fd_by_id(prog_id));
  if (!prog.valid()) return false;
  std::array<uint32_t, 16> map_ids{};
  bpf_prog_info info{};
  info.nr_map_ids = map_ids.size();
  info.map_ids = reinterpret_cast<uintptr_t>(map_ids.data());
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog.get(), &info, &len) != 0) return false;
  for (uint32_t i = 0; i < std::min<uint32_t>(info.nr_map_ids, map_ids.size()); ++i) {
    FileDescriptor map(bpf_map_get_fd_by_id(map_ids[i]));
    bpf_map_info map_info{};
    uint32_t map_len = sizeof(map_info);
    if (!map.valid() || bpf_obj_get_info_by_fd(map.get(), &map_info, &map_len) != 0 ||
        std::string_view(map_info.name) != "tern_lease") {
      continue;
    }
    const uint32_t zero = 0;
    uint64_t until = 0;
    return bpf_map_lookup_elem(map.get(), &zero, &until) == 0 && monotonic_ns() < until;
  }
  return false;
}

// The clsact filters of ternds that are gone, which the kernel keeps (the tcx links of
// Linux ≥ 6.6 go with their process): a filter of this program (libbpf names it
// "tern_channel_re:[<id>]", the kernel's 15 characters of the name) whose handle, the
// pid of the ternd that put it there, names no process, and whose lease ran out. Both,
// since a ternd in another pid namespace sharing this network namespace has a pid this
// one cannot see: its lease still says it is alive. One line per pid, for the log.
std::vector<std::string> remove_stale_filters() {
  std::map<uint32_t, std::vector<std::string>> removed;  // pid → its interfaces
  struct if_nameindex* list = if_nameindex();
  if (!list) return {};
  for (struct if_nameindex* i = list; i->if_index != 0; ++i) {
    const int ifindex = static_cast<int>(i->if_index);
    for (const TcFilter& f : ingress_bpf_filters(ifindex)) {
      // 4194304: the kernel's largest pid (PID_MAX_LIMIT); a handle past it is no pid.
      if (!f.name.starts_with("tern_channel_re:") || f.handle > 4194304) continue;
      if (::kill(static_cast<pid_t>(f.handle), 0) == 0 || errno != ESRCH) continue;
      if (lease_held(f.prog_id)) continue;
      LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
      LIBBPF_OPTS(bpf_tc_opts, opts, .handle = f.handle, .priority = f.priority);
      if (bpf_tc_detach(&hook, &opts) == 0) removed[f.handle].emplace_back(i->if_name);
    }
  }
  if_freenameindex(list);
  std::vector<std::string> lines;
  for (const auto& [pid, names] : removed) {
    lines.push_back("kernel offload: removed the TC filters of ternd pid " + std::to_string(pid) +
                    ", which is gone, from " + join(names));
  }
  return lines;
}

}  // namespace

struct ChannelOffload::Program {
  std::unique_ptr<channel_relay, SkeletonDeleter> skel;
  Logger* log = nullptr;
  bool tcx = true;  // until the kernel refuses a tcx link, or the tests ask for clsact
  std::vector<std::unique_ptr<Attachment>> attached;
  std::vector<int> refused;  // new interfaces that refused it: said once, not per change
  int cpus = 1;
  // --offload=xdp: the XDP program on the TC program's maps, and its links (closing one
  // takes the program off its interface), which go before it.
  std::unique_ptr<channel_relay_xdp, SkeletonDeleter> xdp;
  std::vector<FileDescriptor> xdp_links;
  // Last: destroyed first, since their callbacks use the rest.
  EventPtr lease_timer;
  std::unique_ptr<LinkWatch> links;

  int prog_fd() const { return bpf_program__fd(skel->progs.tern_channel_relay); }

  void renew_lease() {
    const uint32_t zero = 0;
    const uint64_t until = monotonic_ns() + kLeaseNs;
    (void)bpf_map_update_elem(bpf_map__fd(skel->maps.tern_lease), &zero, &until, BPF_ANY);
  }

  // A link fd, or -errno.
  int attach_tcx(int ifindex) const {
    const int fd = bpf_link_create(prog_fd(), ifindex, kTcxIngress, nullptr);
    return fd >= 0 ? fd : -errno;
  }

  // 0 or -errno.
  int attach_clsact(int ifindex) const {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    int err = bpf_tc_hook_create(&hook);
    if (err && err != -EEXIST) return err;
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd(), .flags = BPF_TC_F_REPLACE,
                .handle = filter_handle(), .priority = kFilterPriority);
    return bpf_tc_attach(&hook, &opts);
  }

  Attachment* find(int ifindex) {
    auto at = std::find_if(attached.begin(), attached.end(),
                           [&](const auto& a) { return a->ifindex() == ifindex; });
    return at == attached.end() ? nullptr : at->get();
  }

  // 0 or -errno. A kernel without tcx (EINVAL: an attach type it does not know) turns
  // this ternd to clsact filters before anything is attached through a link.
  int attach(int ifindex, const std::string& name, bool straight) {
    FileDescriptor link;
    if (tcx) {
      const int fd = attach_tcx(ifindex);
      if (fd == -EINVAL && attached.empty()) {
        tcx = false;
      } else if (fd < 0) {
        return fd;
      } else {
        link.reset(fd);
      }
    }
    if (!tcx) {
      if (int err = attach_clsact(ifindex)) return err;
    }
    attached.push_back(std::make_unique<Attachment>(ifindex, name, std::move(link)));
    set_straight(*attached.back(), straight);
    return 0;
  }

  void set_straight(Attachment& a, bool straight) {
    if (a.straight == straight) return;
    a.straight = straight;
    const uint32_t key = static_cast<uint32_t>(a.ifindex());
    const uint8_t yes = 1;
    // Without the entry the program routes out the ordinary way: slower, never wrong.
    if (straight) {
      (void)bpf_map_update_elem(bpf_map__fd(skel->maps.tern_peer_links), &key, &yes, BPF_ANY);
    } else {
      (void)bpf_map_delete_elem(bpf_map__fd(skel->maps.tern_peer_links), &key);
    }
  }

  // A link went (deleted, or moved to another namespace): its attachment went with it
  // in the kernel; so do ternd's records, and the ways out the program learned through it,
  // which a new link could take the ifindex of.
  void forget(int ifindex) {
    std::erase(refused, ifindex);
    Attachment* a = find(ifindex);
    if (!a) return;
    set_straight(*a, false);
    log->info("kernel offload: {} is gone", a->name());
    std::erase_if(attached, [&](const auto& held) { return held.get() == a; });
    forget_ways_out(ifindex);
  }

  // The ways out (tern_way_out) through `ifindex`: the program learns them again from the
  // next packet of the other side.
  void forget_ways_out(int ifindex) {
    const int ways = bpf_map__fd(skel->maps.tern_way_out);
    // The value's first field is the ifindex (struct way_out in the program).
    std::vector<uint8_t> value(bpf_map__value_size(skel->maps.tern_way_out));
    std::array<uint8_t, 16> key{}, next{};  // an address
    if (value.size() < sizeof(uint32_t) ||
        bpf_map__key_size(skel->maps.tern_way_out) != key.size()) {
      return;
    }
    std::vector<std::array<uint8_t, 16>> stale;
    for (const uint8_t* from = nullptr; bpf_map_get_next_key(ways, from, next.data()) == 0;
         from = key.data()) {
      key = next;
      uint32_t via = 0;
      if (bpf_map_lookup_elem(ways, key.data(), value.data()) != 0) continue;
      std::memcpy(&via, value.data(), sizeof(via));
      if (static_cast<int>(via) == ifindex) stale.push_back(key);
    }
    for (const auto& k : stale) bpf_map_delete_elem(ways, k.data());
  }

  // A link appeared, came up, was renamed or changed its other end's namespace.
  void changed(const LinkMessage& link) {
    if (Attachment* a = find(link.ifindex)) {
      if (!link.name.empty()) a->rename(link.name);
      set_straight(*a, is_straight_link(link));
      return;
    }
    if (!link.up || link.name.empty()) return;
    if (std::find(refused.begin(), refused.end(), link.ifindex) != refused.end()) return;
    const bool straight = is_straight_link(link);
    if (int err = attach(link.ifindex, link.name, straight)) {
      refused.push_back(link.ifindex);
      log->warning("kernel offload: new interface {} refuses the TC program ({})", link.name,
                   std::strerror(-err));
      return;
    }
    log->info("kernel offload: new interface {} relayed by TC{}", link.name,
              straight ? " (straight to the other namespace)" : "");
  }

  // What the kernel lists now against what ternd holds: at start, after the watch
  // subscribed (a link made in between), and when notifications were lost.
  void rescan() {
    std::vector<int> present;
    if (struct if_nameindex* list = if_nameindex()) {
      for (struct if_nameindex* i = list; i->if_index != 0; ++i) {
        const int ifindex = static_cast<int>(i->if_index);
        present.push_back(ifindex);
        if (find(ifindex)) continue;
        LinkMessage link;
        link.ifindex = ifindex;
        link.name = i->if_name;
        link.up = true;
        link.veth = link.other_namespace = crosses_namespaces(ifindex);
        changed(link);
      }
      if_freenameindex(list);
    }
    std::vector<int> gone;
    for (const auto& a : attached) {
      if (std::find(present.begin(), present.end(), a->ifindex()) == present.end())
        gone.push_back(a->ifindex());
    }
    for (int ifindex : gone) forget(ifindex);
  }

  static void on_lease_timer(evutil_socket_t, short, void* self) {
    static_cast<Program*>(self)->renew_lease();
  }
};

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
int load_xdp(ChannelOffload::Program& program) {
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

// Attaches the XDP program to `ifindex` through a link (the program goes with ternd), in
// driver mode only. 0 or -errno. Not in generic mode: there the frame is an skb already,
// so XDP saves nothing over TC, and moving the headers (bpf_xdp_adjust_head) would leave
// a checksum-offloaded skb's csum_start 4 bytes off, where the kernel then writes the sum.
int attach_xdp(ChannelOffload::Program& program, int ifindex, const EthernetAddress& own) {
  const int prog = bpf_program__fd(program.xdp->progs.tern_channel_relay_xdp);
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
  FileDescriptor link(bpf_link_create(prog, ifindex, BPF_XDP, &opts));
  if (link.get() < 0) return -errno;
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
    return -errno;
  }
  program.xdp_links.push_back(std::move(link));
  return 0;
}

// --offload=xdp, once the TC program is attached: the XDP program ahead of it on every
// Ethernet interface the TC program is on (`names`) whose driver has XDP. The others stay
// TC's, in one line.
void start_xdp(ChannelOffload::Program& program, const std::vector<std::string>& names,
               Logger& log) {
  if (int err = load_xdp(program); err) {
    program.xdp.reset();
    log.warning("kernel offload: the XDP program does not load ({}); TC relays everywhere",
                std::strerror(-err));
    return;
  }
  std::string on, refused;
  for (const std::string& name : names) {
    const int ifindex = static_cast<int>(::if_nametoindex(name.c_str()));
    const std::optional<EthernetAddress> own = ethernet_address(name.c_str());
    if (ifindex == 0 || !own) continue;
    if (int err = attach_xdp(program, ifindex, *own); err == 0) {
      on += (on.empty() ? "" : ",") + name;
    } else {
      refused += (refused.empty() ? "" : ", ") + name + " (" + std::strerror(-err) + ")";
    }
  }
  if (!on.empty()) log.info("kernel offload: XDP on {} in driver mode, ahead of TC", on);
  if (!refused.empty()) log.warning("kernel offload: XDP refused on {}; TC relays there", refused);
}

}  // namespace

Result<std::unique_ptr<ChannelOffload>, std::string> ChannelOffload::start(OffloadMode mode,
                                                                           Logger& log) {
  if (mode == OffloadMode::Off) return std::unique_ptr<ChannelOffload>();
  libbpf_set_print(quiet_libbpf);
  auto program = std::make_unique<Program>();
  program->log = &log;
  program->skel.reset(channel_relay__open_and_load());
  if (!program->skel) {
    const int e = errno;
    log.warning(
        "kernel offload off: the BPF program does not load ({}; needs CAP_BPF and "
        "CAP_NET_ADMIN and a kernel with BPF); relaying in user space",
        std::strerror(e));
    return std::unique_ptr<ChannelOffload>();
  }
  program->cpus = std::max(libbpf_num_possible_cpus(), 1);
  const bool forced_clsact = std::getenv(kForceClsactVariable) != nullptr;
  program->tcx = !forced_clsact;
  for (const std::string& line : remove_stale_filters()) log.info("{}", line);
  // Before the first attachment: the program relays nothing without it.
  program->renew_lease();
  std::vector<std::string> names, straight;
  std::string refused;
  if (struct if_nameindex* list = if_nameindex()) {
    for (struct if_nameindex* i = list; i->if_index != 0; ++i) {
      const int ifindex = static_cast<int>(i->if_index);
      const bool cross = crosses_namespaces(ifindex);
      if (int err = program->attach(ifindex, i->if_name, cross); err == 0) {
        names.emplace_back(i->if_name);
        if (cross) straight.emplace_back(i->if_name);
      } else if (refused.empty()) {
        refused = std::string(i->if_name) + ": " + std::strerror(-err);
      }
    }
    if_freenameindex(list);
  }
  if (names.empty()) {
    log.warning(
        "kernel offload off: no interface takes the TC program ({}); relaying in user space",
        refused.empty() ? "no interfaces" : refused);
    return std::unique_ptr<ChannelOffload>();
  }
  const std::string how =
      program->tcx    ? " (tcx links)"
      : forced_clsact ? " (clsact filters, as " + std::string(kForceClsactVariable) + " asks)"
                      : " (clsact filters: this kernel has no tcx links)";
  auto offload = std::make_unique<ChannelOffload>(std::move(program));
  log.info("kernel offload on: ChannelData of UDP clients relayed by TC on {}{}{}{}", join(names),
           straight.empty() ? "" : " (straight to the other namespace: " + join(straight) + ")",
           refused.empty() ? "" : " (refused: " + refused + ")", how);
  if (mode == OffloadMode::Xdp) start_xdp(*offload->program_, names, log);
  return offload;
}

void ChannelOffload::follow(event_base* main) {
  Program& p = *program_;
  p.lease_timer.reset(event_new(main, -1, EV_PERSIST, &Program::on_lease_timer, &p));
  if (p.lease_timer) event_add(p.lease_timer.get(), &kLeaseRenewal);
  p.links = LinkWatch::create(main, {.changed = [&p](const LinkMessage& link) { p.changed(link); },
                                     .gone = [&p](int ifindex) { p.forget(ifindex); },
                                     .lost = [&p] { p.rescan(); }});
  if (!p.links) {
    p.log->warning(
        "kernel offload: cannot follow new interfaces (no rtnetlink socket: {}); the program "
        "stays on the interfaces of startup",
        std::strerror(errno));
  }
  p.rescan();
}

bool ChannelOffload::put(const OffloadRoute& r, uint64_t deadline_ns, const OffloadCap& cap,
                         bool fresh) {
  const auto& maps = program_->skel->maps;
  // Buckets before the routes that use them; an allocation's second channel finds its
  // buckets there and leaves them as they are.
  for (const tern_cap c : {cap_of(cap.to_peer, cap, false), cap_of(cap.to_client, cap, true)}) {
    if (c.bytes_per_s == 0) continue;
    tern_bucket full{};
    full.level = std::clamp<uint64_t>(c.bytes_per_s, TERN_MIN_BURST, TERN_MAX_RATE) * 1000;
    full.last_ns = monotonic_ns();
    if (bpf_map_update_elem(bpf_map__fd(maps.tern_buckets), &c.bucket, &full, BPF_NOEXIST) &&
        errno != EEXIST) {
      return false;
    }
  }
  const tern_client_key ck = client_key(r);
  const tern_peer_key pk = peer_key(r);
  tern_to_peer up{};
  tern_to_client down{};
  // A refresh keeps the interfaces the route went in with; a fresh route (or one the maps
  // lost) asks the kernel.
  if (fresh || bpf_map_lookup_elem(bpf_map__fd(maps.tern_to_peer), &ck, &up) ||
      bpf_map_lookup_elem(bpf_map__fd(maps.tern_to_client), &pk, &down)) {
    const std::optional<RouteLinks> links = route_links(r);
    if (!links) return false;
    up.links = {.in = links->client, .out = links->peer};
    down.links = {.in = links->peer, .out = links->client};
  }
  set_ip(up.relay, r.relay);
  set_ip(up.peer, r.peer);
  up.relay_port = htons(r.relay.port);
  up.peer_port = htons(r.peer.port);
  up.peer_v6 = r.peer.family == Family::V6;
  up.deadline_ns = deadline_ns;
  up.cap = cap_of(cap.to_peer, cap, false);
  set_ip(down.server, r.server);
  set_ip(down.client, r.client);
  down.server_port = htons(r.server.port);
  down.client_port = htons(r.client.port);
  down.channel = r.channel;
  down.client_v6 = r.client.family == Family::V6;
  down.deadline_ns = deadline_ns;
  down.cap = cap_of(cap.to_client, cap, true);
  if (fresh) {
    // Counters first, so the program never relays on a route it cannot count.
    std::vector<tern_traffic> zero(static_cast<size_t>(program_->cpus));
    if (bpf_map_update_elem(bpf_map__fd(maps.tern_peer_traffic), &ck, zero.data(), BPF_ANY) ||
        bpf_map_update_elem(bpf_map__fd(maps.tern_client_traffic), &pk, zero.data(), BPF_ANY)) {
      (void)remove(r);
      return false;
    }
  }
  if (bpf_map_update_elem(bpf_map__fd(maps.tern_to_peer), &ck, &up, BPF_ANY) ||
      bpf_map_update_elem(bpf_map__fd(maps.tern_to_client), &pk, &down, BPF_ANY)) {
    (void)remove(r);
    return false;
  }
  return true;
}

OffloadTraffic ChannelOffload::traffic(const OffloadRoute& r) const {
  OffloadTraffic t;
  std::vector<tern_traffic> per_cpu(static_cast<size_t>(program_->cpus));
  const auto& maps = program_->skel->maps;
  const tern_client_key ck = client_key(r);
  if (bpf_map_lookup_elem(bpf_map__fd(maps.tern_peer_traffic), &ck, per_cpu.data()) == 0) {
    for (const auto& c : per_cpu) {
      t.packets_to_peer += c.packets;
      t.bytes_to_peer += c.bytes;
      t.over_cap_to_peer += c.over_cap;
    }
  }
  const tern_peer_key pk = peer_key(r);
  if (bpf_map_lookup_elem(bpf_map__fd(maps.tern_client_traffic), &pk, per_cpu.data()) == 0) {
    for (const auto& c : per_cpu) {
      t.packets_to_client += c.packets;
      t.bytes_to_client += c.bytes;
      t.over_cap_to_client += c.over_cap;
    }
  }
  return t;
}

OffloadTraffic ChannelOffload::remove(const OffloadRoute& r) {
  const auto& maps = program_->skel->maps;
  const tern_client_key ck = client_key(r);
  const tern_peer_key pk = peer_key(r);
  bpf_map_delete_elem(bpf_map__fd(maps.tern_to_peer), &ck);
  bpf_map_delete_elem(bpf_map__fd(maps.tern_to_client), &pk);
  // A program run that found the route before it went may still be counting: the
  // counters are read after the routes went, which misses at most that packet.
  const OffloadTraffic last = traffic(r);
  bpf_map_delete_elem(bpf_map__fd(maps.tern_peer_traffic), &ck);
  bpf_map_delete_elem(bpf_map__fd(maps.tern_client_traffic), &pk);
  return last;
}

void ChannelOffload::forget_buckets(const OffloadCap& cap) {
  for (const tern_cap c : {cap_of(0, cap, false), cap_of(0, cap, true)})
    bpf_map_delete_elem(bpf_map__fd(program_->skel->maps.tern_buckets), &c.bucket);
}

OffloadStats ChannelOffload::stats() const {
  OffloadStats s;
  std::vector<uint64_t> per_cpu(static_cast<size_t>(program_->cpus));
  uint64_t* fields[] = {&s.to_peer, &s.to_client, &s.passed};
  for (uint32_t i = 0; i < TERN_STAT_COUNT; ++i) {
    if (bpf_map_lookup_elem(bpf_map__fd(program_->skel->maps.tern_stats), &i, per_cpu.data()))
      continue;
    for (uint64_t n : per_cpu) *fields[i] += n;
  }
  return s;
}

#else  // the build had no clang BPF target, libbpf or bpftool

struct ChannelOffload::Program {};

Result<std::unique_ptr<ChannelOffload>, std::string> ChannelOffload::start(OffloadMode mode,
                                                                           Logger& log) {
  if (mode == OffloadMode::Off) return std::unique_ptr<ChannelOffload>();
  if (mode == OffloadMode::Auto) {
    log.info(
        "kernel offload off: not built in (clang, libbpf-dev or bpftool missing at build "
        "time); relaying in user space");
    return std::unique_ptr<ChannelOffload>();
  }
  return unexpected(std::string("offload=") + (mode == OffloadMode::Tc ? "tc" : "xdp") +
                    ": this ternd was built without the BPF program (clang, libbpf-dev or "
                    "bpftool missing at build time); use auto or off");
}

void ChannelOffload::follow(event_base*) {}
bool ChannelOffload::put(const OffloadRoute&, uint64_t, const OffloadCap&, bool) {
  return false;
}
void ChannelOffload::forget_buckets(const OffloadCap&) {}
OffloadTraffic ChannelOffload::traffic(const OffloadRoute&) const {
  return {};
}
OffloadTraffic ChannelOffload::remove(const OffloadRoute&) {
  return {};
}
OffloadStats ChannelOffload::stats() const {
  return {};
}

#endif

ChannelOffload::ChannelOffload(std::unique_ptr<Program> program) : program_(std::move(program)) {}
ChannelOffload::~ChannelOffload() = default;

}  // namespace tern

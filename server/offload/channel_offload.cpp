#include "server/offload/channel_offload.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/file_descriptor.h"
#include "server/offload/offload_maps.h"
#include "server/offload/peer_link.h"

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

// Our filter among the others on an interface's hook: one handle per process (another
// ternd on the host has its own program and maps, and its filter runs after ours).
uint32_t filter_handle() {
  return static_cast<uint32_t>(::getpid());
}
constexpr uint32_t kFilterPriority = 1;

struct SkeletonDeleter {
  void operator()(channel_relay* s) const { channel_relay__destroy(s); }
  void operator()(channel_relay_xdp* s) const { channel_relay_xdp__destroy(s); }
};

int quiet_libbpf(libbpf_print_level, const char*, va_list) {
  return 0;  // ternd says in one line what failed; libbpf's own lines would repeat it
}

// The clsact qdisc a first attach makes stays when ternd stops: other filters (another
// ternd's) may have joined it since, and removing it would remove them.
struct Attachment {
  int ifindex;
};

}  // namespace

struct ChannelOffload::Program {
  std::unique_ptr<channel_relay, SkeletonDeleter> skel;
  std::vector<Attachment> attached;
  std::vector<std::string> straight;  // names of the veths to another namespace
  int cpus = 1;
  // --offload=xdp: the XDP program on the TC program's maps, and its links (closing one
  // takes the program off its interface). Last, so that they go first.
  std::unique_ptr<channel_relay_xdp, SkeletonDeleter> xdp;
  std::vector<FileDescriptor> xdp_links;

  ~Program() {
    for (const Attachment& a : attached) {
      LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a.ifindex, .attach_point = BPF_TC_INGRESS);
      LIBBPF_OPTS(bpf_tc_opts, opts, .handle = filter_handle(), .priority = kFilterPriority);
      bpf_tc_detach(&hook, &opts);
    }
  }

  // 0 or -errno.
  int attach(int ifindex, const std::string& name) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    int err = bpf_tc_hook_create(&hook);
    if (err && err != -EEXIST) return err;
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(skel->progs.tern_channel_relay),
                .flags = BPF_TC_F_REPLACE, .handle = filter_handle(), .priority = kFilterPriority);
    err = bpf_tc_attach(&hook, &opts);
    if (err) return err;
    attached.push_back({ifindex});
    if (crosses_namespaces(ifindex)) {
      straight.push_back(name);
      const uint32_t key = static_cast<uint32_t>(ifindex);
      const uint8_t yes = 1;
      // Without the entry the program routes out the ordinary way: slower, never wrong.
      (void)bpf_map_update_elem(bpf_map__fd(skel->maps.tern_peer_links), &key, &yes, BPF_ANY);
    }
    return 0;
  }
};

namespace {

// Interfaces whose frames start with an Ethernet header, which the XDP program reads:
// not loopback, tunnels without one (WireGuard, tun) or other link types.
bool is_ethernet(const char* name) {
  FileDescriptor sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
  return sock.get() >= 0 && ::ioctl(sock.get(), SIOCGIFHWADDR, &request) == 0 &&
         request.ifr_hwaddr.sa_family == ARPHRD_ETHER;
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
int attach_xdp(ChannelOffload::Program& program, int ifindex) {
  const int prog = bpf_program__fd(program.xdp->progs.tern_channel_relay_xdp);
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
  FileDescriptor link(bpf_link_create(prog, ifindex, BPF_XDP, &opts));
  if (link.get() < 0) return -errno;
  // Native XDP sends a frame out only where the driver takes XDP frames: the interfaces in
  // driver mode (a frame for any other goes on to TC). A veth's frames may carry a checksum
  // left to offload, which XDP cannot tell: the program computes those whole.
  const uint32_t key = static_cast<uint32_t>(ifindex);
  const uint8_t yes = 1;
  if (bpf_map_update_elem(bpf_map__fd(program.xdp->maps.tern_xdp_egress), &key, &key, BPF_ANY) ||
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
    if (ifindex == 0 || !is_ethernet(name.c_str())) continue;
    if (int err = attach_xdp(program, ifindex); err == 0) {
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
  std::vector<std::string> names;
  std::string refused;
  if (struct if_nameindex* list = if_nameindex()) {
    for (struct if_nameindex* i = list; i->if_index != 0; ++i) {
      if (int err = program->attach(static_cast<int>(i->if_index), i->if_name); err == 0) {
        names.emplace_back(i->if_name);
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
  auto offload = std::make_unique<ChannelOffload>(std::move(program));
  const auto join = [](const std::vector<std::string>& list) {
    std::string joined;
    for (const auto& n : list) joined += (joined.empty() ? "" : ",") + n;
    return joined;
  };
  const std::vector<std::string>& straight = offload->program_->straight;
  log.info("kernel offload on: ChannelData of UDP clients relayed by TC on {}{}{}", join(names),
           straight.empty() ? "" : " (straight to the other namespace: " + join(straight) + ")",
           refused.empty() ? "" : " (refused: " + refused + ")");
  offload->attached_names_ = std::move(names);
  if (mode == OffloadMode::Xdp) start_xdp(*offload->program_, offload->attached_names_, log);
  return offload;
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
  set_ip(up.relay, r.relay);
  set_ip(up.peer, r.peer);
  up.relay_port = htons(r.relay.port);
  up.peer_port = htons(r.peer.port);
  up.deadline_ns = deadline_ns;
  up.cap = cap_of(cap.to_peer, cap, false);
  tern_to_client down{};
  set_ip(down.server, r.server);
  set_ip(down.client, r.client);
  down.server_port = htons(r.server.port);
  down.client_port = htons(r.client.port);
  down.channel = r.channel;
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

#include "server/offload/channel_offload.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "base/file_descriptor.h"
#include "server/offload/netlink.h"
#include "server/offload/offload_maps.h"
#include "server/offload/offload_program.h"

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
// On the worker's thread, once per fresh route (a refresh keeps what the maps hold) and
// once per route after the routes changed (relink): a netlink socket and two RTM_GETROUTE
// round trips into the kernel, no I/O: 13 µs each (2,000 in a row on the 2-core
// development machine, busy with builds), about what user space spends relaying a few
// datagrams, once for a channel that lives for minutes. A refresh (a deadline or cap
// change) costs the two map lookups it did before.
struct RouteLinks {
  uint32_t client = 0, peer = 0;
  // Each direction comes in on its sender's interface and goes out on its receiver's.
  tern_route_links to_peer() const { return {.in = client, .out = peer}; }
  tern_route_links to_client() const { return {.in = peer, .out = client}; }
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

}  // namespace

bool ChannelOffload::put(const OffloadRoute& r, uint64_t deadline_ns, const OffloadCap& cap,
                         bool fresh) {
  const auto& maps = program_->skel->maps;
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
    up.links = links->to_peer();
    down.links = links->to_client();
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

bool ChannelOffload::make_buckets(const OffloadCap& cap) {
  for (const tern_cap c : {cap_of(cap.to_peer, cap, false), cap_of(cap.to_client, cap, true)}) {
    if (c.bytes_per_s == 0) continue;
    tern_bucket full{};
    full.level = std::clamp<uint64_t>(c.bytes_per_s, TERN_MIN_BURST, TERN_MAX_RATE) * 1000;
    full.last_ns = monotonic_ns();
    if (bpf_map_update_elem(bpf_map__fd(program_->skel->maps.tern_buckets), &c.bucket, &full,
                            BPF_NOEXIST) &&
        errno != EEXIST) {
      return false;
    }
  }
  return true;
}

uint64_t ChannelOffload::route_generation() const {
  return program_->route_generation.load();
}

bool ChannelOffload::relink(const OffloadRoute& r) {
  const std::optional<RouteLinks> links = route_links(r);
  if (!links) return false;
  // Only this worker writes the allocation's routes (the program writes neither), so the
  // entry read here is the one written back, with the deadline and cap it had.
  const auto& maps = program_->skel->maps;
  const tern_client_key ck = client_key(r);
  const tern_peer_key pk = peer_key(r);
  tern_to_peer up{};
  tern_to_client down{};
  const tern_route_links to_peer = links->to_peer();
  const tern_route_links to_client = links->to_client();
  if (bpf_map_lookup_elem(bpf_map__fd(maps.tern_to_peer), &ck, &up) == 0 &&
      (up.links.in != to_peer.in || up.links.out != to_peer.out)) {
    up.links = to_peer;
    bpf_map_update_elem(bpf_map__fd(maps.tern_to_peer), &ck, &up, BPF_EXIST);
  }
  if (bpf_map_lookup_elem(bpf_map__fd(maps.tern_to_client), &pk, &down) == 0 &&
      (down.links.in != to_client.in || down.links.out != to_client.out)) {
    down.links = to_client;
    bpf_map_update_elem(bpf_map__fd(maps.tern_to_client), &pk, &down, BPF_EXIST);
  }
  return true;
}

void ChannelOffload::forget_buckets(const OffloadCap& cap) {
  for (const tern_cap c : {cap_of(0, cap, false), cap_of(0, cap, true)})
    bpf_map_delete_elem(bpf_map__fd(program_->skel->maps.tern_buckets), &c.bucket);
}

namespace {

// One entry of a per-CPU counter map, summed over the CPUs; 0 where it cannot be read.
uint64_t per_cpu_total(const bpf_map* map, uint32_t key, int cpus) {
  std::vector<uint64_t> per_cpu(static_cast<size_t>(cpus));
  if (bpf_map_lookup_elem(bpf_map__fd(map), &key, per_cpu.data())) return 0;
  uint64_t total = 0;
  for (uint64_t n : per_cpu) total += n;
  return total;
}

}  // namespace

// tern_stats counts what both programs relayed; tern_xdp_stats the XDP program's share,
// which it counts after the shared count on the same CPU. Read in that order's reverse, the
// share is never more than the whole: TC's is the rest.
OffloadStats ChannelOffload::stats() const {
  const Program& p = *program_;
  OffloadStats s;
  if (p.xdp) {
    s.xdp = {per_cpu_total(p.xdp->maps.tern_xdp_stats, TERN_STAT_TO_PEER, p.cpus),
             per_cpu_total(p.xdp->maps.tern_xdp_stats, TERN_STAT_TO_CLIENT, p.cpus)};
  }
  const OffloadStats::Relayed xdp = s.xdp.value_or(OffloadStats::Relayed{});
  const uint64_t to_peer = per_cpu_total(p.skel->maps.tern_stats, TERN_STAT_TO_PEER, p.cpus);
  const uint64_t to_client = per_cpu_total(p.skel->maps.tern_stats, TERN_STAT_TO_CLIENT, p.cpus);
  s.tc = {to_peer - std::min(xdp.to_peer, to_peer), to_client - std::min(xdp.to_client, to_client)};
  s.passed = per_cpu_total(p.skel->maps.tern_stats, TERN_STAT_PASSED, p.cpus);
  return s;
}

#else  // the build had no clang BPF target, libbpf or bpftool

struct OffloadProgram {};

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
bool ChannelOffload::make_buckets(const OffloadCap&) {
  return false;
}
uint64_t ChannelOffload::route_generation() const {
  return 0;
}
bool ChannelOffload::relink(const OffloadRoute&) {
  return false;
}
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

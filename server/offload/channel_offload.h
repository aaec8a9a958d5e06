#pragma once
// The kernel fast path's control plane (issue #16): loads channel_relay.bpf.c through its
// bpftool skeleton, attaches it to the TC ingress of the host's interfaces (with
// --offload=xdp also channel_relay_xdp.bpf.c, on the same maps, to their XDP hook), and
// fills and reads its maps. Shared by the workers: every method is one or a few bpf() calls, which
// the kernel serializes, so any thread may call them. Without the program (not built in,
// no privileges, no kernel support) there is no ChannelOffload and ternd relays in user
// space.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/libevent.h"
#include "base/log.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"

namespace tern {

// --offload: where the programs run. Auto and Tc: the TC program on every interface. Xdp:
// the XDP program too, ahead of it, on every Ethernet interface whose driver has XDP (TC
// relays what it passes). Auto leaves XDP out: on veths it measured slower than TC
// (bench/NOTES.md), on a NIC it is not measured here, and attaching it can reset a NIC's
// queues and takes the one XDP hook an operator's own program may want.
enum class OffloadMode { Auto, Xdp, Tc, Off };
std::optional<OffloadMode> parse_offload_mode(std::string_view text);
// Whether this build has the program (clang, libbpf and bpftool were there).
bool offload_built_in();

// One bound channel of a UDP client, both directions. Client and server are of one family,
// relay and peer of one family, which may be the other (RFC 8656 §3.3: an IPv4 client with
// an IPv6 relayed address or the other way round); the program then changes the IP header.
struct OffloadRoute {
  TransportAddress client;  // the client's address and port as the server sees them
  TransportAddress server;  // the listening address the client sends to
  TransportAddress relay;   // the relayed address (the relay socket's local address)
  TransportAddress peer;
  uint16_t channel = 0;
  friend bool operator==(const OffloadRoute&, const OffloadRoute&) = default;
};

// max-bps in the program: bytes per second each way (0: no cap), paid from buckets the
// allocation's routes share, named by its id. The buckets are sized as TokenBucket's.
inline constexpr uint64_t kOffloadMinBurst = 65535;
inline constexpr uint64_t kOffloadMaxRate = uint64_t{1} << 40;
struct OffloadCap {
  uint64_t to_peer = 0, to_client = 0;
  uint32_t worker = 0;
  uint64_t allocation = 0;
  friend bool operator==(const OffloadCap&, const OffloadCap&) = default;
};

// What the program relayed on a route since it was put in (data bytes, as user space
// counts them), and the packets it dropped over the cap.
struct OffloadTraffic {
  uint64_t packets_to_peer = 0, bytes_to_peer = 0;
  uint64_t packets_to_client = 0, bytes_to_client = 0;
  uint64_t over_cap_to_peer = 0, over_cap_to_client = 0;
};

// One channel of an allocation in the maps (Allocation::offloaded), and how much of its
// traffic is counted already. Its cap is the allocation's (Allocation::offload_cap).
struct OffloadedChannel {
  OffloadRoute route;
  int64_t deadline_ms = 0;  // steady clock, as the allocation's
  uint64_t routes = 0;      // the route generation its interfaces were asked at
  OffloadTraffic counted;
};

// The programs' own totals over all routes since ternd loaded them, counted as they relay
// (the per-channel counters reach the workers' counters only at their sweep): the packets
// each hook relayed each way, and those of a channel in the maps that went up to user space
// instead (expired, no way out learned yet).
struct OffloadStats {
  struct Relayed {
    uint64_t to_peer = 0, to_client = 0;
    friend bool operator==(const Relayed&, const Relayed&) = default;
  };
  Relayed tc;
  std::optional<Relayed> xdp;  // --offload=xdp, once its program loaded
  uint64_t passed = 0;
  friend bool operator==(const OffloadStats&, const OffloadStats&) = default;
};

// The skeleton and the attachments, where libbpf is known (offload_program.h).
struct OffloadProgram;

class ChannelOffload {
 public:
  // Off: nullptr. Otherwise loads and attaches; where that cannot be done (no privileges,
  // no kernel support, no interface takes it) logs one line and returns nullptr, so
  // ternd relays in user space. An error only for what configuration can fix: a mode
  // this build or this version cannot run.
  static Result<std::unique_ptr<ChannelOffload>, std::string> start(OffloadMode mode, Logger& log);
  // On the main thread's loop, for as long as this lives: renews the program's lease on
  // the maps once a second, and puts the programs (TC; XDP too with --offload=xdp) on
  // interfaces that appear (one log line each) and forgets those that go.
  void follow(event_base* main);
  ~ChannelOffload();
  ChannelOffload(const ChannelOffload&) = delete;
  ChannelOffload& operator=(const ChannelOffload&) = delete;

  // Installs the route or moves its deadline (CLOCK_MONOTONIC ns; after it the program
  // leaves the channel's packets to user space) or changes its cap's rates; the
  // allocation's buckets must be there (make_buckets). A fresh route asks the kernel for
  // its interfaces. False when the maps are full or the kernel has no route to the client
  // or the peer.
  bool put(const OffloadRoute& route, uint64_t deadline_ns, const OffloadCap& cap, bool fresh);
  // Makes the allocation's bucket full for each capped direction that has none: before
  // its first route goes in, and when its cap changes (a direction that had none may have
  // one now). A bucket already there keeps its level. False when the map is full.
  bool make_buckets(const OffloadCap& cap);
  // Counts the changes of routes, rules and links the main loop has seen (follow()): a
  // route put in at an older generation may lead by other interfaces now.
  uint64_t route_generation() const;
  // Asks the kernel again which interfaces lead to the route's client and peer, and
  // rewrites the route's where they changed. False where either has no route any more:
  // the caller takes the route out (remove), and user space relays the channel.
  bool relink(const OffloadRoute& route);
  // What the program relayed on the route since put() first installed it.
  OffloadTraffic traffic(const OffloadRoute& route) const;
  // Takes the route out and returns its traffic: the routes go first, so the program
  // counts nothing on it after the counters are read.
  OffloadTraffic remove(const OffloadRoute& route);
  // Takes out the allocation's buckets, once it has no route left.
  void forget_buckets(const OffloadCap& cap);
  OffloadStats stats() const;

  using Program = OffloadProgram;
  explicit ChannelOffload(std::unique_ptr<Program> program);

 private:
  std::unique_ptr<Program> program_;
};

// CLOCK_MONOTONIC in ns, the program's bpf_ktime_get_ns().
uint64_t monotonic_ns();

}  // namespace tern

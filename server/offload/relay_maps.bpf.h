/* What tern's two ChannelData relay programs share (issue #16): the TC program
 * (channel_relay.bpf.c) and the XDP program (channel_relay_xdp.bpf.c) declare the same maps
 * from here, and ternd gives the XDP object the TC object's maps before it loads
 * (bpf_map__reuse_fd), so there is one set of routes, counters and max-bps buckets
 * whichever program relays a packet. Also the small helpers both use. Included after the
 * kernel's and libbpf's headers. */
#ifndef TERN_SERVER_OFFLOAD_RELAY_MAPS_BPF_H
#define TERN_SERVER_OFFLOAD_RELAY_MAPS_BPF_H

#define MAX_CHANNELS 65536
#define MAX_DATA 2048 /* the payload buffer's size: larger datagrams go up */
#define RELAY_TTL 64
#define IP4_OFF ETH_HLEN
#define UDP4_OFF (ETH_HLEN + sizeof(struct iphdr))
#define UDP6_OFF (ETH_HLEN + sizeof(struct ipv6hdr))

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MAX_CHANNELS);
  __type(key, struct tern_client_key);
  __type(value, struct tern_to_peer);
} tern_to_peer SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MAX_CHANNELS);
  __type(key, struct tern_peer_key);
  __type(value, struct tern_to_client);
} tern_to_client SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, MAX_CHANNELS);
  __type(key, struct tern_client_key);
  __type(value, struct tern_traffic);
} tern_peer_traffic SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, MAX_CHANNELS);
  __type(key, struct tern_peer_key);
  __type(value, struct tern_traffic);
} tern_client_traffic SEC(".maps");

/* The way back to an address: the interface its packets arrive on and the link's two
 * Ethernet addresses as its last frame carried them. */
struct way_out {
  __u32 ifindex;
  __u8 their_mac[ETH_ALEN];
  __u8 our_mac[ETH_ALEN];
};

/* max-bps: each capped allocation's two buckets (tern_bucket_key.to_client). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 2 * MAX_CHANNELS);
  __type(key, struct tern_bucket_key);
  __type(value, struct tern_bucket);
} tern_buckets SEC(".maps");

/* address → its way out, learned from matched traffic only, and only from frames that came
 * in on the interface the kernel routes the address by (learn_from). */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 2 * MAX_CHANNELS);
  __type(key, __u8[16]);
  __type(value, struct way_out);
} tern_way_out SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, TERN_STAT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} tern_stats SEC(".maps");

struct packet {
  __u8 src[16];
  __u8 dst[16];
  __be16 sport;
  __be16 dport;
  __u32 udp;      /* offset of the UDP header */
  __u32 data_len; /* UDP payload bytes */
  __u8 v6;
};

static __always_inline void count(__u32 stat) {
  __u64* n = bpf_map_lookup_elem(&tern_stats, &stat);
  if (n) *n += 1;
}

static __always_inline void add_traffic(struct tern_traffic* t, __u32 bytes) {
  if (!t) return;
  t->packets += 1; /* per CPU: no atomics needed */
  t->bytes += bytes;
}

static __always_inline void count_over_cap(struct tern_traffic* t) {
  if (t) t->over_cap += 1;
}

/* max-bps, charged as user space's TokenBucket (server/core/bandwidth_limit.h) charges
 * it: a packet passes when the bucket holds its data bytes and takes them; one over the
 * budget takes nothing and is dropped. The bucket holds max(rate, TERN_MIN_BURST) bytes,
 * about a second's worth, in thousandths of a byte, and keeps its level (up to the new
 * size) when the rate changes. Where it differs: it refills from bpf_ktime_get_ns in
 * whole microseconds rather than the worker's millisecond clock; every CPU takes from it
 * under a spin lock, where user space's belongs to one thread; and it is the kernel's
 * own, made full when the allocation's first capped channel enters the maps: what user
 * space still relays for the allocation (a channel's first datagram, Send and Data
 * indications, datagrams the program leaves to it) is paid from user space's bucket, so
 * an allocation whose traffic takes both paths at once can get up to twice its cap.
 * 1: pass, 0: over the cap, -1: no bucket (user space decides). */
static __always_inline int within_cap(const struct tern_cap* cap, __u32 bytes) {
  __u64 rate = cap->bytes_per_s;
  if (!rate) return 1;
  struct tern_bucket* b = bpf_map_lookup_elem(&tern_buckets, &cap->bucket);
  if (!b) return -1;
  if (rate > TERN_MAX_RATE) rate = TERN_MAX_RATE;
  const __u64 capacity = (rate > TERN_MIN_BURST ? rate : TERN_MIN_BURST) * 1000;
  const __u64 cost = (__u64)bytes * 1000;
  const __u64 now = bpf_ktime_get_ns();
  int pass;
  bpf_spin_lock(&b->lock);
  __u64 level = b->level < capacity ? b->level : capacity;
  if (now > b->last_ns) {
    const __u64 us = (now - b->last_ns) / 1000;
    /* Past the time to fill up it is full: rate * us stays far from overflow. */
    if (us / 1000 >= (capacity - level) / rate + 1) {
      level = capacity;
    } else {
      level += rate * us / 1000;
      if (level > capacity) level = capacity;
    }
    b->last_ns += us * 1000;
  }
  pass = cost <= level;
  if (pass) level -= cost;
  b->level = level;
  bpf_spin_unlock(&b->lock);
  return pass;
}

static __always_inline void set_v4_mapped(__u8* out, const void* ip4) {
  __builtin_memset(out, 0, 10);
  out[10] = 0xff;
  out[11] = 0xff;
  __builtin_memcpy(out + 12, ip4, 4);
}

/* The frame from `data` to `end`: an Ethernet frame with IPv4 (no options, not a fragment)
 * or IPv6 (no extension headers) and UDP whose lengths agree. 0, or -1 for anything else. */
static __always_inline int parse_frame(void* data, void* end, struct packet* p) {
  struct ethhdr* eth = data;
  struct udphdr* udp;
  if ((void*)(eth + 1) > end) return -1;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr* ip = (void*)(eth + 1);
    if ((void*)(ip + 1) > end) return -1;
    if (ip->ihl != 5 || ip->protocol != IPPROTO_UDP || (ip->frag_off & bpf_htons(0x3fff)))
      return -1;
    udp = (void*)(ip + 1);
    if ((void*)(udp + 1) > end) return -1;
    if (bpf_ntohs(ip->tot_len) != sizeof(*ip) + bpf_ntohs(udp->len)) return -1;
    set_v4_mapped(p->src, &ip->saddr);
    set_v4_mapped(p->dst, &ip->daddr);
    p->udp = UDP4_OFF;
    p->v6 = 0;
  } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr* ip6 = (void*)(eth + 1);
    if ((void*)(ip6 + 1) > end) return -1;
    if (ip6->nexthdr != IPPROTO_UDP) return -1;
    udp = (void*)(ip6 + 1);
    if ((void*)(udp + 1) > end) return -1;
    if (ip6->payload_len != udp->len) return -1;
    __builtin_memcpy(p->src, &ip6->saddr, 16);
    __builtin_memcpy(p->dst, &ip6->daddr, 16);
    p->udp = UDP6_OFF;
    p->v6 = 1;
  } else {
    return -1;
  }
  if (bpf_ntohs(udp->len) < sizeof(*udp)) return -1;
  p->sport = udp->source;
  p->dport = udp->dest;
  p->data_len = bpf_ntohs(udp->len) - sizeof(*udp);
  return 0;
}

/* Notes the way back to `addr` from a matched frame that came in on `ifindex`, if that is
 * `links->in`, the interface the kernel routes `addr` by: a frame on another link with
 * that source address (spoofed: this runs before the IP layer's reverse-path filter) must
 * not steer the traffic to `addr` there. 0, or -1: not on its interface, the frame goes
 * up unchanged and nothing is learned. */
static __always_inline int learn_from(void* data, void* end, __u32 ifindex,
                                      const struct tern_route_links* links, const __u8* addr) {
  if (ifindex != links->in) return -1;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return -1;
  struct way_out seen = {.ifindex = ifindex};
  __builtin_memcpy(seen.their_mac, eth->h_source, ETH_ALEN);
  __builtin_memcpy(seen.our_mac, eth->h_dest, ETH_ALEN);
  struct way_out* known = bpf_map_lookup_elem(&tern_way_out, addr);
  if (known && known->ifindex == seen.ifindex) {
    /* The two addresses as three words: no memcmp in BPF. */
    __u32 a[3], b[3];
    __builtin_memcpy(a, known->their_mac, sizeof(a));
    __builtin_memcpy(b, seen.their_mac, sizeof(b));
    if (a[0] == b[0] && a[1] == b[1] && a[2] == b[2]) return 0;
  }
  bpf_map_update_elem(&tern_way_out, addr, &seen, BPF_ANY);
  return 0;
}

/* The learned way out to `addr` if it leads by `links->out`, the interface the kernel
 * routes `addr` by (an address may be learned from another route's frames), else NULL. */
static __always_inline struct way_out* way_out_to(const __u8* addr,
                                                  const struct tern_route_links* links) {
  struct way_out* w = bpf_map_lookup_elem(&tern_way_out, addr);
  return w && w->ifindex == links->out ? w : NULL;
}

/* A ones' complement sum, folded to 16 bits and inverted: a checksum field's value. */
static __always_inline __u16 fold(__u32 s) {
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (__u16)~s;
}

/* Whether the IPv4 header after the Ethernet header from `data` has a right checksum, as
 * ip_rcv wants it: the relayed header's is written anew (set_ip4_check) or the header
 * replaced, so a wrong one would not show. For matched packets only: the unmatched go up
 * unread. */
static __always_inline int ip4_header_intact(void* data, void* end) {
  const __u16* w = data + ETH_HLEN;
  if ((void*)(w + 10) > end) return 0;
  __u32 sum = 0;
#pragma unroll
  for (int i = 0; i < 10; i++) sum += w[i];
  return fold(sum) == 0;
}

static __always_inline void set_ip4_check(struct iphdr* ip) {
  ip->check = 0;
  __u16* w = (__u16*)ip;
  __u32 sum = 0;
#pragma unroll
  for (int i = 0; i < 10; i++) sum += w[i];
  ip->check = fold(sum);
}

/* ternd's lease on the maps: CLOCK_MONOTONIC ns until which it vouches for them, renewed
 * about once a second. A ternd that died (SIGKILL, a crash) or stopped renews nothing, and
 * where its attachment outlives it (a clsact filter: kernels without tcx links) the program
 * then relays nothing within a few seconds: every packet goes up, to whoever owns the
 * addresses now. Checked with a route's deadline, for the packets of a channel only: an
 * array's lookup, which the verifier inlines, where a clock read for every packet would
 * cost an unmatched one about half again. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} tern_lease SEC(".maps");

/* A route past its deadline, or ternd's lease past its end: user space decides. */
static __always_inline int expired(__u64 deadline_ns) {
  __u32 zero = 0;
  const __u64 now = bpf_ktime_get_ns();
  const __u64* lease = bpf_map_lookup_elem(&tern_lease, &zero);
  return now >= deadline_ns || !lease || now >= *lease;
}

/* Whether the UDP payload at `payload` (`data_len` bytes, the frame ending at `end`)
 * starts as ChannelData: RFC 8656 §12's channel numbers 0x4000 through 0x4FFF, then the
 * data's length. A peer's datagram may start with the same bits: the caller's route
 * lookup tells. */
static __always_inline int channel_data_head(const __u8* payload, const void* end, __u32 data_len,
                                             __u16* channel, __u32* len) {
  if (data_len < 4 || (const void*)(payload + 4) > end) return 0;
  *channel = ((__u16)payload[0] << 8) | payload[1];
  if (*channel < 0x4000 || *channel > 0x4fff) return 0;
  *len = ((__u32)payload[2] << 8) | payload[3];
  return 1;
}

/* The keys a packet's addresses make: a client's ChannelData on `channel`, or a peer's
 * datagram to a relayed address. */
static __always_inline void client_key_of(const struct packet* p, __u16 channel,
                                          struct tern_client_key* key) {
  __builtin_memcpy(key->client, p->src, 16);
  __builtin_memcpy(key->server, p->dst, 16);
  key->client_port = p->sport;
  key->server_port = p->dport;
  key->channel = channel;
}
static __always_inline void peer_key_of(const struct packet* p, struct tern_peer_key* key) {
  __builtin_memcpy(key->peer, p->src, 16);
  __builtin_memcpy(key->relay, p->dst, 16);
  key->peer_port = p->sport;
  key->relay_port = p->dport;
}

/* Writes the IP header at `ip` (a frame's, after its Ethernet header) for the new source
 * and destination (16 bytes each, IPv4 ones v4-mapped), the new payload size and the
 * relay's TTL, and puts the old and the new addresses into the pseudo-headers the UDP
 * checksum's update compares. 0, or -1 where the header is not whole before `end`. */
static __always_inline int rewrite_ip_header(void* ip, void* end, int v6, const __u8* src,
                                             const __u8* dst, __be16 new_udp_len,
                                             __be32* pseudo_old, __be32* pseudo_new) {
  if (v6) {
    struct ipv6hdr* ip6 = ip;
    if ((void*)(ip6 + 1) > end) return -1;
    __builtin_memcpy(pseudo_old, &ip6->saddr, 32);
    __builtin_memcpy(pseudo_new, src, 16);
    __builtin_memcpy((__u8*)pseudo_new + 16, dst, 16);
    __builtin_memcpy(&ip6->saddr, src, 16);
    __builtin_memcpy(&ip6->daddr, dst, 16);
    ip6->payload_len = new_udp_len;
    ip6->hop_limit = RELAY_TTL;
    return 0;
  }
  struct iphdr* ip4 = ip;
  if ((void*)(ip4 + 1) > end) return -1;
  pseudo_old[0] = ip4->saddr;
  pseudo_old[1] = ip4->daddr;
  __builtin_memcpy(&pseudo_new[0], src + 12, 4);
  __builtin_memcpy(&pseudo_new[1], dst + 12, 4);
  ip4->saddr = pseudo_new[0];
  ip4->daddr = pseudo_new[1];
  ip4->tot_len = bpf_htons(bpf_ntohs(new_udp_len) + sizeof(struct iphdr));
  ip4->ttl = RELAY_TTL;
  set_ip4_check(ip4);
  return 0;
}

/* A UDP header's change when the relay rewrites a datagram: the new ports, the old and new
 * lengths (the UDP header's, which the pseudo-header repeats), and the ChannelData header
 * the payload lost (`old_head`) and gained (`new_head`), 0 for none. */
struct udp_change {
  __be16 sport, dport;
  __be16 old_len, new_len;
  __be32 old_head, new_head;
};

/* Writes the UDP header's new ports and length, and the words its checksum's update
 * compares: the pseudo-headers' length (their ninth word) and the header's three, before
 * and after. */
static __always_inline void rewrite_udp_header(struct udphdr* udp, const struct udp_change* c,
                                               __be32* pseudo_old, __be32* pseudo_new,
                                               __be32* head_old, __be32* head_new) {
  pseudo_old[8] = c->old_len;
  pseudo_new[8] = c->new_len;
  head_old[1] = c->old_len;
  head_old[2] = c->old_head;
  head_new[1] = c->new_len;
  head_new[2] = c->new_head;
  __builtin_memcpy(&head_old[0], &udp->source, 4);
  udp->source = c->sport;
  udp->dest = c->dport;
  udp->len = c->new_len;
  __builtin_memcpy(&head_new[0], &udp->source, 4);
}

#endif

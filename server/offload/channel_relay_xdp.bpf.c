// SPDX-License-Identifier: GPL-2.0
/* tern's kernel fast path in XDP (issue #16, --offload=xdp): the TC program's relaying
 * (channel_relay.bpf.c) done before the kernel makes an skb, for same-family routes. Its
 * maps are the TC program's (relay_maps.bpf.h: ternd hands this object the TC object's
 * maps before it loads), so routes, deadlines, counters and max-bps buckets are one set,
 * and the rules are the TC program's: a route in the maps, ChannelData without padding,
 * before the route's deadline and ternd's lease (expired()), within its cap. Whatever it
 * does not fully handle (a route across families among it) goes on unchanged (XDP_PASS)
 * to the TC program behind it, which relays it or leaves it to ternd. The lease matters
 * less here (a BPF link takes this program off when ternd's process ends) but the rule is
 * one.
 *
 * The way out: bpf_fib_lookup, as the kernel would forward the packet (egress interface
 * and both Ethernet addresses; a next hop not resolved yet passes). The kernel answers
 * that lookup only for an interface with forwarding on; without it (a relay host's usual
 * setting), the interface and Ethernet addresses the other side's frames of the same
 * channel came in with, as the TC program learns them (only from frames on the interface
 * the kernel routes their sender by, and only to the one it routes the receiver by:
 * tern_route_links), and this program learns them too
 * (else the TC program, seeing no relayed frames, would never learn them). The frame goes
 * out with bpf_redirect_map through tern_xdp_egress, which holds only the interfaces
 * ternd attached this program to in driver mode: native XDP can transmit only there, and
 * a miss passes the frame, unchanged, to TC.
 *
 * The ChannelData header goes or comes by moving the Ethernet, IP and UDP headers 4 bytes
 * (bpf_xdp_adjust_head), not the data. Checksums: the IPv4 header's is computed anew; the
 * UDP one is updated by difference (addresses, ports, length and the 4 header bytes; the
 * data keeps its sum), except on a veth (tern_xdp_full_sum), where it is computed over the
 * whole datagram: a sender with checksum offload (a veth's default) leaves only the
 * pseudo-header's sum in the field, which the skb says and an XDP frame cannot, and
 * nothing on a veth corrupts a frame for that sum to catch. An XDP frame leaves with a
 * full checksum, which the receiver checks. */
// The kernel headers come before libbpf's, which use their types: not sorted.
// clang-format off
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
// clang-format on

#include "offload_maps.h"
#include "relay_maps.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define HEAD4 (UDP4_OFF + sizeof(struct udphdr)) /* Ethernet, IPv4 and UDP headers */
#define HEAD6 (UDP6_OFF + sizeof(struct udphdr))

char LICENSE[] SEC("license") = "GPL";

/* The interfaces an XDP frame may leave by: those ternd attached this program to in driver
 * mode. ifindex → ifindex. */
struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, __u32);
} tern_xdp_egress SEC(".maps");

/* This program's own count of what it relayed, per direction (TERN_STAT_TO_PEER,
 * TERN_STAT_TO_CLIENT), after the shared tern_stats, which count both programs' together:
 * ternd's /metrics tells the two hooks apart by it (ChannelOffload::stats). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} tern_xdp_stats SEC(".maps");

/* The interfaces whose frames get a whole new UDP checksum (veths, as the file's comment
 * says), filled by ternd at attach. ifindex → 1. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, __u8);
} tern_xdp_full_sum SEC(".maps");

/* Each interface's own Ethernet address, ifindex → address, filled by ternd at attach. XDP
 * has no packet type: a frame to another station's address (a promiscuous interface, a
 * switch flooding an address it has not learned, a failover address that moved to another
 * host) or to a group is told from this, as the TC program tells it from skb->pkt_type. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, __u8[ETH_ALEN]);
} tern_xdp_own_mac SEC(".maps");

/* Whether ip_rcv would take the matched frame as ternd's socket's: sent to the interface's
 * own Ethernet address, and with a right IPv4 header checksum (the relayed header's is
 * written anew, so a wrong one would not show). Anything else goes on, unchanged, to TC
 * and the kernel. For matched frames only: the unmatched go up unread. */
static __always_inline int as_ip_rcv_takes(struct xdp_md* ctx, const struct packet* p) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return 0;
  __u32 ifindex = ctx->ingress_ifindex;
  const __u8* own = bpf_map_lookup_elem(&tern_xdp_own_mac, &ifindex);
  if (!own) return 0;
  /* The two addresses as a word and a half-word: no memcmp in BPF. */
  __u32 a, b;
  __u16 c, d;
  __builtin_memcpy(&a, eth->h_dest, 4);
  __builtin_memcpy(&b, own, 4);
  __builtin_memcpy(&c, eth->h_dest + 4, 2);
  __builtin_memcpy(&d, own + 4, 2);
  if (a != b || c != d) return 0;
  return p->v6 || ip4_header_intact(data, end);
}

struct hop {
  __u32 ifindex;
  __u8 dmac[ETH_ALEN];
  __u8 smac[ETH_ALEN];
};

/* The way out for a packet from `src` to `dst` whose IP packet will be `l3_len` bytes
 * (`grow`: how many more than now), by `links->out` only. 0, or -1: leave the packet to
 * TC. */
static __always_inline int next_hop(struct xdp_md* ctx, const struct packet* p, const __u8* src,
                                    const __u8* dst, const struct tern_route_links* links,
                                    __u32 l3_len, int grow, struct hop* h) {
  struct bpf_fib_lookup fib = {};
  fib.ifindex = ctx->ingress_ifindex;
  fib.l4_protocol = IPPROTO_UDP;
  fib.tot_len = l3_len;
  if (p->v6) {
    fib.family = AF_INET6;
    __builtin_memcpy(fib.ipv6_src, src, 16);
    __builtin_memcpy(fib.ipv6_dst, dst, 16);
  } else {
    fib.family = AF_INET;
    __builtin_memcpy(&fib.ipv4_src, src + 12, 4);
    __builtin_memcpy(&fib.ipv4_dst, dst + 12, 4);
  }
  const long found = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
  if (found == BPF_FIB_LKUP_RET_SUCCESS) {
    if (fib.ifindex != links->out) return -1; /* the route changed since ternd asked */
    h->ifindex = fib.ifindex;
    __builtin_memcpy(h->dmac, fib.dmac, ETH_ALEN);
    __builtin_memcpy(h->smac, fib.smac, ETH_ALEN);
  } else if (found == BPF_FIB_LKUP_RET_FWD_DISABLED) {
    struct way_out* w = way_out_to(dst, links);
    if (!w) return -1;
    h->ifindex = w->ifindex;
    __builtin_memcpy(h->dmac, w->their_mac, ETH_ALEN);
    __builtin_memcpy(h->smac, w->our_mac, ETH_ALEN);
    __u32 mtu_len = 0;
    if (grow > 0 && bpf_check_mtu(ctx, h->ifindex, &mtu_len, grow, 0)) return -1;
  } else {
    return -1; /* no route, no neighbour yet, too big for the link, ... */
  }
  return bpf_map_lookup_elem(&tern_xdp_egress, &h->ifindex) ? 0 : -1;
}

/* Moves the Ethernet, IP and UDP headers `by` bytes later (4: the ChannelData header
 * goes) or earlier (-4: room for one), the frame's start with them. */
static __always_inline int move_headers(struct xdp_md* ctx, const struct packet* p, int by) {
  __u8 head[HEAD6];
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  if (p->v6) {
    if (data + HEAD6 > end) return -1;
    __builtin_memcpy(head, data, HEAD6);
  } else {
    if (data + HEAD4 > end) return -1;
    __builtin_memcpy(head, data, HEAD4);
  }
  if (bpf_xdp_adjust_head(ctx, by)) return -1;
  data = (void*)(long)ctx->data;
  end = (void*)(long)ctx->data_end;
  if (p->v6) {
    if (data + HEAD6 > end) return -1;
    __builtin_memcpy(data, head, HEAD6);
  } else {
    if (data + HEAD4 > end) return -1;
    __builtin_memcpy(data, head, HEAD4);
  }
  return 0;
}

/* The UDP checksum `check` after adding two differences (bpf_csum_diff's). */
static __always_inline __u16 udp_check(__u16 check, __u32 a, __u32 b) {
  __u64 s = (__u16)~check;
  s += a;
  s += b;
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffffffff) + (s >> 32);
  const __u16 sum = fold((__u32)s);
  return sum ? sum : 0xffff; /* 0 says "no checksum" */
}

/* The ones' complement sum of `len` bytes of the frame from `off` (even) on, added to
 * `sum`: in pieces of constant size, which the verifier can bound, up to 4 × 512 + 511. */
static __always_inline __s64 sum_bytes(struct xdp_md* ctx, __u32 off, __u32 len, __s64 sum) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  __u32 done = 0;
  for (int i = 0; i < 4 && len - done >= 512; i++) {
    void* at = data + (off & 127) + (done & 2047);
    if (at + 512 > end) return -1;
    sum = bpf_csum_diff(0, 0, at, 512, (__u32)sum);
    done += 512;
  }
#pragma unroll
  for (__u32 size = 256; size >= 4; size /= 2) {
    if (len - done >= size) {
      void* at = data + (off & 127) + (done & 4095);
      if (at + size > end) return -1;
      sum = bpf_csum_diff(0, 0, at, size, (__u32)sum);
      done += size;
    }
  }
  if (len - done >= 4) return -1;
  __u8 tail[4] = {};
  __u8* at = data + (off & 127) + (done & 4095);
#pragma unroll
  for (int i = 0; i < 3; i++) {
    if (done + i < len) {
      if ((void*)(at + i + 1) > end) return -1;
      tail[i] = at[i];
    }
  }
  return bpf_csum_diff(0, 0, (__be32*)tail, 4, (__u32)sum);
}

/* The UDP checksum of the rewritten frame, computed whole: the pseudo-header (addresses,
 * protocol, length), the UDP header and the data. */
static __always_inline int full_udp_check(struct xdp_md* ctx, const struct packet* p,
                                          struct udphdr* udp, const __u8* src, const __u8* dst,
                                          __u32 new_data_len) {
  __be32 pseudo[9] = {};
  __builtin_memcpy(pseudo, src, 16);
  __builtin_memcpy(pseudo + 4, dst, 16);
  pseudo[8] = bpf_htonl(IPPROTO_UDP);
  udp->check = 0;
  __be32 length = udp->len; /* the pseudo-header's length, in the low word's place */
  __s64 sum = bpf_csum_diff(0, 0, pseudo, sizeof(pseudo), 0);
  if (sum < 0) return -1;
  sum = bpf_csum_diff(0, 0, &length, 4, (__u32)sum);
  if (sum < 0) return -1;
  sum = sum_bytes(ctx, p->udp, sizeof(struct udphdr) + new_data_len, sum);
  if (sum < 0) return -1;
  void* end = (void*)(long)ctx->data_end;
  if ((void*)(udp + 1) > end) return -1;
  const __u16 check = fold((__u32)sum);
  udp->check = check ? check : 0xffff;
  return 0;
}

/* Rewrites the frame at its new size for the new addresses, ports and Ethernet addresses,
 * the checksums as the file's comment says. `old_head` is the ChannelData header the data
 * lost, `new_head` the one it gained (0 for none). */
static __always_inline int rewrite(struct xdp_md* ctx, const struct packet* p, const struct hop* h,
                                   const __u8* src, const __u8* dst, __be16 sport, __be16 dport,
                                   __u32 new_data_len, __be32 old_head, __be32 new_head) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return -1;
  __builtin_memcpy(eth->h_dest, h->dmac, ETH_ALEN);
  __builtin_memcpy(eth->h_source, h->smac, ETH_ALEN);
  __be16 old_udp_len = bpf_htons(p->data_len + sizeof(struct udphdr));
  __be16 new_udp_len = bpf_htons(new_data_len + sizeof(struct udphdr));
  __be32 pseudo_old[9] = {}, pseudo_new[9] = {};
  if (rewrite_ip_header(data + ETH_HLEN, end, p->v6, src, dst, new_udp_len, pseudo_old, pseudo_new))
    return -1;
  struct udphdr* udp = data + ETH_HLEN + (p->v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr));
  if ((void*)(udp + 1) > end) return -1;
  const struct udp_change c = {sport, dport, old_udp_len, new_udp_len, old_head, new_head};
  __be32 head_old[3], head_new[3];
  rewrite_udp_header(udp, &c, pseudo_old, pseudo_new, head_old, head_new);
  const __u32 in = ctx->ingress_ifindex;
  if (bpf_map_lookup_elem(&tern_xdp_full_sum, &in))
    return full_udp_check(ctx, p, udp, src, dst, new_data_len);
  /* Over IPv4 a sender may send none (0): there is none to update. */
  if (!p->v6 && udp->check == 0) return 0;
  __s64 pseudo = bpf_csum_diff(pseudo_old, sizeof(pseudo_old), pseudo_new, sizeof(pseudo_new), 0);
  __s64 header = bpf_csum_diff(head_old, sizeof(head_old), head_new, sizeof(head_new), 0);
  if (pseudo < 0 || header < 0) return -1;
  udp->check = udp_check(udp->check, (__u32)pseudo, (__u32)header);
  return 0;
}

/* Cuts the frame to the IP packet's length: a short frame's Ethernet padding goes. */
static __always_inline int trim(struct xdp_md* ctx, const struct packet* p) {
  const long extra =
      (long)ctx->data_end - (long)ctx->data - (long)(p->udp + sizeof(struct udphdr) + p->data_len);
  if (extra < 0) return -1; /* shorter than its headers say */
  if (extra > 0 && bpf_xdp_adjust_tail(ctx, (int)-extra)) return -1;
  return 0;
}

static __always_inline void count_xdp(__u32 stat) {
  count(stat);
  __u64* n = bpf_map_lookup_elem(&tern_xdp_stats, &stat);
  if (n) *n += 1;
}

/* RFC 8656 §12.4-12.5: ChannelData from the client; the data goes to the peer. */
/* Not inlined, as to_client: each has its own stack frame. */
static __noinline int to_peer(struct xdp_md* ctx, struct packet* p, __u16 channel, __u32 len) {
  struct tern_client_key key = {};
  client_key_of(p, channel, &key);
  struct tern_to_peer* route = bpf_map_lookup_elem(&tern_to_peer, &key);
  if (!route) return XDP_PASS;
  /* The TC program's rules, in its order. What this program passes is the TC program's
   * to relay or to leave to user space (and count as passed). */
  if (p->data_len != 4 + len || len > MAX_DATA) return XDP_PASS;
  if (expired(route->deadline_ns)) return XDP_PASS;
  if (!as_ip_rcv_takes(ctx, p)) return XDP_PASS;
  /* The route as the map holds it: a copy would not fit the stack. */
  const struct tern_to_peer* r = route;
  if (learn_from((void*)(long)ctx->data, (void*)(long)ctx->data_end, ctx->ingress_ifindex,
                 &r->links, p->src))
    return XDP_PASS;
  if (r->peer_v6 != p->v6) return XDP_PASS; /* across families: TC's */
  struct hop h;
  const __u32 l3_len =
      (p->v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) + sizeof(struct udphdr) + len;
  if (next_hop(ctx, p, r->relay, r->peer, &r->links, l3_len, -4, &h)) return XDP_PASS;
  if (trim(ctx, p)) return XDP_PASS;
  const int paid = within_cap(&r->cap, len);
  if (paid < 0) return XDP_PASS;
  if (!paid) return count_over_cap(bpf_map_lookup_elem(&tern_peer_traffic, &key)), XDP_DROP;

  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  __be32 head;
  if (data + (p->udp & 127) + sizeof(struct udphdr) + 4 > end) return XDP_PASS;
  __builtin_memcpy(&head, data + (p->udp & 127) + sizeof(struct udphdr), 4);
  /* From here on the frame is changed: a failure drops it rather than pass it broken. */
  if (move_headers(ctx, p, 4)) return XDP_DROP;
  if (rewrite(ctx, p, &h, r->relay, r->peer, r->relay_port, r->peer_port, len, head, 0))
    return XDP_DROP;
  add_traffic(bpf_map_lookup_elem(&tern_peer_traffic, &key), len);
  count_xdp(TERN_STAT_TO_PEER);
  return bpf_redirect_map(&tern_xdp_egress, h.ifindex, XDP_DROP);
}

/* RFC 8656 §11.3, §12.6: a peer's datagram on a channel, to the client as ChannelData. */
static __noinline int to_client(struct xdp_md* ctx, struct packet* p) {
  struct tern_peer_key key = {};
  peer_key_of(p, &key);
  struct tern_to_client* route = bpf_map_lookup_elem(&tern_to_client, &key);
  if (!route) return XDP_PASS;
  __u32 len = p->data_len;
  if (len > MAX_DATA) return XDP_PASS;
  if (expired(route->deadline_ns)) return XDP_PASS;
  if (!as_ip_rcv_takes(ctx, p)) return XDP_PASS;
  const struct tern_to_client* r = route;
  if (learn_from((void*)(long)ctx->data, (void*)(long)ctx->data_end, ctx->ingress_ifindex,
                 &r->links, p->src))
    return XDP_PASS;
  if (r->client_v6 != p->v6) return XDP_PASS; /* across families: TC's */
  struct hop h;
  const __u32 l3_len =
      (p->v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) + sizeof(struct udphdr) + 4 + len;
  if (next_hop(ctx, p, r->server, r->client, &r->links, l3_len, 4, &h)) return XDP_PASS;
  if (trim(ctx, p)) return XDP_PASS;
  const int paid = within_cap(&r->cap, len);
  if (paid < 0) return XDP_PASS;
  if (!paid) return count_over_cap(bpf_map_lookup_elem(&tern_client_traffic, &key)), XDP_DROP;

  if (move_headers(ctx, p, -4)) return XDP_DROP;
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  __u8* head = data + (p->udp & 127) + sizeof(struct udphdr);
  if ((void*)(head + 4) > end) return XDP_DROP;
  __be16 fields[2] = {bpf_htons(r->channel), bpf_htons(len)};
  __builtin_memcpy(head, fields, 4);
  __be32 new_head;
  __builtin_memcpy(&new_head, fields, 4);
  if (rewrite(ctx, p, &h, r->server, r->client, r->server_port, r->client_port, len + 4, 0,
              new_head))
    return XDP_DROP;
  add_traffic(bpf_map_lookup_elem(&tern_client_traffic, &key), len);
  count_xdp(TERN_STAT_TO_CLIENT);
  return bpf_redirect_map(&tern_xdp_egress, h.ifindex, XDP_DROP);
}

SEC("xdp")
int tern_channel_relay_xdp(struct xdp_md* ctx) {
  struct packet p = {};
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  if (parse_frame(data, end, &p)) return XDP_PASS;
  __u8* payload = data + (p.udp & 127) + sizeof(struct udphdr);
  __u16 channel = 0;
  __u32 len = 0;
  if (channel_data_head(payload, end, p.data_len, &channel, &len)) {
    int verdict = to_peer(ctx, &p, channel, len);
    if (verdict != XDP_PASS) return verdict;
    /* Not a client's channel: a peer's datagram may start with the same bits. */
  }
  return to_client(ctx, &p);
}

// SPDX-License-Identifier: GPL-2.0
/* tern's kernel fast path (issue #16): a TC ingress program that relays ChannelData from
 * UDP clients to peers and peers' datagrams to clients as ChannelData, for the channels
 * ternd put into the maps, within the allocation's max-bps. Every packet it does not fully
 * handle (STUN, Data/Send indications, unknown channels, padded ChannelData, expired
 * entries, frames to another station's Ethernet address, datagrams shorter than their
 * headers say, IPv4 headers with a wrong checksum, IP options or extension headers, GRO
 * super-packets, a way out not learned yet, a frame too large for the way out once
 * relayed, a datagram without a UDP checksum to take into the other family) goes on
 * unchanged: TC_ACT_UNSPEC, so that the filters after this one (another ternd's, say)
 * still run.
 *
 * The way out: the interface the other side's traffic of the same channel came in on
 * (learned here), if it is the one the kernel routes that side's address by, which ternd
 * looked up when it put the route in; a packet relayed only from the interface the kernel
 * routes its sender by (tern_route_links): one with a spoofed source on another link goes
 * up, where the kernel's reverse-path filter and ternd's routing see it. On a veth whose
 * other end is in another network namespace, the frame goes straight to that end
 * (bpf_redirect_peer); elsewhere bpf_redirect_neigh routes and resolves the next hop
 * itself, so the host needs no IP forwarding. Checksums are updated incrementally through
 * the helpers, which keep both full checksums and CHECKSUM_PARTIAL (the pseudo-header sum
 * of locally made or veth packets) right; the payload moves by 4 bytes, an even count, so
 * its own sum does not change.
 *
 * Across families (RFC 8656 §3.3, a dual-stack allocation: an IPv4 client with an IPv6
 * relayed address or the other way round) the family the route gives its far end
 * differs from the packet's: the IP header is then replaced whole (bpf_skb_change_proto)
 * and the UDP checksum updated by the difference of the two pseudo-headers. That is a
 * branch on the route to functions of their own; the same-family paths do nothing more.
 * GPL: bpf_redirect_neigh and bpf_check_mtu require it. */
// The kernel headers come before libbpf's, which use their types: not sorted.
// clang-format off
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
// clang-format on

#include "offload_maps.h"
#include "relay_maps.bpf.h"

#define IP_DF 0x4000
/* IPv6's header is 20 bytes longer than IPv4's (without options, as the program takes). */
#define IP6_GROWTH ((__s32)(sizeof(struct ipv6hdr) - sizeof(struct iphdr)))

char LICENSE[] SEC("license") = "GPL";

/* The interfaces ternd found to be veths whose other end is in another network namespace
 * (a container's or a namespace's link): there bpf_redirect_peer hands a frame straight to
 * the other end's receive path, without the backlog queue a transmit goes through, which
 * is most of what a relayed packet costs on such a link. ifindex → 1, filled at attach. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, __u8);
} tern_peer_links SEC(".maps");

static __always_inline int parse(struct __sk_buff* skb, struct packet* p) {
  if (parse_frame((void*)(long)skb->data, (void*)(long)skb->data_end, p)) return -1;
  /* The whole datagram in the frame, as ip_rcv wants it: relaying one its headers make
   * longer would grow it with zeros to what they claim. */
  return p->udp + sizeof(struct udphdr) + p->data_len > skb->len ? -1 : 0;
}

static __always_inline int learn(struct __sk_buff* skb, const struct tern_route_links* links,
                                 const __u8* addr) {
  return learn_from((void*)(long)skb->data, (void*)(long)skb->data_end, skb->ingress_ifindex, links,
                    addr);
}

/* Out through `w`: to the other end of a namespace's veth directly, else routed by the
 * kernel (bpf_redirect_neigh resolves the next hop itself, so the host needs no IP
 * forwarding). */
static __always_inline int send_out(struct __sk_buff* skb, const struct way_out* w) {
  if (!bpf_map_lookup_elem(&tern_peer_links, &w->ifindex))
    return bpf_redirect_neigh(w->ifindex, NULL, 0, 0);
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return TC_ACT_SHOT;
  __builtin_memcpy(eth->h_dest, w->their_mac, ETH_ALEN);
  __builtin_memcpy(eth->h_source, w->our_mac, ETH_ALEN);
  return bpf_redirect_peer(w->ifindex, 0);
}

/* The UDP header at `udp_off` for the new ports and length, its checksum updated by two
 * differences: the pseudo-headers' (nine words each: the addresses, IPv4's two zero
 * padded or IPv6's eight, then the UDP length, put in here) and the header's, with the
 * ChannelData header `old_head` the payload lost and `new_head` one it gained (0 for
 * none). */
static __always_inline int rewrite_udp(struct __sk_buff* skb, __u32 udp_off, __be32* pseudo_old,
                                       __be32* pseudo_new, __be16 old_udp_len, __be16 new_udp_len,
                                       __be16 sport, __be16 dport, __be32 old_head,
                                       __be32 new_head) {
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  struct udphdr* udp = data + (udp_off & 127);
  if ((void*)(udp + 1) > end) return -1;
  const struct udp_change c = {sport, dport, old_udp_len, new_udp_len, old_head, new_head};
  __be32 head_old[3], head_new[3];
  rewrite_udp_header(udp, &c, pseudo_old, pseudo_new, head_old, head_new);

  __s64 pseudo = bpf_csum_diff(pseudo_old, 9 * 4, pseudo_new, 9 * 4, 0);
  __s64 header = bpf_csum_diff(head_old, sizeof(head_old), head_new, sizeof(head_new), 0);
  if (pseudo < 0 || header < 0) return -1;
  const __u32 csum_off = udp_off + offsetof(struct udphdr, check);
  if (bpf_l4_csum_replace(skb, csum_off, 0, pseudo, BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0))
    return -1;
  if (bpf_l4_csum_replace(skb, csum_off, 0, header, BPF_F_MARK_MANGLED_0)) return -1;
  return 0;
}

/* Rewrites the IP and UDP headers for the new addresses, ports and payload size, the
 * checksums updated by difference. `old_head` is a ChannelData header the payload lost,
 * `new_head` one it gained (0 for none). */
static __always_inline int rewrite(struct __sk_buff* skb, const struct packet* p, const __u8* src,
                                   const __u8* dst, __be16 sport, __be16 dport, __u32 new_data_len,
                                   __be32 old_head, __be32 new_head) {
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  __be16 new_udp_len = bpf_htons(new_data_len + sizeof(struct udphdr));
  __be32 pseudo_old[9] = {}, pseudo_new[9] = {};
  if (rewrite_ip_header(data + ETH_HLEN, end, p->v6, src, dst, new_udp_len, pseudo_old, pseudo_new))
    return -1;
  return rewrite_udp(skb, p->udp, pseudo_old, pseudo_new,
                     bpf_htons(p->data_len + sizeof(struct udphdr)), new_udp_len, sport, dport,
                     old_head, new_head);
}

/* Whether the packet may leave in the other family through `ifindex`, `len_diff` bytes
 * longer or shorter before its IP header changes: not where it would then exceed the
 * link's MTU (an IPv6 header is 20 bytes more; user space sends it, fragmented, or
 * refuses it as it does any datagram), and not without a UDP checksum to update (IPv4's
 * optional 0, which IPv6 forbids; user space's socket makes one). */
static __noinline int may_cross(struct __sk_buff* skb, const struct packet* p, __u32 ifindex,
                                __s32 len_diff) {
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  struct udphdr* udp = data + (p->udp & 127);
  if ((void*)(udp + 1) > end || !udp->check) return 0;
  __u32 mtu_len = 0;
  len_diff += p->v6 ? -IP6_GROWTH : IP6_GROWTH;
  return bpf_check_mtu(skb, ifindex, &mtu_len, len_diff, 0) == BPF_MTU_CHK_RET_SUCCESS;
}

/* rewrite's arguments for rewrite_across (a BPF call takes at most five). */
struct rewrite_to {
  __u8 src[16];
  __u8 dst[16];
  __be16 sport;
  __be16 dport;
  __u32 data_len;  /* the new UDP payload's */
  __be32 old_head; /* the ChannelData header the payload lost, or 0 */
  __be32 new_head; /* the one it gained, or 0 */
};

/* As rewrite, into the other family: the IP header is replaced whole, as this host writes
 * its own (no options, TTL or hop limit 64, an IPv4 datagram with DF and ID 0 as Linux
 * sends an unconnected socket's), keeping the DSCP and ECN byte as rewrite keeps it. The
 * two pseudo-headers' sums differ only in the addresses (protocol and UDP length are
 * there in both), so the UDP checksum is updated by their difference as in rewrite.
 * Out of line, as may_cross is: inlined, the two slowed the same-family paths' code
 * around them (bench/experiments/offload_prog_run.py measures it). */
static __noinline int rewrite_across(struct __sk_buff* skb, const struct packet* p,
                                     const struct rewrite_to* to) {
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  const __u8* src = to->src;
  const __u8* dst = to->dst;
  const __u32 new_data_len = to->data_len;
  __be16 new_udp_len = bpf_htons(new_data_len + sizeof(struct udphdr));
  __be32 pseudo_old[9] = {}, pseudo_new[9] = {};
  __u8 tos;
  if (p->v6) {
    struct ipv6hdr* ip6 = data + ETH_HLEN;
    if ((void*)(ip6 + 1) > end) return -1;
    tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
    __builtin_memcpy(pseudo_old, p->src, 16);
    __builtin_memcpy((__u8*)pseudo_old + 16, p->dst, 16);
    __builtin_memcpy(&pseudo_new[0], src + 12, 4);
    __builtin_memcpy(&pseudo_new[1], dst + 12, 4);
  } else {
    struct iphdr* ip = data + ETH_HLEN;
    if ((void*)(ip + 1) > end) return -1;
    tos = ip->tos;
    __builtin_memcpy(&pseudo_old[0], p->src + 12, 4);
    __builtin_memcpy(&pseudo_old[1], p->dst + 12, 4);
    __builtin_memcpy(pseudo_new, src, 16);
    __builtin_memcpy((__u8*)pseudo_new + 16, dst, 16);
  }
  /* Room for the new header after the Ethernet header, or 20 bytes of the old one gone:
   * the UDP datagram stays where it is in the buffer. */
  const __be16 proto = bpf_htons(p->v6 ? ETH_P_IP : ETH_P_IPV6);
  if (bpf_skb_change_proto(skb, proto, 0)) return -1;
  data = (void*)(long)skb->data;
  end = (void*)(long)skb->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) return -1;
  eth->h_proto = proto;
  __u32 udp_off;
  if (p->v6) {
    struct iphdr* ip = data + ETH_HLEN;
    if ((void*)(ip + 1) > end) return -1;
    const struct iphdr h = {
        .version = 4,
        .ihl = 5,
        .tos = tos,
        .tot_len = bpf_htons(new_data_len + sizeof(struct udphdr) + sizeof(struct iphdr)),
        .frag_off = bpf_htons(IP_DF),
        .ttl = RELAY_TTL,
        .protocol = IPPROTO_UDP,
        .saddr = pseudo_new[0],
        .daddr = pseudo_new[1],
    };
    __builtin_memcpy(ip, &h, sizeof(h));
    set_ip4_check(ip);
    udp_off = UDP4_OFF;
  } else {
    struct ipv6hdr* ip6 = data + ETH_HLEN;
    if ((void*)(ip6 + 1) > end) return -1;
    const __be32 first = bpf_htonl(6u << 28 | (__u32)tos << 20); /* version, class, no flow */
    __builtin_memcpy(ip6, &first, 4);
    ip6->payload_len = new_udp_len;
    ip6->nexthdr = IPPROTO_UDP;
    ip6->hop_limit = RELAY_TTL;
    __builtin_memcpy(&ip6->saddr, src, 16);
    __builtin_memcpy(&ip6->daddr, dst, 16);
    udp_off = UDP6_OFF;
  }
  return rewrite_udp(skb, udp_off, pseudo_old, pseudo_new,
                     bpf_htons(p->data_len + sizeof(struct udphdr)), new_udp_len, to->sport,
                     to->dport, to->old_head, to->new_head);
}

/* The payload moves through this per-CPU buffer in two helper calls, which copy with
 * memcpy: a loop over the packet's words costs instructions in proportion to the datagram
 * (about 300 loads and stores for 1200 bytes), and the stack is too small for a datagram. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u8[MAX_DATA]);
} tern_scratch SEC(".maps");

/* Moves `len` payload bytes from `from` to `to`, an overlapping move by 4 bytes. */
static __always_inline int move_payload(struct __sk_buff* skb, __u32 from, __u32 to, __u32 len) {
  if (len == 0) return 0;
  __u32 zero = 0;
  __u8* buf = bpf_map_lookup_elem(&tern_scratch, &zero);
  if (!buf) return -1;
  asm volatile("" : "+r"(len)); /* keep the bound below: the verifier needs it */
  if (len < 1 || len > MAX_DATA) return -1;
  if (bpf_skb_load_bytes(skb, from, buf, len)) return -1;
  return bpf_skb_store_bytes(skb, to, buf, len, 0) ? -1 : 0;
}

static __always_inline void pass_matched(void) {
  count(TERN_STAT_PASSED);
}

/* RFC 8656 §12.4-12.5: ChannelData from the client; the data goes to the peer. */
static __always_inline int to_peer(struct __sk_buff* skb, struct packet* p, __u16 channel,
                                   __u32 len) {
  struct tern_client_key key = {};
  client_key_of(p, channel, &key);
  struct tern_to_peer* route = bpf_map_lookup_elem(&tern_to_peer, &key);
  if (!route) return TC_ACT_UNSPEC;
  /* Over UDP the padding may be there or not; relaying it exactly is left to user space. */
  if (p->data_len != 4 + len || len > MAX_DATA) return pass_matched(), TC_ACT_UNSPEC;
  if (expired(route->deadline_ns)) return pass_matched(), TC_ACT_UNSPEC;
  if (!p->v6 && !ip4_header_intact((void*)(long)skb->data, (void*)(long)skb->data_end))
    return pass_matched(), TC_ACT_UNSPEC;
  if (learn(skb, &route->links, p->src)) return pass_matched(), TC_ACT_UNSPEC;
  struct way_out* out = way_out_to(route->peer, &route->links);
  if (!out) return pass_matched(), TC_ACT_UNSPEC;
  struct way_out w = *out;
  struct tern_to_peer r = *route;
  const int across = r.peer_v6 != p->v6;
  if (across && !may_cross(skb, p, w.ifindex, -4)) return pass_matched(), TC_ACT_UNSPEC;
  const int paid = within_cap(&r.cap, len);
  if (paid < 0) return pass_matched(), TC_ACT_UNSPEC;
  if (!paid) return count_over_cap(bpf_map_lookup_elem(&tern_peer_traffic, &key)), TC_ACT_SHOT;

  /* Only the headers need to be in the linear part: the payload moves through helpers. */
  if (bpf_skb_pull_data(skb, p->udp + sizeof(struct udphdr) + 4)) return TC_ACT_UNSPEC;
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  __be32 head;
  if (data + (p->udp & 127) + sizeof(struct udphdr) + 4 > end) return TC_ACT_UNSPEC;
  __builtin_memcpy(&head, data + (p->udp & 127) + sizeof(struct udphdr), 4);
  /* From here on the packet is changed: a failure drops it rather than pass it broken.
   * The header leaves the UDP sum; the data keeps its sum, moved by an even count. */
  __u32 payload = p->udp + sizeof(struct udphdr);
  if (move_payload(skb, payload + 4, payload, len)) return TC_ACT_SHOT;
  if (bpf_skb_change_tail(skb, p->udp + sizeof(struct udphdr) + len, 0)) return TC_ACT_SHOT;
  if (across) {
    struct rewrite_to to = {
        .sport = r.relay_port, .dport = r.peer_port, .data_len = len, .old_head = head};
    __builtin_memcpy(to.src, r.relay, 16);
    __builtin_memcpy(to.dst, r.peer, 16);
    if (rewrite_across(skb, p, &to)) return TC_ACT_SHOT;
  } else if (rewrite(skb, p, r.relay, r.peer, r.relay_port, r.peer_port, len, head, 0)) {
    return TC_ACT_SHOT;
  }
  add_traffic(bpf_map_lookup_elem(&tern_peer_traffic, &key), len);
  count(TERN_STAT_TO_PEER);
  return send_out(skb, &w);
}

/* RFC 8656 §11.3, §12.6: a peer's datagram on a channel, to the client as ChannelData. */
static __always_inline int to_client(struct __sk_buff* skb, struct packet* p) {
  struct tern_peer_key key = {};
  peer_key_of(p, &key);
  struct tern_to_client* route = bpf_map_lookup_elem(&tern_to_client, &key);
  if (!route) return TC_ACT_UNSPEC;
  __u32 len = p->data_len;
  if (len > MAX_DATA) return pass_matched(), TC_ACT_UNSPEC;
  if (expired(route->deadline_ns)) return pass_matched(), TC_ACT_UNSPEC;
  if (!p->v6 && !ip4_header_intact((void*)(long)skb->data, (void*)(long)skb->data_end))
    return pass_matched(), TC_ACT_UNSPEC;
  if (learn(skb, &route->links, p->src)) return pass_matched(), TC_ACT_UNSPEC;
  struct way_out* out = way_out_to(route->client, &route->links);
  if (!out) return pass_matched(), TC_ACT_UNSPEC;
  struct way_out w = *out;
  struct tern_to_client r = *route;
  const int across = r.client_v6 != p->v6;
  __u32 mtu_len = 0;
  if (across ? !may_cross(skb, p, w.ifindex, 4) : bpf_check_mtu(skb, w.ifindex, &mtu_len, 4, 0))
    return pass_matched(), TC_ACT_UNSPEC;
  const int paid = within_cap(&r.cap, len);
  if (paid < 0) return pass_matched(), TC_ACT_UNSPEC;
  if (!paid) return count_over_cap(bpf_map_lookup_elem(&tern_client_traffic, &key)), TC_ACT_SHOT;

  /* The length from the headers: a short frame's Ethernet padding goes. */
  if (bpf_skb_change_tail(skb, p->udp + sizeof(struct udphdr) + len + 4, 0)) return TC_ACT_UNSPEC;
  __u32 payload = p->udp + sizeof(struct udphdr);
  if (move_payload(skb, payload, payload + 4, len)) return TC_ACT_SHOT;
  if (bpf_skb_pull_data(skb, p->udp + sizeof(struct udphdr) + 4)) return TC_ACT_SHOT;
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  __u8* head = data + (p->udp & 127) + sizeof(struct udphdr);
  if ((void*)(head + 4) > end) return TC_ACT_SHOT;
  __be16 fields[2] = {bpf_htons(r.channel), bpf_htons(len)};
  __builtin_memcpy(head, fields, 4);
  __be32 new_head;
  __builtin_memcpy(&new_head, fields, 4);
  if (across) {
    struct rewrite_to to = {
        .sport = r.server_port, .dport = r.client_port, .data_len = len + 4, .new_head = new_head};
    __builtin_memcpy(to.src, r.server, 16);
    __builtin_memcpy(to.dst, r.client, 16);
    if (rewrite_across(skb, p, &to)) return TC_ACT_SHOT;
  } else if (rewrite(skb, p, r.server, r.client, r.server_port, r.client_port, len + 4, 0,
                     new_head)) {
    return TC_ACT_SHOT;
  }
  add_traffic(bpf_map_lookup_elem(&tern_client_traffic, &key), len);
  count(TERN_STAT_TO_CLIENT);
  return send_out(skb, &w);
}

SEC("tc")
int tern_channel_relay(struct __sk_buff* skb) {
  struct packet p = {};
  if (skb->gso_size) return TC_ACT_UNSPEC; /* a GRO super-packet: many datagrams */
  /* A frame to another station's Ethernet address (a promiscuous interface, a switch
   * flooding, an address that moved to another host) or to a group: ip_rcv drops the
   * first and ternd's socket would not see it, so neither relays it. */
  if (skb->pkt_type != PACKET_HOST) return TC_ACT_UNSPEC;
  if (parse(skb, &p)) return TC_ACT_UNSPEC;
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  __u8* payload = data + p.udp + sizeof(struct udphdr);
  __u16 channel = 0;
  __u32 len = 0;
  if (channel_data_head(payload, end, p.data_len, &channel, &len)) {
    int verdict = to_peer(skb, &p, channel, len);
    if (verdict != TC_ACT_UNSPEC) return verdict;
    /* Not a client's channel: a peer's datagram may start with the same bits. */
  }
  return to_client(skb, &p);
}

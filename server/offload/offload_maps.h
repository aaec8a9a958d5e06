/* The maps the ChannelData relay program (channel_relay.bpf.c) and ternd share. C, so that
 * both the BPF program and the C++ control plane include it. Addresses are 16 bytes,
 * IPv4 as ::ffff:a.b.c.d; client and server may be of one family, relay and peer of the
 * other. Ports in network byte order, as the packet carries them. */
#ifndef TERN_SERVER_OFFLOAD_OFFLOAD_MAPS_H
#define TERN_SERVER_OFFLOAD_OFFLOAD_MAPS_H

#include <linux/bpf.h> /* struct bpf_spin_lock */
#include <linux/types.h>

/* A client's ChannelData: its 5-tuple at the server and the channel number. */
struct tern_client_key {
  __u8 client[16];
  __u8 server[16];
  __be16 client_port;
  __be16 server_port;
  __u16 channel; /* host order */
  __u16 pad;
};

/* max-bps: the allocation's bucket for one direction, which all its channels share. */
struct tern_bucket_key {
  __u64 allocation; /* its id's sequence... */
  __u32 worker;     /* ...and worker */
  __u32 to_client;  /* 0: client → peer, 1: peer → client */
};

/* A route's cap: bytes per second (0: none) and which bucket pays. The rate lives in the
 * route, which ternd writes, and the level in the bucket, which the program writes: a
 * rate change never resets what the bucket holds. */
struct tern_cap {
  __u64 bytes_per_s;
  struct tern_bucket_key bucket;
};

/* The bucket holds at least this many bytes (TokenBucket::kMinBurst): the largest
 * datagram passes a cap below it. Higher rates are this one (TokenBucket::kMaxRate). */
#define TERN_MIN_BURST 65535
#define TERN_MAX_RATE (1ull << 40)

/* A bucket's state, in thousandths of a byte as TokenBucket's; under the lock, since
 * every CPU takes from it. */
struct tern_bucket {
  struct bpf_spin_lock lock;
  __u32 pad;
  __u64 level;
  __u64 last_ns;
};

/* The interfaces the kernel routes a direction's two ends by (ternd asks it, RTM_GETROUTE
 * from the server or relayed address, when it first puts a route in): `in`, the sender's,
 * the only one its packets are relayed from and a way out learned from; `out`, the
 * receiver's, the only one they leave by. A packet with the sender's address on another
 * link (spoofed, or routed asymmetrically) goes up, as user space routes by the kernel's
 * table and not by the last packet. */
struct tern_route_links {
  __u32 in;
  __u32 out;
};

/* Where the data goes: from the relayed address to the peer. */
struct tern_to_peer {
  __u8 relay[16];
  __u8 peer[16];
  __be16 relay_port;
  __be16 peer_port;
  __u8 peer_v6; /* 1: IPv6, 0: IPv4 (the address says it too; this is one load) */
  __u8 pad[3];
  struct tern_route_links links; /* in: the client's, out: the peer's */
  __u64 deadline_ns;             /* CLOCK_MONOTONIC: after it, user space decides */
  struct tern_cap cap;
};

/* A peer's datagram: peer → relayed address. */
struct tern_peer_key {
  __u8 peer[16];
  __u8 relay[16];
  __be16 peer_port;
  __be16 relay_port;
};

/* Framed as ChannelData and sent from the server address to the client. */
struct tern_to_client {
  __u8 server[16];
  __u8 client[16];
  __be16 server_port;
  __be16 client_port;
  __u16 channel;  /* host order */
  __u8 client_v6; /* as tern_to_peer.peer_v6 */
  __u8 pad;
  struct tern_route_links links; /* in: the peer's, out: the client's */
  __u64 deadline_ns;
  struct tern_cap cap;
};

/* Per CPU, per direction of a channel: what the program relayed (data bytes, as user
 * space counts them: without the ChannelData header), and the packets it dropped over
 * the max-bps cap. */
struct tern_traffic {
  __u64 packets;
  __u64 bytes;
  __u64 over_cap;
};

/* Indices of the program's global per-CPU counters. */
enum tern_stat {
  TERN_STAT_TO_PEER = 0,
  TERN_STAT_TO_CLIENT = 1,
  TERN_STAT_PASSED = 2, /* matched a channel, left to user space (expired, no route yet) */
  TERN_STAT_COUNT = 3,
};

#endif

#!/usr/bin/env python3
"""The TC program's own cost per packet (server/offload/channel_relay.bpf.c), one object
against another, by BPF_PROG_TEST_RUN: no veths, no other process, only the program.

    python3 bench/experiments/offload_prog_run.py BASE.o NEW.o [--rounds 12 --runs 1000]

Each object is loaded (bpftool, pinned under /sys/fs/bpf/tern-prog-run-PID-*, removed at
the end) with its maps holding a channel of each kind; each packet (ChannelData from the
client, a peer's datagram; IPv4, IPv6, and across families where the object knows them)
runs `--runs` times per round, one run per call (the program rewrites the packet, so each
run gets a fresh copy), rounds alternating between the objects. Printed: the median over
rounds of each round's mean run time (the slowest tenth of runs left out), in ns, as the
kernel's test timer measures it. Every run must redirect (7), and every frame it makes
must carry right IP and UDP checksums and lengths, computed here afresh.

Two loads of one object differ by up to ~10 ns (where the JIT and the maps land): compare
differences larger than that. Root (CAP_BPF); x86-64 (the bpf syscall's number).
"""

import argparse
import ctypes
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys

NR_BPF = 321  # x86-64
BPF_MAP_UPDATE_ELEM, BPF_OBJ_GET, BPF_PROG_TEST_RUN = 2, 7, 10
TC_ACT_REDIRECT = 7
NEVER = 2**64 - 1  # a route's deadline
libc = ctypes.CDLL(None, use_errno=True)


def bpf(cmd, attr):
    """The syscall's result and the attribute union as the kernel left it."""
    buf = ctypes.create_string_buffer(bytes(attr), 128)
    ret = libc.syscall(NR_BPF, cmd, buf, 128)
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret, buf.raw


def obj_get(path):
    name = ctypes.create_string_buffer(path.encode())
    return bpf(BPF_OBJ_GET, struct.pack("QIII", ctypes.addressof(name), 0, 0, 0))[0]


def possible_cpus():
    """As libbpf counts them: a per-CPU map's value holds one slot for each."""
    count = 0
    with open("/sys/devices/system/cpu/possible") as f:
        for part in f.read().strip().split(","):
            first, _, last = part.partition("-")
            count += int(last or first) - int(first) + 1
    return count


def update(fd, key, value):
    k, v = ctypes.create_string_buffer(key), ctypes.create_string_buffer(value)
    bpf(BPF_MAP_UPDATE_ELEM, struct.pack("IIQQQ", fd, 0, ctypes.addressof(k),
                                         ctypes.addressof(v), 0))


def is_v6(ip):
    return ":" in ip


def addr(ip):  # offload_maps.h: 16 bytes, IPv4 as ::ffff:a.b.c.d
    if is_v6(ip):
        return socket.inet_pton(socket.AF_INET6, ip)
    return b"\0" * 10 + b"\xff\xff" + socket.inet_aton(ip)


def raw(ip):
    return socket.inet_pton(socket.AF_INET6 if is_v6(ip) else socket.AF_INET, ip)


# client, server, relay, peer: (address, port).
ROUTES = {
    "v4": (("198.51.100.1", 5000), ("198.51.100.2", 3478), ("203.0.113.1", 50000),
           ("203.0.113.2", 6000)),
    "v6": (("2001:db8:1::1", 5000), ("2001:db8:1::2", 3478), ("2001:db8:2::1", 50000),
           ("2001:db8:2::2", 6000)),
    "4→6": (("198.51.100.11", 5001), ("198.51.100.2", 3478), ("2001:db8:2::1", 50001),
            ("2001:db8:2::12", 6001)),
    "6→4": (("2001:db8:1::11", 5002), ("2001:db8:1::2", 3478), ("203.0.113.1", 50002),
            ("203.0.113.12", 6002)),
}
CHANNEL = 0x4000


def fill_maps(maps_dir, cpus, route, across, links):
    m = {n: obj_get(os.path.join(maps_dir, n)) for n in os.listdir(maps_dir)}
    client, server, relay, peer = route
    # tern_client_key, tern_to_peer, tern_peer_key, tern_to_client (offload_maps.h). The
    # family byte (peer_v6, client_v6) is 0 in an object that predates it: its pad.
    ck = addr(client[0]) + addr(server[0]) + struct.pack("!HH", client[1], server[1]) + \
        struct.pack("<HH", CHANNEL, 0)
    # An object with tern_route_links holds the interfaces the kernel routes both ends by
    # before the deadline: lo's (1) for both, the interface the test run takes frames in on.
    route_links = struct.pack("<II", 1, 1) if links else b""
    up = addr(relay[0]) + addr(peer[0]) + struct.pack("!HH", relay[1], peer[1]) + \
        struct.pack("<Bxxx", across and is_v6(peer[0])) + route_links + \
        struct.pack("<QQQII", NEVER, 0, 0, 0, 0)
    pk = addr(peer[0]) + addr(relay[0]) + struct.pack("!HH", peer[1], relay[1])
    down = addr(server[0]) + addr(client[0]) + struct.pack("!HH", server[1], client[1]) + \
        struct.pack("<HBx", CHANNEL, across and is_v6(client[0])) + route_links + \
        struct.pack("<QQQII", NEVER, 0, 0, 0, 0)
    update(m["tern_to_peer"], ck, up)
    update(m["tern_to_client"], pk, down)
    update(m["tern_peer_traffic"], ck, b"\0" * 24 * cpus)
    update(m["tern_client_traffic"], pk, b"\0" * 24 * cpus)
    way = struct.pack("I", 1) + b"\x02" * 6 + b"\x04" * 6  # out through lo, routed
    for a in (client[0], peer[0]):
        update(m["tern_way_out"], addr(a), way)
    if "tern_lease" in m:  # ternd's lease on the maps: without it the program relays nothing
        update(m["tern_lease"], struct.pack("I", 0), struct.pack("Q", NEVER))
    for fd in m.values():
        os.close(fd)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pseudo(src, dst, udp_len):
    if len(src) == 16:
        return src + dst + struct.pack("!IxxxB", udp_len, 17)
    return src + dst + struct.pack("!xBH", 17, udp_len)


# The test run takes the frame in on the loopback device (eth_type_trans): addressed to its
# Ethernet address, all zeros, the frame is PACKET_HOST, which the program relays only.
TO_LO = b"\0" * 6


def frame(src, dst, payload):
    ulen = 8 + len(payload)
    udp = struct.pack("!HHHH", src[1], dst[1], ulen, 0) + payload
    check = (~csum(pseudo(raw(src[0]), raw(dst[0]), ulen) + udp)) & 0xffff or 0xffff
    udp = udp[:6] + struct.pack("!H", check) + udp[8:]
    if is_v6(src[0]):
        ip = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + raw(src[0]) + raw(dst[0])
        return TO_LO + b"\x04" * 6 + b"\x86\xdd" + ip + udp
    ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17, 0) + \
        raw(src[0]) + raw(dst[0])
    ip = ip[:10] + struct.pack("!H", (~csum(ip)) & 0xffff) + ip[12:]
    return TO_LO + b"\x04" * 6 + b"\x08\x00" + ip + udp


def checksums_right(out):
    if out[12:14] == b"\x86\xdd":
        ip, udp = out[14:54], out[54:]
        return (struct.unpack("!H", ip[4:6])[0] == len(udp) and
                csum(pseudo(ip[8:24], ip[24:40], len(udp)) + udp) == 0xffff)
    ip, udp = out[14:34], out[34:]
    return (csum(ip) == 0xffff and struct.unpack("!H", ip[2:4])[0] == 20 + len(udp) and
            struct.unpack("!H", udp[4:6])[0] == len(udp) and
            csum(pseudo(ip[12:16], ip[16:20], len(udp)) + udp) == 0xffff)


# struct __sk_buff up to ifindex: the frame comes in on lo (ingress_ifindex, offset 36;
# ifindex, 40), as the routes' interfaces say.
SKB_CTX = bytes(36) + struct.pack("<II", 1, 1)


def run(prog_fd, packet, runs):
    din, dout = ctypes.create_string_buffer(packet, len(packet)), ctypes.create_string_buffer(4096)
    ctx = ctypes.create_string_buffer(SKB_CTX, len(SKB_CTX))
    times = []
    for _ in range(runs):
        _, out = bpf(BPF_PROG_TEST_RUN, struct.pack(
            "IIIIQQIIIIQQIII", prog_fd, 0, len(packet), 4096, ctypes.addressof(din),
            ctypes.addressof(dout), 1, 0, len(SKB_CTX), 0, ctypes.addressof(ctx), 0, 0, 0, 0))
        retval, size, duration = (struct.unpack_from("I", out, o)[0] for o in (4, 12, 36))
        if retval != TC_ACT_REDIRECT or not checksums_right(dout.raw[:size]):
            return None
        times.append(duration)
    kept = sorted(times)[:max(1, len(times) * 9 // 10)]
    return statistics.mean(kept)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("objects", nargs="+")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--size", type=int, default=200, help="data bytes per packet")
    args = ap.parse_args()
    cpus = possible_cpus()
    payload = bytes(i & 0xff for i in range(args.size))
    base = f"/sys/fs/bpf/tern-prog-run-{os.getpid()}"
    loaded = []  # (label, prog fd, whether it relays across families)
    try:
        for i, obj in enumerate(args.objects):
            prog, maps = f"{base}-{i}", f"{base}-{i}-maps"
            subprocess.run(["bpftool", "prog", "load", obj, prog, "type", "classifier",
                            "pinmaps", maps], check=True)
            btf = open(obj, "rb").read()
            across = b"rewrite_across" in btf  # a function in its BTF
            links = b"tern_route_links" in btf  # a type in it
            for name, route in ROUTES.items():
                if across or "→" not in name:
                    fill_maps(maps, cpus, route, across, links)
            loaded.append((f"{i}:{os.path.basename(obj)}", obj_get(prog), across))
        cases = []
        for name, (client, server, relay, peer) in ROUTES.items():
            cases.append((f"{name} to peer", "→" in name,
                          frame(client, server, struct.pack("!HH", CHANNEL, len(payload)) +
                                payload)))
            cases.append((f"{name} to client", "→" in name, frame(peer, relay, payload)))
        results = {}
        for _ in range(args.rounds):
            for name, crosses, packet in cases:
                for label, fd, across in loaded:
                    if crosses and not across:
                        continue
                    t = run(fd, packet, args.runs)
                    if t is None:
                        sys.exit(f"{label}, {name}: not relayed, or a checksum wrong")
                    results.setdefault((name, label), []).append(t)
        print(f"ns per run, {args.size} data bytes (median of {args.rounds} rounds' means):")
        for name, _, _ in cases:
            row = [f"{label} {statistics.median(results[(name, label)]):6.1f}"
                   for label, _, _ in loaded if (name, label) in results]
            print(f"  {name:14} " + "  ".join(row))
    finally:
        for i in range(len(args.objects)):
            for path in (f"{base}-{i}", f"{base}-{i}-maps"):
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                elif os.path.exists(path):
                    os.unlink(path)


if __name__ == "__main__":
    main()

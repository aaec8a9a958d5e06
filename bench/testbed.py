#!/usr/bin/env python3
"""make bench TESTBED=1: the relays on a veth testbed of three network namespaces.

client ns (tern-bench) --veth-- server ns (ternd or coturn) --veth-- peer ns (echo peer)

Servers: ternd (user space), coturn, ternd offloaded (TC; XDP with --xdp), and the floor:
tern-bench-floor-relay, a relay's sockets and nothing else (plain UDP in and out, no TURN),
so what any user-space relay must cost shows beside what tern and coturn cost.

tern-bench runs in the client namespace and opens its echo peer's socket in the peer
namespace (--peer-netns), so one process is both ends. The server is pinned to CPU 0,
tern-bench to CPU 1. GRO is on for every veth (XDP-redirected frames need it on the
receiving side) and checksum offload is off, so a wrong checksum is dropped by the
receiver instead of being trusted.

The figure is the CPU that relaying adds per packet: the CPU time of every process in
the three namespaces, of the ksoftirqd threads and the machine's softirq time (from
/proc/stat) during the measured window (tern-bench marks it on stderr), per packet relayed
in one direction, minus the same for a baseline run in which client and peer talk
directly over a temporary veth pair with the same flows, size and rate. The softirq
column is machine-wide (the veths' receive work runs there, charged to no process), so
it carries the other tenants' noise; it is reported apart as well.

Run as root (namespaces, ethtool). Writes <build>/bench/results.{json,md,png} like
run_bench.py. --smoke runs one tiny scenario (the ctest that keeps this from rotting).
"""

import argparse
import ctypes
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REALM = "bench.local"
USER, PASSWORD = "bench", "secret"
# RFC 2544's benchmarking range, only ever inside the namespaces made here.
CLIENT_SIDE = ("198.18.1.2", "198.18.1.1")  # client, server's listening address
PEER_SIDE = ("198.18.2.1", "198.18.2.2")  # server's relay address, peer
DIRECT = ("198.18.3.2", "198.18.3.1")  # client, peer: the baseline's own pair
PORT = 3478
FLOOR_PEER_PORT = 40000  # the echo peer's port in the floor's runs (its own namespace)
CLK_TCK = os.sysconf("SC_CLK_TCK")
CLONE_NEWNET = 0x40000000


def log(*parts):
    print("[testbed]", *parts, flush=True)


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def unavailable():
    """Why the testbed cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, ethtool)"
    for tool in ("ip", "ethtool", "taskset"):
        if not shutil.which(tool):
            return f"needs {tool}"
    probe = f"tbprobe{os.getpid()}"
    if sh("ip", "netns", "add", probe, check=False).returncode != 0:
        return "cannot create a network namespace"
    sh("ip", "netns", "del", probe, check=False)
    return None


class Testbed:
    """The three namespaces and their veth pairs; removed by close()."""

    def __init__(self):
        tag = f"tb{os.getpid() % 100000}"
        self.client, self.server, self.peer = f"{tag}c", f"{tag}s", f"{tag}p"
        self.names = [self.client, self.server, self.peer]
        try:
            for ns in self.names:
                sh("ip", "netns", "add", ns)
                sh("ip", "-n", ns, "link", "set", "lo", "up")
            self.pair(self.client, "c0", CLIENT_SIDE[0], self.server, "s0", CLIENT_SIDE[1])
            self.pair(self.server, "s1", PEER_SIDE[0], self.peer, "p0", PEER_SIDE[1])
        except subprocess.CalledProcessError as e:
            self.close()
            raise RuntimeError(f"testbed setup failed: {e.stderr.strip()}") from e

    @staticmethod
    def pair(ns_a, a, ip_a, ns_b, b, ip_b):
        sh("ip", "link", "add", a, "netns", ns_a, "type", "veth", "peer", b, "netns", ns_b)
        for ns, dev, ip in ((ns_a, a, ip_a), (ns_b, b, ip_b)):
            sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
            # GRO: XDP-redirected frames are dropped by a veth without it. Checksum offload
            # off: on veth it means "never computed", and a relay that writes a wrong one
            # would go unnoticed.
            sh("ip", "netns", "exec", ns, "ethtool", "-K", dev, "gro", "on", "tx", "off", "rx",
               "off")

    @contextmanager
    def direct_pair(self):
        """The baseline's veth pair between client and peer, for one run."""
        self.pair(self.client, "b0", DIRECT[0], self.peer, "b1", DIRECT[1])
        try:
            yield
        finally:
            sh("ip", "-n", self.client, "link", "del", "b0", check=False)

    def inodes(self):
        return {os.stat(f"/var/run/netns/{ns}").st_ino for ns in self.names}

    def close(self):
        for ns in self.names:
            sh("ip", "netns", "del", ns, check=False)


@contextmanager
def in_netns(name):
    """The calling thread in network namespace `name` (sockets made here stay there)."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/var/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {name}")
        yield
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(home)
        os.close(target)


def answers_binding(bed, timeout=0.2):
    req = struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, os.urandom(12))
    with in_netns(bed.client):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with s:
        s.settimeout(timeout)
        try:
            s.sendto(req, (CLIENT_SIDE[1], PORT))
            data, _ = s.recvfrom(2048)
            return len(data) >= 20 and data[8:20] == req[8:20]
        except OSError:
            return False


# CPU accounting ---------------------------------------------------------------------


def task_ns(pid):
    """CPU time of every thread of `pid` in ns (schedstat), 0 when it is gone."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return total


def softirq_ns():
    """softirq time of all CPUs (/proc/stat's 7th column), in ns."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu "):
                return int(line.split()[7]) * 1_000_000_000 // CLK_TCK
    return 0


def cpu_sample(inodes):
    """{pid: ns} of the processes in the testbed's namespaces and of ksoftirqd, and the
    softirq total."""
    procs, ksoftirqd = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}/ns/net").st_ino in inodes:
                procs[entry] = task_ns(entry)
                continue
            with open(f"/proc/{entry}/comm") as f:
                if f.read().startswith("ksoftirqd/"):
                    ksoftirqd[entry] = task_ns(entry)
        except OSError:
            continue
    return {"procs": procs, "ksoftirqd": ksoftirqd, "softirq": softirq_ns()}


def cpu_delta(a, b):
    """Seconds of CPU between two samples: processes alive at both ends (a process that
    came or went in the window is none of ours: the window is inside tern-bench's run)."""
    def spent(key):
        return sum(b[key][p] - a[key][p] for p in b[key] if p in a[key]) / 1e9
    return {"procs_s": spent("procs"), "ksoftirqd_s": spent("ksoftirqd"),
            "softirq_s": (b["softirq"] - a["softirq"]) / 1e9}


# Servers ------------------------------------------------------------------------------


def ternd_help(build_dir):
    try:
        return subprocess.run([f"{build_dir}/server/ternd", "--help"], capture_output=True,
                              text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def offload_flag(build_dir, mode="tc"):
    """ternd's --offload flag (issue #16's eBPF part) in MODE, or None before it had one."""
    return f"--offload={mode}" if "--offload" in ternd_help(build_dir) else None


def server_argv(name, build_dir, tmp):
    if name == "floor":
        return [f"{build_dir}/bench/tern-bench-floor-relay", f"{CLIENT_SIDE[1]}:{PORT}",
                PEER_SIDE[0], f"{PEER_SIDE[1]}:{FLOOR_PEER_PORT}"]
    common = ["--listening-ip", CLIENT_SIDE[1], "--listening-port", str(PORT),
              "--relay-ip", PEER_SIDE[0], "--min-port", "49152", "--max-port", "65535",
              "--realm", REALM, "--user", f"{USER}:{PASSWORD}", "--lt-cred-mech",
              "--allowed-peer-ip", f"{PEER_SIDE[1]}-{PEER_SIDE[1]}", "--relay-threads", "1",
              "--no-cli", "--no-stdout-log", "--log-file", "/dev/null"]
    if name == "coturn":
        return ["turnserver", "-n", *common, "--no-tls", "--no-dtls",
                "--pidfile", os.path.join(tmp, "turnserver.pid")]
    argv = [f"{build_dir}/server/ternd", *common, "--challenge-rate", "0", "--binding-rate", "0"]
    # ternd's default is --offload=auto: user-space tern must say off, or both rows would
    # measure the kernel's fast path.
    mode = {"tern-offload": "tc", "tern-xdp": "xdp"}.get(name, "off")
    flag = offload_flag(build_dir, mode)
    if flag:
        argv.append(flag)
    return argv


def Server(bed, name, argv, cpus):
    """run_bench's Server, started in the testbed's server namespace."""
    import run_bench  # beside this script; imported late, as run_bench imports this file
    # The floor speaks no STUN: it is ready once its port is taken.
    ready = (lambda: port_taken(bed)) if name == "floor" else (lambda: answers_binding(bed))
    return run_bench.Server(name, argv, PORT, cpus, prefix=["ip", "netns", "exec", bed.server],
                            ready=ready)


def port_taken(bed):
    with in_netns(bed.server):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((CLIENT_SIDE[1], PORT))
            return False
        except OSError:
            return True
        finally:
            s.close()


# One run ------------------------------------------------------------------------------


def bench_argv(build_dir, bed, scen, direct, duration, server_pid=0, floor=False):
    argv = [f"{build_dir}/bench/tern-bench", "relay", "-S", str(scen["size"]),
            "-m", str(scen["flows"]), "-d", str(duration), "--json", "--marks",
            "--peer-netns", bed.peer, "--max-seconds", str(duration + 60)]
    if scen.get("rate"):
        argv += ["--rate", str(scen["rate"])]
    else:
        argv += ["-W", str(max(1, 128 // scen["flows"]))]
    if direct:
        return argv + ["--direct", "--peer-ip", DIRECT[1], "--source-ip", DIRECT[0]]
    if floor:
        return argv + ["--direct", "--via", f"{CLIENT_SIDE[1]}:{PORT}", "--peer-ip", PEER_SIDE[1],
                       "--peer-port", str(FLOOR_PEER_PORT), "--source-ip", CLIENT_SIDE[0],
                       "--server-pid", str(server_pid)]
    return argv + ["-u", USER, "-w", PASSWORD, "-s", f"{CLIENT_SIDE[1]}:{PORT}",
                   "--peer-ip", PEER_SIDE[1], "--source-ip", CLIENT_SIDE[0],
                   "--server-pid", str(server_pid)]


def measure(bed, argv, load_cpus, timeout):
    """Runs tern-bench in the client namespace; CPU of the testbed over its marked window."""
    prefix = ["ip", "netns", "exec", bed.client] + (["taskset", "-c", load_cpus]
                                                    if load_cpus else [])
    inodes = bed.inodes()
    proc = subprocess.Popen(prefix + argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    before = after = None
    other = []
    try:
        # tern-bench bounds itself (--max-seconds); EOF ends these reads if it dies.
        for line in proc.stderr:
            # tern-bench waits for the answer, so the sample is the window's end exactly.
            if line.startswith("tern-bench: measuring"):
                before = cpu_sample(inodes)
            elif line.startswith("tern-bench: measured"):
                after = cpu_sample(inodes)
            else:
                other.append(line)
                continue
            proc.stdin.write("\n")
            proc.stdin.flush()
            if after:
                break
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"error": "timeout"}
    try:
        result = json.loads(out)
    except json.JSONDecodeError:
        return {"error": ("".join(other) + err)[-500:] or "no output"}
    if before and after:
        result.update(cpu_delta(before, after))
    return result


def per_packet_us(r, with_softirq):
    n = r.get("packets_measured")
    if not n or "procs_s" not in r:
        return None
    cpu = r["procs_s"] + r["ksoftirqd_s"] + (r["softirq_s"] if with_softirq else 0)
    return cpu * 1e6 / n


def scenarios(quick, smoke):
    if smoke:
        return [{"name": "smoke_120B_2flows", "size": 120, "flows": 2}]
    # Many flows saturated are also offered half the rate they reached, open loop: the
    # offload's "zero loss at half its saturation rate".
    out = [{"name": f"relay_{size}B_{flows}flows", "size": size, "flows": flows,
            "half": flows > 1}
           for size in (120, 1200) for flows in (1, 64, 1000)]
    # Real calls: an audio stream is 50 packets/s, video a few hundred.
    out += [{"name": "paced_50flows_100pps", "size": 120, "flows": 50, "rate": 50 * 100},
            {"name": "paced_50flows_500pps", "size": 1200, "flows": 50, "rate": 50 * 500},
            {"name": "paced_1000flows_50pps", "size": 120, "flows": 1000, "rate": 1000 * 50}]
    if quick:
        keep = {"relay_120B_1flows", "relay_120B_64flows", "relay_1200B_1000flows",
                "paced_50flows_100pps", "paced_1000flows_50pps"}
        out = [s for s in out if s["name"] in keep]
    return out


def half_load(bed, build_dir, scen, saturated_pps, duration, server_pid, load_cpus):
    """Loss when offered half of the packets/s the closed loop delivered."""
    rate = max(1, int(saturated_pps / 2))
    argv = bench_argv(build_dir, bed, {**scen, "rate": rate}, False, duration, server_pid)
    r = measure(bed, argv, load_cpus, duration + 90)
    return {"half_rate": rate, "half_loss_percent": r.get("loss_percent")}


def run_all(build_dir, servers, scens, rounds, duration, tmp):
    ncpu = os.cpu_count() or 1
    server_cpus, load_cpus = ("0", "1") if ncpu >= 2 else (None, None)
    bed = Testbed()
    raw = {s["name"]: {} for s in scens}
    try:
        for rnd in range(rounds):
            with bed.direct_pair():
                for scen in scens:
                    r = measure(bed, bench_argv(build_dir, bed, scen, True, duration), load_cpus,
                                duration + 90)
                    raw[scen["name"]].setdefault("baseline", []).append({"round": rnd, **r})
            for name in servers[rnd % len(servers):] + servers[:rnd % len(servers)]:
                log(f"round {rnd + 1}/{rounds}: {name}")
                try:
                    server = Server(bed, name, server_argv(name, build_dir, tmp), server_cpus)
                except RuntimeError as e:
                    log(f"  cannot start {name}: {e}")
                    continue
                try:
                    for scen in scens:
                        argv = bench_argv(build_dir, bed, scen, False, duration,
                                          server.proc.pid, name == "floor")
                        r = measure(bed, argv, load_cpus, duration + 90)
                        log(f"  {scen['name']}: {r.get('from_peer_pps', r.get('error'))}")
                        if scen.get("half") and r.get("from_peer_pps") and name != "floor":
                            r.update(half_load(bed, build_dir, scen, r["from_peer_pps"],
                                               duration, server.proc.pid, load_cpus))
                        raw[scen["name"]].setdefault(name, []).append({"round": rnd, **r})
                finally:
                    server.stop()
    finally:
        bed.close()
    return raw


def summarize(raw, rounds):
    out = {}
    for name, per_server in raw.items():
        out[name] = {}
        base = per_server.get("baseline", [])
        for sname, results in per_server.items():
            kept = [r for r in results if r["round"] > 0] or results
            m = {}
            for key in ("from_peer_pps", "to_peer_pps", "loss_percent", "rtt_p50_us",
                        "rtt_p99_us", "rtt_p999_us", "server_cpu_us_per_packet",
                        "packets_measured", "half_rate", "half_loss_percent"):
                vals = [r[key] for r in kept if isinstance(r.get(key), (int, float))]
                m[key] = statistics.median(vals) if vals else None
            for soft, label in ((False, "cpu_us_per_packet"), (True, "cpu_us_per_packet_softirq")):
                vals = [v for v in (per_packet_us(r, soft) for r in kept) if v is not None]
                m[label] = statistics.median(vals) if vals else None
            m["errors"] = [r["error"] for r in kept if "error" in r]
            out[name][sname] = m
        b = out[name].get("baseline", {})
        for sname, m in out[name].items():
            if sname == "baseline":
                continue
            for label in ("cpu_us_per_packet", "cpu_us_per_packet_softirq"):
                have = m.get(label) is not None and b.get(label) is not None
                m["added_" + label] = m[label] - b[label] if have else None
    return out


def fmt(v, digits=0):
    if v is None:
        return "—"
    return f"{v:,.0f}" if digits == 0 else f"{v:.{digits}f}"


def markdown(summary, meta, servers):
    lines = [f"# tern vs coturn on a veth testbed — {meta['date']}", "",
             f"Machine: {meta['cpus']} CPUs, {meta['kernel']}; {meta['rounds']} rounds, first "
             f"discarded, medians; {meta['duration']} s each. Three namespaces (client — "
             "server — peer) on veth pairs, GRO on, checksum offload off; server on CPU 0, "
             "tern-bench on CPU 1. Added CPU/packet: CPU of every process in the namespaces "
             "+ ksoftirqd, per packet relayed one way, minus the same for client and peer "
             "talking directly (baseline); the +softirq column also adds the machine's "
             "softirq time (noisier: other tenants).", ""]
    if meta.get("skipped"):
        lines += ["Not run: " + "; ".join(meta["skipped"]), ""]
    lines += ["| scenario | server | pps back | loss % | p50 µs | p99 µs | p99.9 µs "
              "| CPU µs/pkt | added µs/pkt | added +softirq | server µs/pkt "
              "| loss % at half rate |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, per_server in summary.items():
        for sname in ["baseline", *servers]:
            m = per_server.get(sname)
            if not m:
                continue
            lines.append(
                f"| {name} | {sname} | {fmt(m['from_peer_pps'])} | {fmt(m['loss_percent'], 3)} "
                f"| {fmt(m['rtt_p50_us'])} | {fmt(m['rtt_p99_us'])} | {fmt(m['rtt_p999_us'])} "
                f"| {fmt(m['cpu_us_per_packet'], 2)} "
                f"| {fmt(m.get('added_cpu_us_per_packet'), 2)} "
                f"| {fmt(m.get('added_cpu_us_per_packet_softirq'), 2)} "
                f"| {fmt(m['server_cpu_us_per_packet'], 2)} "
                f"| {fmt(m.get('half_loss_percent'), 3)} |")
    lines.append("")
    ratios = ratio_list(summary, "tern", "coturn")
    if ratios:
        lines += ["Added CPU per packet, tern/coturn: " + ratios + ".", ""]
    floors = ratio_list(summary, "floor", "coturn")
    if floors:
        lines += ["The floor of a user-space relay (tern-bench-floor-relay: a relay's sockets "
                  "and nothing else), added CPU per packet floor/coturn: " + floors + ".", ""]
    lines += ["## Targets (issue #16)", "", "| target | measured | verdict |", "|---|---:|---|"]
    lines += [f"| {t} | {m} | {v} |" for t, m, v in targets(summary)]
    lines.append("")
    return "\n".join(lines)


def ratio_list(summary, server, other):
    """"scenario 0.83×, ..." of `server`'s added CPU per packet over `other`'s."""
    out = []
    for name, per_server in summary.items():
        a = per_server.get(server, {}).get("added_cpu_us_per_packet")
        b = per_server.get(other, {}).get("added_cpu_us_per_packet")
        if a is not None and b:
            out.append(f"{name} {a / b:.2f}×")
    return ", ".join(out)


def targets(summary):
    """Issue #16's targets that this testbed can judge: (target, measured, verdict)."""
    def added(name, server):
        return summary.get(name, {}).get(server, {}).get("added_cpu_us_per_packet")

    def judge(target, value, ok, shown):
        if value is None:
            return (target, "—", "not measured")
        return (target, shown(value), "met" if ok(value) else "missed")

    out = []
    factors = [added(n, "tern") / added(n, "tern-offload")
               for size in (120, 1200) for n in (f"relay_{size}B_64flows",
                                                   f"relay_{size}B_1000flows")
               if added(n, "tern") and added(n, "tern-offload")]
    out.append(judge("offloaded: ≥ 5× less added CPU per packet than user-space tern "
                     "(64 and 1,000 flows, both sizes)", min(factors) if factors else None,
                     lambda v: v >= 5, lambda v: f"{v:.1f}× (lowest)"))
    half = [summary[n]["tern-offload"].get("half_loss_percent") for n in summary
            if "tern-offload" in summary[n]]
    half = [v for v in half if v is not None]
    out.append(judge("offloaded: zero loss at half its saturation rate (64 and 1,000 flows)",
                     max(half) if half else None, lambda v: v == 0,
                     lambda v: f"{v:.3f}% (highest)"))
    paced = [added(n, "tern") / added(n, "coturn") for n in summary
             if n.startswith("paced_") and added(n, "tern") and added(n, "coturn")]
    out.append(judge("paced (real-call rates): added CPU per packet ≤ 0.5× coturn's",
                     max(paced) if paced else None, lambda v: v <= 0.5,
                     lambda v: f"{v:.2f}× (highest)"))
    growth = [added(f"relay_{size}B_1000flows", "tern") / added(f"relay_{size}B_1flows", "tern")
              for size in (120, 1200)
              if added(f"relay_{size}B_1000flows", "tern") and added(f"relay_{size}B_1flows",
                                                                        "tern")]
    out.append(judge("1,000 flows saturated: ≤ 1.5× the one-flow added CPU per packet",
                     max(growth) if growth else None, lambda v: v <= 1.5,
                     lambda v: f"{v:.2f}× (highest)"))
    return out


def plot(summary, out_dir, servers):
    if not shutil.which("gnuplot"):
        return
    data = os.path.join(out_dir, "results.dat")
    with open(data, "w") as f:
        for name, per_server in summary.items():
            vals = [per_server.get(s, {}).get("added_cpu_us_per_packet") or 0 for s in servers]
            f.write(f'"{name}" ' + " ".join(str(v) for v in vals) + "\n")
    cols = ", ".join(f'"" using {i + 2}{":xtic(1)" if i == 0 else ""} title "{s}"'
                     for i, s in enumerate(servers)).replace('""', f'"{data}"', 1)
    script = f"""
set terminal pngcairo size 1400,700 font ",9"
set output "{os.path.join(out_dir, 'results.png')}"
set title "CPU added per relayed packet on the veth testbed, µs (lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -45 noenhanced
set bmargin 10
set grid ytics
set yrange [0:*]
plot {cols}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=False)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true", default=os.environ.get("QUICK") == "1")
    ap.add_argument("--smoke", action="store_true",
                    help="one tiny scenario against ternd; exit 0 when it relayed (77 = skip)")
    ap.add_argument("--rounds", type=int, default=0)
    ap.add_argument("--duration", type=float, default=0)
    ap.add_argument("--out-dir", default="")
    ap.add_argument("--only", default="",
                    help="comma-separated scenario names to run (default: all)")
    ap.add_argument("--servers", default="",
                    help="comma-separated servers to run, of floor,tern,coturn,tern-offload,"
                    "tern-xdp")
    ap.add_argument("--xdp", action="store_true",
                    help="also ternd with --offload=xdp (the tern-xdp column)")
    args = ap.parse_args(argv)
    build_dir = os.path.abspath(args.build_dir)
    why = unavailable()
    if why:
        log(f"skipped: {why}")
        return 77
    rounds = args.rounds or (1 if args.smoke else 2 if args.quick else 3)
    duration = args.duration or (0.5 if args.smoke else 1.5 if args.quick else 3)
    servers, skipped = ["tern"], []
    if not args.smoke:
        if os.path.exists(f"{build_dir}/bench/tern-bench-floor-relay"):
            servers.insert(0, "floor")
        else:
            skipped.append("the floor (tern-bench-floor-relay not built)")
        if shutil.which("turnserver"):
            servers.append("coturn")
        else:
            skipped.append("coturn (turnserver not installed)")
        if offload_flag(build_dir):
            servers.append("tern-offload")
            if args.xdp:
                servers.append("tern-xdp")
        else:
            skipped.append("offloaded tern (ternd has no --offload yet)")
    scens = scenarios(args.quick, args.smoke)
    if args.only:
        scens = [s for s in scens if s["name"] in args.only.split(",")]
    if args.servers:
        servers = [s for s in servers if s in args.servers.split(",")]
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="tern-testbed-") as tmp:
        raw = run_all(build_dir, servers, scens, rounds, duration, tmp)
    summary = summarize(raw, rounds)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "cpus": os.cpu_count(), "kernel": os.uname().release, "rounds": rounds,
            "duration": duration, "quick": args.quick, "skipped": skipped,
            "seconds": round(time.time() - started)}
    md = markdown(summary, meta, servers)
    print(md)
    if args.smoke:
        m = summary[scens[0]["name"]]
        ok = all((m.get(s, {}).get("packets_measured") or 0) > 0 and
                 m[s].get("cpu_us_per_packet") is not None for s in ("baseline", "tern"))
        return 0 if ok else 1
    out_dir = args.out_dir or os.path.join(build_dir, "bench")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "testbed": summary, "rounds": raw}, f, indent=1)
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(md)
    plot(summary, out_dir, servers)
    log(f"done in {meta['seconds']} s: {out_dir}/results.md, results.json, results.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The fleet scenario: N ternd nodes sharing one Redis hold many allocations together.

One redis-server and N ternd nodes on distinct loopback addresses (127.0.1.1, 127.0.1.2,
...), each with --redis-statsdb on that Redis; one tern-bench process per node holds that
node's share of the allocations, each with a permission and a channel, refreshes every one
once (the nodes grant a short lifetime, the hold outlasts half of it), and meanwhile a
tern-bench Binding load runs against the first node. `ternctl fleet --json` must show the
same total the load generators hold.

Why several nodes: a process here may hold at most 20,000 descriptors (`ulimit -Hn`), and
every UDP allocation costs ternd one and tern-bench one, so 100,000 allocations need at
least six nodes and six load processes. That is the fleet case.

Prints a table per node and the totals; --json writes them; --check exits 1 unless every
allocation was made, held, refreshed and counted by ternctl fleet (the ctest run uses a
small size). Not in CI at full size: `make bench-fleet` (about two minutes).
"""

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_bench import Server, raise_fd_limit  # noqa: E402

REALM = "fleet.bench"
USER, PASSWORD = "bench", "bench"
TURN_PORT = 3478
ADMIN_PORT = 5767


def log(*parts):
    print("fleet:", *parts, file=sys.stderr, flush=True)


def free_port(ip="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def answers_binding(ip, port, timeout=0.2):
    req = struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, os.urandom(12))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(req, (ip, port))
            data, _ = s.recvfrom(2048)
            return len(data) >= 20 and data[8:20] == req[8:20]
        except OSError:
            return False


def answers_ping(port, timeout=0.2):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class Process(Server):
    """A child started in its own session, ready when `ready()` says so; stopped as
    run_bench's servers are (SIGTERM, then SIGKILL)."""

    def __init__(self, name, argv, ready, log_path):
        self.name = name
        self.log_path = log_path
        with open(log_path, "wb") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.time() + 20
        while not ready():
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                with open(log_path, errors="replace") as f:
                    tail = f.read()[-2000:]
                raise RuntimeError(f"{name} did not start:\n{tail}")
            time.sleep(0.05)


def node_argv(build_dir, i, ip, redis_conn, lifetime, log_path):
    return [f"{build_dir}/server/ternd",
            "--listening-ip", ip, "--listening-port", str(TURN_PORT), "--relay-ip", ip,
            # One relay address per node: 100,000 / 6 allocations need more than the
            # default 16,384 ports of 49152-65535.
            "--min-port", "10000", "--max-port", "65535",
            "--realm", REALM, "--user", f"{USER}:{PASSWORD}", "--lt-cred-mech",
            "--allow-loopback-peers", "--challenge-rate", "0", "--binding-rate", "0",
            "--max-allocate-lifetime", str(lifetime),
            "--redis-statsdb", redis_conn, "--node-id", f"node-{i}",
            "--admin-listen", f"{ip}:{ADMIN_PORT}", "--log-file", log_path]


def fleet_total(build_dir, redis_conn):
    """ternctl fleet's total allocations over the live nodes, or None."""
    try:
        out = subprocess.run([f"{build_dir}/admin/ternctl", "fleet", "--redis-statsdb",
                              redis_conn, "--json"], capture_output=True, text=True,
                             timeout=10).stdout
        doc = json.loads(out)
        return doc["total"]["allocations"], len(doc["nodes"])
    except (subprocess.SubprocessError, json.JSONDecodeError, KeyError, TypeError):
        return None


def bench_argv(build_dir, mode, ip, extra, server_pid=None):
    argv = [f"{build_dir}/bench/tern-bench", mode, "--server", f"{ip}:{TURN_PORT}", "--json",
            *extra]
    if server_pid:
        argv += ["--server-pid", str(server_pid)]
    return argv


def run(args):
    raise_fd_limit()
    share = [args.allocations // args.nodes + (i < args.allocations % args.nodes)
             for i in range(args.nodes)]
    tmp = tempfile.mkdtemp(prefix="tern-fleet-")
    redis_port = free_port()
    redis_conn = f"ip=127.0.0.1 port={redis_port} dbname=1"
    started = []
    try:
        redis = Process("redis-server", ["/usr/bin/redis-server", "--port", str(redis_port),
                                         "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", tmp],
                        lambda: answers_ping(redis_port), os.path.join(tmp, "redis.log"))
        started.append(redis)
        nodes = []
        for i in range(args.nodes):
            ip = f"127.0.1.{i + 1}"
            log_path = os.path.join(tmp, f"node-{i}.log")
            node = Process(f"node-{i}", node_argv(args.build_dir, i, ip, redis_conn,
                                                  args.lifetime, log_path),
                           lambda ip=ip: answers_binding(ip, TURN_PORT), log_path + ".out")
            started.append(node)
            nodes.append((ip, node))
        log(f"{args.nodes} nodes up; {args.allocations} allocations, "
            f"{args.lifetime} s lifetime, {args.hold} s hold")

        # One load process per node: its share of the allocations, each from its own
        # socket, held (and so refreshed once) for --hold seconds, then deleted.
        loads = []
        for (ip, node), n in zip(nodes, share):
            argv = bench_argv(args.build_dir, "allocate", ip,
                              ["--count", str(n), "--window", "64", "--with-channel",
                               "--hold", str(args.hold), "--user", USER, "--password",
                               PASSWORD, "--timeout-ms", "2000",
                               "--max-seconds", str(args.max_seconds)], node.pid)
            loads.append(subprocess.Popen(argv, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))

        # While they hold: the fleet total as ternctl sees it (heartbeats every 5 s), and a
        # Binding load on the first node.
        best = 0
        binding = None
        deadline = time.time() + args.max_seconds
        while time.time() < deadline and any(p.poll() is None for p in loads):
            seen = fleet_total(args.build_dir, redis_conn)
            if seen:
                best = max(best, seen[0])
            if binding is None and best >= args.allocations * 0.9:
                out = subprocess.run(
                    bench_argv(args.build_dir, "binding", nodes[0][0],
                               ["--duration", "3", "--sockets", "4", "--max-seconds", "30"]),
                    capture_output=True, text=True, timeout=60).stdout
                try:
                    binding = json.loads(out)
                except json.JSONDecodeError:
                    binding = {"error": out[-500:]}
            time.sleep(1)
        results = []
        for (ip, _), p, n in zip(nodes, loads, share):
            try:
                out, err = p.communicate(timeout=max(1, deadline - time.time()) + 60)
                results.append(json.loads(out))
            except (subprocess.TimeoutExpired, json.JSONDecodeError) as e:
                p.kill()
                results.append({"error": f"{type(e).__name__}: {err[-500:] if p.stderr else ''}"})
        return summarize(args, nodes, share, results, best, binding)
    finally:
        for p in reversed(started):
            p.stop()


def per_allocation_bytes(r):
    held, rss, delta, n = (r.get("server_rss_held_kb"), r.get("server_rss_kb"),
                           r.get("server_rss_delta_kb"), r.get("allocations_ok"))
    if None in (held, rss, delta) or not n:
        return None
    return (held - (rss - delta)) * 1024 / n


def summarize(args, nodes, share, results, fleet_seen, binding):
    rows = []
    for (ip, _), n, r in zip(nodes, share, results):
        rows.append({
            "node": ip, "asked": n,
            "allocated": int(r.get("allocations_ok", 0)),
            "held_at_end": int(r.get("allocations_held_at_end", 0)),
            "refreshed": int(r.get("allocations_refreshed", 0)),
            "per_s": r.get("allocations_per_s", 0),
            "bytes_per_allocation": per_allocation_bytes(r),
            "failures": r.get("failures", {}),
            "error": r.get("error"),
        })
    total = {k: sum(row[k] for row in rows) for k in ("asked", "allocated", "held_at_end",
                                                      "refreshed")}
    total["per_s"] = sum(row["per_s"] for row in rows)
    sizes = [row["bytes_per_allocation"] for row in rows if row["bytes_per_allocation"]]
    total["bytes_per_allocation"] = max(sizes) if sizes else None
    total["ternctl_fleet_allocations"] = fleet_seen
    return {"nodes": rows, "total": total, "binding": binding,
            "meta": {"nodes": args.nodes, "allocations": args.allocations,
                     "lifetime_s": args.lifetime, "hold_s": args.hold,
                     "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}}


def fmt(v):
    if v is None:
        return "-"
    return f"{v:,.0f}" if isinstance(v, (int, float)) else str(v)


def table(s):
    lines = ["| node | asked | allocated | held at end | refreshed | allocations/s | "
             "bytes/allocation (RSS) | failures |", "|" + "---|" * 8]
    for row in s["nodes"] + [dict(s["total"], node="**total**", failures="")]:
        failures = row.get("error") or ", ".join(f"{k}: {v}" for k, v in row["failures"].items()) \
            if isinstance(row.get("failures"), dict) else row.get("failures", "")
        lines.append(f"| {row['node']} | {fmt(row['asked'])} | {fmt(row['allocated'])} | "
                     f"{fmt(row['held_at_end'])} | {fmt(row['refreshed'])} | {fmt(row['per_s'])} | "
                     f"{fmt(row['bytes_per_allocation'])} | {failures or 0} |")
    b = s["binding"] or {}
    lines.append("")
    lines.append(f"ternctl fleet total while held: {fmt(s['total']['ternctl_fleet_allocations'])}; "
                 f"Binding on node 1 meanwhile: {fmt(b.get('responses'))} answered, "
                 f"{fmt(b.get('lost'))} lost")
    return "\n".join(lines)


def verdict(s):
    t = s["total"]
    problems = []
    if t["allocated"] != t["asked"]:
        problems.append(f"allocated {t['allocated']} of {t['asked']}")
    if t["held_at_end"] != t["allocated"]:
        problems.append(f"held {t['held_at_end']} of {t['allocated']} to the end")
    if t["refreshed"] != t["allocated"]:
        problems.append(f"refreshed {t['refreshed']} of {t['allocated']}")
    if t["ternctl_fleet_allocations"] != t["allocated"]:
        problems.append(f"ternctl fleet showed {t['ternctl_fleet_allocations']}, "
                        f"not {t['allocated']}")
    if not s["binding"] or not s["binding"].get("responses"):
        problems.append("Binding went unanswered during the hold")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--nodes", type=int, default=6)
    ap.add_argument("--allocations", type=int, default=100000)
    ap.add_argument("--lifetime", type=int, default=30,
                    help="max-allocate-lifetime on the nodes; refreshes come at half of it")
    ap.add_argument("--hold", type=float, default=25, help="must exceed lifetime / 2")
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--check", action="store_true", help="exit 1 on any shortfall")
    args = ap.parse_args()
    if args.hold <= args.lifetime / 2:
        ap.error("--hold must exceed half of --lifetime, or nothing is refreshed")
    if args.nodes < 1 or args.nodes > 250:
        ap.error("--nodes: 1 to 250")
    s = run(args)
    print(table(s))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(s, f, indent=1)
    problems = verdict(s)
    for p in problems:
        log("shortfall:", p)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())

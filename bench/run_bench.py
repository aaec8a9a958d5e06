#!/usr/bin/env python3
"""make bench: tern against coturn and the kernel floor, on this machine, in one run.

Builds ternd, tern-bench and tern-bench-floor, installs Debian's coturn and gnuplot when
they are missing, then for each CPU layout (server pinned to one core and the load to the
other, then both unpinned with two workers) runs several rounds, each server in turn
(the order alternates between rounds), every scenario against every server it applies
to. The first round is a warm-up and is discarded; the report gives medians.

Writes <build>/bench/results.json (every round, and the medians), results.md and
results.png. QUICK=1 (or --quick) keeps it under three minutes. TESTBED=1 (or --testbed)
runs the veth testbed instead (bench/testbed.py: three network namespaces, needs root).
"""

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REALM = "bench.local"
USER, PASSWORD = "bench", "secret"
MIN_PORT, MAX_PORT = 49152, 65535
# Eight relay addresses, eight port ranges: 131,072 relay ports for the capacity scenario.
RELAY_IPS = [f"127.0.0.{i}" for i in range(1, 9)]

LAYOUTS = {
    "pinned": "server on CPU 0 (1 worker / relay thread), tern-bench on CPU 1",
    "unpinned": "no pinning, 2 workers / relay threads",
}

# What each scenario reports as its throughput, its latency and its unit of work.
KINDS = {
    "binding": ("responses_per_s", "latency", "request"),
    "allocate": ("allocations_per_s", "setup_latency", "allocation"),
    "relay": ("from_peer_pps", "rtt", "packet"),
    "idle": ("allocations_ok", "setup_latency", "allocation"),
    "max": ("allocations_ok", "setup_latency", "allocation"),
}


def scenarios(quick, max_allocations=17000):
    """(name, kind, servers, tern-bench arguments[, last round only]), for the pinned and
    unpinned layouts."""
    d = "1" if quick else "3"
    turn = ["-u", USER, "-w", PASSWORD]
    binding = [("binding", "binding", ("floor", "coturn", "tern"),
                ["binding", "-k", "4", "-W", "32", "-d", d])]
    binding_tcp = [("binding_tcp", "binding", ("coturn", "tern"),
                    ["binding", "-t", "tcp", "-k", "4", "-W", "32", "-d", d])]

    def relay(size, flows):
        window = str(max(1, 128 // flows))  # 128 packets in flight in all, at least one a flow
        return (f"relay_{size}B_{flows}flows", "relay", ("coturn", "tern"),
                ["relay", *turn, "-S", str(size), "-m", str(flows), "-W", window, "-d", d])

    def allocate(n):
        return (f"allocate_{n}", "allocate", ("coturn", "tern"),
                ["allocate", *turn, "-n", str(n), "-W", "64"])

    def idle(n, hold):
        return (f"idle_{n}_held", "idle", ("coturn", "tern"),
                ["allocate", *turn, "-n", str(n), "-W", "64", "--with-channel", "--hold", hold],
                True)

    if quick:
        pinned = binding + [allocate(1000), relay(120, 4), relay(1200, 4), relay(120, 64),
                            idle(2000, "1")]
        unpinned = binding + [relay(120, 64)]
        return pinned, unpinned
    relays = [relay(size, flows) for size in (120, 1200) for flows in (1, 4, 64, 1000)]
    # Both servers relay from RELAY_IPS, one port range each, so the relay ports stop
    # neither: the ask is what the fd limit leaves (one socket per allocation on each
    # side, 100,000 with a raised `ulimit -n`). Near exhaustion coturn slows to a crawl
    # probing for free ports, so this one is bounded by --max-seconds and run in the last
    # round only: it measures a capacity.
    max_alloc = ("max_allocations", "max", ("coturn", "tern"),
                 ["allocate", *turn, "-n", str(max_allocations), "-W", "128", "--hold", "1",
                  "--timeout-ms", "1000", "--max-seconds", "90"], True)
    pinned = (binding + binding_tcp + [allocate(1000), allocate(10000)] + relays +
              [idle(10000, "3"), max_alloc])
    unpinned = binding + binding_tcp + [allocate(1000), relay(120, 64), relay(1200, 4),
                                        relay(120, 1000)]
    return pinned, unpinned


def log(*parts):
    print("[bench]", *parts, flush=True)


def run(cmd, **kw):
    log("$", " ".join(cmd))
    subprocess.run(cmd, check=True, **kw)


def ensure_packages(testbed=False):
    missing = []
    if testbed and not shutil.which("ethtool"):
        missing.append("ethtool")
    if not shutil.which("turnserver"):
        missing.append("coturn")
    if not shutil.which("gnuplot"):
        missing.append("gnuplot-nox")
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(sudo + ["apt-get", "update", "-qq"], env=env)
    run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


def build(build_dir, build_type):
    """The release preset (CMakePresets.json), as make does: in build_dir, with build_type
    over the preset's when given."""
    configure = ["cmake", "--preset", "release", "-B", build_dir]
    if build_type:
        configure.append(f"-DCMAKE_BUILD_TYPE={build_type}")
    run(configure, cwd=ROOT, stdout=subprocess.DEVNULL)
    run(["cmake", "--build", build_dir, "-j", str(os.cpu_count() or 2), "--target", "ternd",
         "tern-bench", "tern-bench-floor", "tern-bench-floor-relay"])


def cached_build_type(build_dir):
    """CMAKE_BUILD_TYPE of an already configured build directory ("" when unknown)."""
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return ""


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for want in (1 << 20, hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(want, hard)))
            break
        except (ValueError, OSError):
            continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                    t.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


def answers_binding(port, timeout=0.2):
    req = struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, os.urandom(12))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(req, ("127.0.0.1", port))
            data, _ = s.recvfrom(2048)
            return len(data) >= 20 and data[8:20] == req[8:20]
        except OSError:
            return False


class Server:
    """One server under test, started pinned (or not) and stopped by its own pid."""

    def __init__(self, name, argv, port, cpus, prefix=(), ready=None):
        """`prefix` runs before taskset (the testbed's `ip netns exec`); `ready` says when
        the server answers (default: a Binding on 127.0.0.1:`port`)."""
        self.name, self.port = name, port
        ready = ready or (lambda: answers_binding(port))
        prefix = list(prefix) + (["taskset", "-c", cpus] if cpus else [])
        # ip netns exec and taskset both exec, so the pid is the server's own.
        self.proc = subprocess.Popen(prefix + argv, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.proc.stderr.read().decode()[-2000:]}")
            if ready():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{name} did not answer on port {port}")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def server_argv(name, build_dir, port, workers, tmp):
    if name == "floor":
        return [f"{build_dir}/bench/tern-bench-floor", f"127.0.0.1:{port}", "--threads",
                str(workers)]
    relay_ips = [arg for ip in RELAY_IPS for arg in ("--relay-ip", ip)]
    common = ["--listening-ip", "127.0.0.1", "--listening-port", str(port), *relay_ips,
              "--min-port", str(MIN_PORT), "--max-port", str(MAX_PORT),
              "--realm", REALM, "--user", f"{USER}:{PASSWORD}", "--lt-cred-mech",
              "--allow-loopback-peers", "--relay-threads", str(workers), "--no-cli",
              "--no-stdout-log", "--log-file", "/dev/null"]
    if name == "coturn":
        return ["turnserver", "-n", *common, "--no-tls", "--no-dtls",
                "--pidfile", os.path.join(tmp, "turnserver.pid")]
    # All load comes from 127.0.0.1: tern's per-source limits on 401s (200/s) and
    # Bindings (1000/s) would measure the limiters, so they are off, as coturn has none.
    return [f"{build_dir}/server/ternd", *common, "--challenge-rate", "0", "--binding-rate", "0"]


def run_bench(build_dir, argv, server, cpus, max_seconds):
    prefix = ["taskset", "-c", cpus] if cpus else []
    limit = [] if "--max-seconds" in argv else ["--max-seconds", str(max_seconds)]
    cmd = prefix + [f"{build_dir}/bench/tern-bench", *argv, "-s", f"127.0.0.1:{server.port}",
                    "--server-pid", str(server.pid), "--json", *limit]
    started = time.time()
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                             timeout=max_seconds + 60).stdout
        result = json.loads(out)
    except (subprocess.SubprocessError, json.JSONDecodeError) as e:
        log(f"  {' '.join(argv)} against {server.name} failed: {e}")
        result = {"error": str(e)}
    result["wall_s"] = round(time.time() - started, 2)
    return result


def numeric(results, key):
    values = [r[key] for r in results if isinstance(r.get(key), (int, float))]
    return statistics.median(values) if values else None


def summarize(rounds):
    """Medians of every numeric field over the kept rounds; failures summed."""
    keys = {k for r in rounds for k, v in r.items()
            if isinstance(v, (int, float)) and k != "round"}
    out = {k: numeric(rounds, k) for k in sorted(keys)}
    failures = {}
    for r in rounds:
        for what, n in r.get("failures", {}).items():
            failures[what] = failures.get(what, 0) + n
    out["failures"] = failures
    out["rounds"] = len(rounds)
    return out


def per_allocation_kb(m):
    held, rss, delta, n = (m.get("server_rss_held_kb"), m.get("server_rss_kb"),
                           m.get("server_rss_delta_kb"), m.get("allocations_ok"))
    if None in (held, rss, delta) or not n:
        return None
    return (held - (rss - delta)) / n


def fmt(v, digits=0):
    if v is None:
        return "—"
    if abs(v) >= 1000 and digits == 0:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def targets(summary):
    """The issue's targets, judged from the pinned layout (server alone on its core): a
    list of (target, measured, verdict) where verdict is "met", "missed" or "not measured"."""
    scen = summary.get("pinned", {})

    def val(name, server, key):
        return scen.get(name, {}).get(server, {}).get(key)

    def cpu_ratio(name):
        _, _, op = KINDS[scen[name]["kind"]]
        return ratio(val(name, "tern", f"server_cpu_us_per_{op}"),
                     val(name, "coturn", f"server_cpu_us_per_{op}"))

    def judge(target, value, ok, shown):
        verdict = "not measured" if value is None else ("met" if ok(value) else "missed")
        return (target, shown(value) if value is not None else "—", verdict)

    out = []
    if "binding" in scen:
        out.append(judge("Binding: server CPU per request ≤ 0.6× coturn's",
                         cpu_ratio("binding"), lambda v: v <= 0.6, lambda v: f"{v:.2f}×"))
        out.append(judge("Binding: throughput ≥ 85% of the kernel floor's",
                         ratio(val("binding", "tern", "responses_per_s"),
                               val("binding", "floor", "responses_per_s")),
                         lambda v: v >= 0.85, lambda v: f"{v:.0%}"))
    allocs = [n for n, p in scen.items() if p["kind"] == "allocate"]
    if allocs:
        worst = min((ratio(val(n, "tern", "allocations_per_s"),
                           val(n, "coturn", "allocations_per_s")) or 0) for n in allocs)
        out.append(judge("Allocate (with the 401 round trip): ≥ 5× coturn's allocations/s",
                         worst or None, lambda v: v >= 5, lambda v: f"{v:.1f}× (lowest)"))
    relays = [n for n, p in scen.items() if p["kind"] == "relay"]
    if relays:
        worst = max((cpu_ratio(n) or 99) for n in relays)
        out.append(judge("Relay: server CPU per packet ≤ 0.6× coturn's (every size and "
                         "flow count)", worst if worst < 99 else None, lambda v: v <= 0.6,
                         lambda v: f"{v:.2f}× (highest)"))
    for name, p in scen.items():
        if p["kind"] == "idle":
            kb = per_allocation_kb(p.get("tern", {}))
            out.append(judge("Memory: ≤ 4 kB of RSS per idle allocation with a permission "
                             "and a channel", kb, lambda v: v * 1024 <= 4000,
                             lambda v: f"{v:.2f} KiB"))
        if p["kind"] == "max":
            held = val(name, "tern", "allocations_ok")
            out.append(judge("100,000 concurrent allocations", held, lambda v: v >= 100_000,
                             lambda v: f"{v:,.0f} (asked: what the fd limit allows)"))
    return out


def markdown(summary, meta):
    lines = [f"# tern vs coturn vs the kernel floor — {meta['date']}", "",
             f"Machine: {meta['cpus']} CPUs, {meta['kernel']}; coturn {meta['coturn']}; "
             f"build {meta['build_type']}; {meta['rounds']} rounds, first discarded, "
             f"medians{' (QUICK)' if meta['quick'] else ''}.",
             "Throughput: responses/s (binding), allocations/s (allocate), packets/s "
             "delivered back to the client (relay, each packet crosses the server twice), "
             "allocations held (idle, max). CPU: server µs per request, allocation or "
             "relayed packet (one direction). Ratios are tern/coturn and tern/floor: above "
             "1 is better for throughput, below 1 for latency, CPU and memory.", ""]
    for layout, scen in summary.items():
        lines += [f"## {layout}: {LAYOUTS[layout]}", "",
                  "| scenario | floor | coturn | tern | tern/coturn | tern/floor "
                  "| p99 µs coturn | p99 µs tern | CPU µs/op coturn | CPU µs/op tern "
                  "| CPU tern/coturn | RSS MB coturn | RSS MB tern |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name, per_server in scen.items():
            kind = per_server["kind"]
            tput_key, lat, op = KINDS[kind]
            get = lambda s, k: per_server.get(s, {}).get(k)  # noqa: E731
            t = {s: get(s, tput_key) for s in ("floor", "coturn", "tern")}
            cpu = {s: get(s, f"server_cpu_us_per_{op}") for s in ("coturn", "tern")}
            rss_key = "server_rss_held_kb" if kind == "idle" else "server_rss_kb"
            rss = {s: (get(s, rss_key) or 0) / 1024 or None for s in ("coturn", "tern")}
            lines.append(
                f"| {name} | {fmt(t['floor'])} | {fmt(t['coturn'])} | {fmt(t['tern'])} "
                f"| {fmt(ratio(t['tern'], t['coturn']), 2)} | {fmt(ratio(t['tern'], t['floor']), 2)} "
                f"| {fmt(get('coturn', lat + '_p99_us'))} | {fmt(get('tern', lat + '_p99_us'))} "
                f"| {fmt(cpu['coturn'], 2)} | {fmt(cpu['tern'], 2)} "
                f"| {fmt(ratio(cpu['tern'], cpu['coturn']), 2)} "
                f"| {fmt(rss['coturn'], 1)} | {fmt(rss['tern'], 1)} |")
        idle = [(n, p) for n, p in scen.items() if p["kind"] == "idle"]
        for name, p in idle:
            kb = {s: per_allocation_kb(p.get(s, {})) for s in ("coturn", "tern")}
            lines += ["", f"{name}: server memory per held allocation (one permission, one "
                      f"channel): coturn {fmt(kb['coturn'], 2)} KiB, tern {fmt(kb['tern'], 2)} KiB."]
        failures = [(n, s, m["failures"]) for n, p in scen.items() for s, m in p.items()
                    if isinstance(m, dict) and m.get("failures")]
        if failures:
            lines += ["", "Failures (all kept rounds): " + "; ".join(
                f"{n}/{s}: " + ", ".join(f"{k}×{v}" for k, v in f.items())
                for n, s, f in failures)]
        lines.append("")
    judged = targets(summary)
    if judged:
        lines += ["## Targets (issue #6), from the pinned layout", "",
                  "| target | measured | verdict |", "|---|---:|---|"]
        lines += [f"| {t} | {m} | {v} |" for t, m, v in judged]
        lines.append("")
    return "\n".join(lines)


def plot(summary, out_dir):
    """Bar chart of tern/coturn per scenario: throughput and CPU per operation."""
    if not shutil.which("gnuplot"):
        log("gnuplot missing: no results.png")
        return
    data = os.path.join(out_dir, "results.dat")
    with open(data, "w") as f:
        for layout, scen in summary.items():
            for name, p in scen.items():
                tput_key, _, op = KINDS[p["kind"]]
                t = ratio(p.get("tern", {}).get(tput_key), p.get("coturn", {}).get(tput_key))
                c = ratio(p.get("tern", {}).get(f"server_cpu_us_per_{op}"),
                          p.get("coturn", {}).get(f"server_cpu_us_per_{op}"))
                f.write(f'"{layout}:{name}" {t if t else 0} {c if c else 0}\n')
    script = f"""
set terminal pngcairo size 1400,700 font ",9"
set output "{os.path.join(out_dir, 'results.png')}"
set title "tern / coturn (throughput: higher is better; server CPU per operation: lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -45 noenhanced
set rmargin 12
set bmargin 10
set grid ytics
set logscale y 2
set yrange [0.0625:16]
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2
plot "{data}" using 2:xtic(1) title "throughput tern/coturn", "" using 3 title "CPU per op tern/coturn"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=False)


def once(scenario):
    return len(scenario) > 4 and scenario[4]


def run_group(layout, rnd, rounds, sname, group, build_dir, workers, server_cpus, load_cpus,
              tmp, raw):
    """Starts one server, runs `group` against it, stops it."""
    port = free_port()
    log(f"{layout} round {rnd + 1}/{rounds}: {sname}")
    try:
        server = Server(sname, server_argv(sname, build_dir, port, workers, tmp), port,
                        server_cpus)
    except RuntimeError as e:
        log(f"  cannot start {sname}: {e}")
        return
    try:
        for name, _, _, argv, *_ in group:
            result = run_bench(build_dir, argv, server, load_cpus, 120)
            log(f"  {name}: {result['wall_s']} s")
            raw[layout][name].setdefault(sname, []).append({"round": rnd, **result})
    finally:
        server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--build-type", default="",
                    help="over the release preset's (Release); default: the preset's, or with "
                         "--no-build what build-dir was configured with")
    ap.add_argument("--quick", action="store_true", default=os.environ.get("QUICK") == "1")
    ap.add_argument("--rounds", type=int, default=0, help="rounds incl. the discarded first")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--testbed", action="store_true", default=os.environ.get("TESTBED") == "1")
    args = ap.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    rounds = args.rounds or (2 if args.quick else 3)
    started = time.time()

    ensure_packages(args.testbed)
    if not args.no_build:
        try:
            build(build_dir, args.build_type)
        except subprocess.CalledProcessError:
            log(f"the build in {build_dir} failed")
            return 1
    args.build_type = cached_build_type(build_dir) or args.build_type
    if args.testbed:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import testbed  # noqa: E402 (bench/testbed.py, beside this script)
        raise_fd_limit()
        return testbed.main(["--build-dir", build_dir, *(["--quick"] if args.quick else []),
                             *(["--rounds", str(args.rounds)] if args.rounds else [])])
    fds = raise_fd_limit()
    out_dir = os.path.join(build_dir, "bench")
    os.makedirs(out_dir, exist_ok=True)
    pinned, unpinned = scenarios(args.quick, max(1000, min(100_000, fds - 500)))
    ncpu = os.cpu_count() or 1
    layouts = [("pinned", "0", "1", 1, pinned), ("unpinned", None, None, 2, unpinned)]
    if ncpu < 2:
        layouts = [(name, None, None, w, s) for name, _, _, w, s in layouts]
    log(f"fd limit {fds}; {rounds} rounds; {'QUICK' if args.quick else 'full'} run")

    raw = {}
    with tempfile.TemporaryDirectory(prefix="tern-bench-") as tmp:
        for layout, server_cpus, load_cpus, workers, scen in layouts:
            raw[layout] = {s[0]: {"kind": s[1]} for s in scen}
            servers = ["floor", "coturn", "tern"]
            for rnd in range(rounds):
                order = servers[rnd % 3:] + servers[:rnd % 3]
                for sname in order:
                    last = rnd == rounds - 1
                    shared = [s for s in scen if sname in s[2] and not once(s)]
                    # Memory and capacity are measured on a server of their own, so that
                    # what earlier scenarios left behind (heap high-water, lingering
                    # allocations) does not count.
                    alone = [s for s in scen if sname in s[2] and once(s)] if last else []
                    for group in [shared] + [[s] for s in alone]:
                        if group:
                            run_group(layout, rnd, rounds, sname, group, build_dir, workers,
                                      server_cpus, load_cpus, tmp, raw)

    summary = {}
    for layout, scen in raw.items():
        summary[layout] = {}
        for name, per_server in scen.items():
            summary[layout][name] = {"kind": per_server["kind"]}
            for sname, results in per_server.items():
                if sname == "kind":
                    continue
                # A last-round-only scenario has one result, which is kept.
                kept = [r for r in results if r["round"] > 0] or results
                summary[layout][name][sname] = summarize(kept)

    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": ncpu,
        "kernel": os.uname().release,
        "coturn": subprocess.run(["turnserver", "--version"], capture_output=True,
                                 text=True).stdout.strip() or "?",
        "build_type": args.build_type,
        "rounds": rounds,
        "quick": args.quick,
        "seconds": round(time.time() - started),
    }
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "medians": summary, "rounds": raw}, f, indent=1)
    md = markdown(summary, meta)
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(md)
    plot(summary, out_dir)
    print(md)
    log(f"done in {meta['seconds']} s: {out_dir}/results.md, results.json, results.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

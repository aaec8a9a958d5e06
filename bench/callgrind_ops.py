#!/usr/bin/env python3
"""User-space instructions per operation, from valgrind's callgrind: the numbers to compare
before and after a change to the hot path, since they hardly move with the machine's load
(timings on a shared 2-core box do).

Runs each server with one worker under callgrind with collection off, warms it up, turns
collection on for a fixed-count tern-bench run, dumps, and divides the instructions by the
operations the run completed:
  binding    Ir per Binding request
  allocate   Ir per allocation lifecycle (Allocate → 401 → signed Allocate, Refresh 0)
  allocate-rest  the same with TURN REST API credentials (--static-auth-secret)
  relay      Ir per relayed ChannelData packet per direction (120 B)
  relay-paced  the same with 50 flows paced at 100 packets/s each (real calls)
  relay-w1   the same with one flow and one packet in flight (no batching)
  send       Ir per relayed packet per direction, Send/Data indications (120 B)

  python3 bench/callgrind_ops.py [--build build-perf] [--servers tern,coturn] [--json]
The build should be optimized (RelWithDebInfo); the numbers in bench/NOTES.md were.
"""

import argparse
import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import run_bench as rb

SCENARIOS = {
    # name: (warm-up args, measured args, operations from the JSON result)
    "binding": (["binding", "-k", "1", "-W", "4", "-n", "500", "-d", "30"],
                ["binding", "-k", "1", "-W", "4", "-n", "20000", "-d", "120"],
                lambda r: r.get("responses", 0)),
    "allocate": (["allocate", "-n", "50", "-W", "4"],
                 ["allocate", "-n", "1000", "-W", "4", "--timeout-ms", "5000"],
                 lambda r: r.get("allocations_ok", 0)),
    "allocate-rest": (["allocate", "-n", "50", "-W", "4"],
                      ["allocate", "-n", "1000", "-W", "4", "--timeout-ms", "5000"],
                      lambda r: r.get("allocations_ok", 0)),
    "relay": (["relay", "-m", "1", "-W", "4", "-n", "1000", "-d", "30"],
              ["relay", "-m", "4", "-W", "4", "-n", "40000", "-d", "120"],
              lambda r: r.get("packets_at_peer", 0) + r.get("packets_back", 0)),
    # Real calls (issue #16): 50 flows at 100 packets/s each, paced. The measured run sets
    # its 50 allocations up too (~50 allocation lifecycles of Ir, about 10% here).
    "relay-paced": (["relay", "-m", "1", "-W", "4", "-n", "1000", "-d", "30"],
                    ["relay", "-m", "50", "--rate", "5000", "-n", "20000", "-d", "120"],
                    lambda r: r.get("packets_at_peer", 0) + r.get("packets_back", 0)),
    # One packet in flight: every packet pays one wake-up, one receive and one send
    # whatever the machine's load, so the figure does not move with batching.
    "relay-w1": (["relay", "-m", "1", "-W", "1", "-n", "1000", "-d", "30"],
                 ["relay", "-m", "1", "-W", "1", "-n", "20000", "-d", "120"],
                 lambda r: r.get("packets_at_peer", 0) + r.get("packets_back", 0)),
    "send": (["relay", "--no-channel", "-m", "1", "-W", "4", "-n", "1000", "-d", "30"],
             ["relay", "--no-channel", "-m", "4", "-W", "4", "-n", "40000", "-d", "120"],
             lambda r: r.get("packets_at_peer", 0) + r.get("packets_back", 0)),
}


# The scenarios that authenticate with time-limited credentials minted from this secret.
REST_SECRET = "callgrind-rest-secret"
REST = {"allocate-rest"}


def wait_for(port, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if rb.answers_binding(port, timeout=0.5):
            return True
        time.sleep(0.2)
    return False


def total_ir(out_file):
    with open(out_file) as f:
        for line in f:
            m = re.match(r"totals:\s+(\d+)", line)
            if m:
                return int(m.group(1))
    raise RuntimeError(f"no totals in {out_file}")


def bench(build, port, argv, rest):
    credentials = ["--secret", REST_SECRET] if rest else ["-w", rb.PASSWORD]
    cmd = [f"{build}/bench/tern-bench", *argv, "-s", f"127.0.0.1:{port}", "-u", rb.USER,
           *credentials, "--json", "--max-seconds", "300"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=400).stdout
    return json.loads(out)


def measure(server, scenario, build, tmp):
    port = rb.free_port()
    out = os.path.join(tmp, f"{server}-{scenario}.out")
    argv = rb.server_argv(server, build, port, 1, tmp)
    rest = scenario in REST
    if rest:
        argv += ["--use-auth-secret", "--static-auth-secret", REST_SECRET]
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
         *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        if not wait_for(port, 60):
            raise RuntimeError(f"{server} under valgrind did not answer: "
                               f"{proc.stderr.read1(4000).decode(errors='replace')}")
        warm, measured, ops_of = SCENARIOS[scenario]
        bench(build, port, warm, rest)
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True,
                       capture_output=True)
        result = bench(build, port, measured, rest)
        subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True,
                       capture_output=True)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # callgrind writes the file (or one per thread, with a suffix) when the process ends.
    files = [f for f in glob.glob(out + "*") if os.path.getsize(f) > 0]
    ir = sum(total_ir(f) for f in files)
    ops = ops_of(result)
    return {"server": server, "scenario": scenario, "ops": ops, "ir": ir,
            "ir_per_op": round(ir / ops) if ops else None}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(rb.ROOT, "build-perf"))
    p.add_argument("--servers", default="tern")
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="tern-callgrind-") as tmp:
        for scenario in a.scenarios.split(","):
            for server in a.servers.split(","):
                row = measure(server, scenario, a.build, tmp)
                rows.append(row)
                if not a.json:
                    print(f"{scenario:13} {server:7} {row['ir_per_op']:>9,} Ir/op "
                          f"({row['ops']:,} ops)", flush=True)
    if a.json:
        json.dump(rows, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()

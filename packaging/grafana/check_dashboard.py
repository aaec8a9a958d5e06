#!/usr/bin/env python3
"""Every metric the Grafana dashboard's PromQL names is one ternd exports.

Starts ternd on free loopback ports with /metrics on, scrapes it once, and checks each
metric name in the dashboard's queries (panel targets and template variables) against
the scrape. Usage: check_dashboard.py DASHBOARD.json TERND, or --self-test.
"""

import json
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

# PromQL words that look like metric names but are not: keywords and aggregation
# modifiers. Functions are told apart by the "(" after them.
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
    "unless", "offset", "inf", "nan",
}


def metric_names(expr):
    """The metric names a PromQL expression reads."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values, which may hold anything
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range and subquery durations
    # label lists of by/without/on/ignoring/group_*
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    expr = re.sub(r"\$\{?\w+\}?", " ", expr)  # Grafana variables ($__rate_interval, $instance)
    names = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", expr):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in KEYWORDS:
            continue
        names.add(word)
    return names


def queries(dashboard):
    """Every PromQL text in the dashboard, with where it is."""
    found = []

    def panels(items):
        for p in items:
            for t in p.get("targets", []):
                if "expr" in t:
                    found.append((f'panel "{p.get("title")}" {t.get("refId")}', t["expr"]))
            panels(p.get("panels", []))

    panels(dashboard.get("panels", []))
    for v in dashboard.get("templating", {}).get("list", []):
        q = v.get("query")
        text = q.get("query") if isinstance(q, dict) else q
        if v.get("type") == "query" and text:
            # label_values(metric, label): the metric is the first argument.
            m = re.match(r"\s*label_values\(\s*([^,)]+)", text)
            found.append((f'variable "{v.get("name")}"', m.group(1) if m else text))
    return found


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape_ternd(ternd):
    """The sample names of one scrape of a ternd started here; raises if none answers."""
    last = "not started"
    for _attempt in range(3):  # a port taken between picking and binding: pick again
        with tempfile.TemporaryDirectory() as tmp:
            metrics = free_port(socket.SOCK_STREAM)
            args = [
                ternd, "--listening-ip", "127.0.0.1",
                "--listening-port", str(free_port(socket.SOCK_DGRAM)),
                "--relay-ip", "127.0.0.1", "--user", "alice:secret", "--realm", "tern.test",
                "--admin-listen", f"127.0.0.1:{free_port(socket.SOCK_STREAM)}",
                "--admin-token", "dashboard-test-token",
                "--prometheus-listen", f"127.0.0.1:{metrics}",
                "--log-file", f"{tmp}/ternd.log",
            ]
            proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and proc.poll() is None:
                    try:
                        url = f"http://127.0.0.1:{metrics}/metrics"
                        with urllib.request.urlopen(url, timeout=5) as r:
                            text = r.read().decode()
                        return {
                            line.split("{")[0].split(" ")[0]
                            for line in text.splitlines()
                            if line and not line.startswith("#")
                        }
                    except OSError as e:
                        last = str(e)
                        time.sleep(0.1)
            finally:
                proc.terminate()
                try:
                    _, err = proc.communicate(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    _, err = proc.communicate()
                if err:
                    last += "\n" + err.decode(errors="replace")
    raise RuntimeError(f"no /metrics from ternd: {last}")


def self_test():
    expr = ('histogram_quantile(0.99, sum by (le) (rate(tern_a_bucket{instance=~"$instance",'
            'x="a b(c)"}[$__rate_interval]))) / on(instance) group_left(version) '
            'tern_b offset 5m and process_c > bool 0')
    got = metric_names(expr)
    want = {"tern_a_bucket", "tern_b", "process_c"}
    if got != want:
        print(f"self-test: {got} != {want}")
        return 1
    print("self-test: ok")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    with open(sys.argv[1]) as f:
        dashboard = json.load(f)
    used = {}
    for where, expr in queries(dashboard):
        names = metric_names(expr)
        if not names:
            print(f"{where}: names no metric: {expr}")
            return 1
        for n in names:
            used.setdefault(n, []).append(where)
    exported = scrape_ternd(sys.argv[2])
    missing = {n: w for n, w in used.items() if n not in exported}
    for n, where in sorted(missing.items()):
        print(f"{n}: not exported by ternd; used by {', '.join(where)}")
    print(f"{len(used)} metric names in {sys.argv[1]}, {len(missing)} not exported")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

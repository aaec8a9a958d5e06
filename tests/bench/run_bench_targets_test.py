#!/usr/bin/env python3
"""make bench's verdicts on the issue's targets (bench/run_bench.py: targets, markdown),
from a made-up summary: met, missed and not measured each come out as such."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import run_bench as rb  # noqa: E402


def summary(tern_alloc_rate=30000, tern_relay_cpu=2.0, held=19500, idle=True):
    pinned = {
        "binding": {"kind": "binding",
                    "floor": {"responses_per_s": 100000},
                    "coturn": {"responses_per_s": 20000, "server_cpu_us_per_request": 10.0},
                    "tern": {"responses_per_s": 90000, "server_cpu_us_per_request": 2.0}},
        "allocate_1000": {"kind": "allocate",
                          "coturn": {"allocations_per_s": 4000,
                                     "server_cpu_us_per_allocation": 200.0},
                          "tern": {"allocations_per_s": tern_alloc_rate,
                                   "server_cpu_us_per_allocation": 20.0}},
        "relay_120B_4flows": {"kind": "relay",
                              "coturn": {"from_peer_pps": 1, "server_cpu_us_per_packet": 8.0},
                              "tern": {"from_peer_pps": 2,
                                       "server_cpu_us_per_packet": tern_relay_cpu}},
        "max_allocations": {"kind": "max", "coturn": {"allocations_ok": held},
                            "tern": {"allocations_ok": held}},
    }
    if idle:
        pinned["idle_10000_held"] = {
            "kind": "idle",
            "tern": {"server_rss_held_kb": 30000, "server_rss_kb": 20000,
                     "server_rss_delta_kb": 0, "allocations_ok": 10000}}
    return {"pinned": pinned}


def verdicts(s):
    return {t: v for t, _, v in rb.targets(s)}


class Targets(unittest.TestCase):
    def test_all_met_but_capacity(self):
        v = verdicts(summary())
        self.assertEqual(v["Binding: server CPU per request ≤ 0.6× coturn's"], "met")
        self.assertEqual(v["Binding: throughput ≥ 85% of the kernel floor's"], "met")
        self.assertEqual(v["Allocate (with the 401 round trip): ≥ 5× coturn's allocations/s"],
                         "met")
        self.assertEqual(v["Relay: server CPU per packet ≤ 0.6× coturn's (every size and "
                           "flow count)"], "met")
        self.assertEqual(v["Memory: ≤ 4 kB of RSS per idle allocation with a permission and "
                           "a channel"], "met")  # 1 KiB each
        self.assertEqual(v["100,000 concurrent allocations"], "missed")

    def test_misses_are_called_misses(self):
        v = verdicts(summary(tern_alloc_rate=12000, tern_relay_cpu=6.0, held=100000))
        self.assertEqual(v["Allocate (with the 401 round trip): ≥ 5× coturn's allocations/s"],
                         "missed")
        self.assertEqual(v["Relay: server CPU per packet ≤ 0.6× coturn's (every size and "
                           "flow count)"], "missed")
        self.assertEqual(v["100,000 concurrent allocations"], "met")

    def test_a_scenario_that_did_not_run_is_not_measured_or_absent(self):
        s = summary(idle=False)
        del s["pinned"]["binding"]["tern"]["server_cpu_us_per_request"]
        v = verdicts(s)
        self.assertEqual(v["Binding: server CPU per request ≤ 0.6× coturn's"], "not measured")
        self.assertNotIn("Memory: ≤ 4 kB of RSS per idle allocation with a permission and "
                         "a channel", v)

    def test_the_report_has_the_verdict_table(self):
        meta = {"date": "d", "cpus": 2, "kernel": "k", "coturn": "c", "build_type": "b",
                "rounds": 3, "quick": False}
        md = rb.markdown(summary(), meta)
        self.assertIn("## Targets (issue #6), from the pinned layout", md)
        self.assertIn("| 100,000 concurrent allocations | 19,500", md)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""The veth testbed's arithmetic (bench/testbed.py: summarize, targets, markdown), from
made-up rounds: the baseline is subtracted per packet, the first round is discarded, and
issue #16's targets come out met, missed or not measured."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import testbed  # noqa: E402


def run(rnd, procs_s, packets, softirq_s=0.0):
    return {"round": rnd, "procs_s": procs_s, "ksoftirqd_s": 0.0, "softirq_s": softirq_s,
            "packets_measured": packets, "from_peer_pps": packets / 2, "loss_percent": 0}


def raw(tern_per_packet_us, offload_per_packet_us=None, coturn_per_packet_us=10.0,
        half_loss=0.0):
    """Every scenario: baseline 2 µs a packet, the servers as given (first round junk)."""
    out = {}
    for s in testbed.scenarios(False, False):
        per = {"baseline": [run(0, 99, 1), run(1, 0.2, 100_000)],
               "tern": [run(0, 99, 1), run(1, tern_per_packet_us / 10, 100_000)],
               "coturn": [run(0, 99, 1), run(1, coturn_per_packet_us / 10, 100_000)]}
        if offload_per_packet_us is not None:
            per["tern-offload"] = [run(0, 99, 1), run(1, offload_per_packet_us / 10, 100_000)]
            if s.get("half"):
                per["tern-offload"][1]["half_loss_percent"] = half_loss
        out[s["name"]] = per
    return out


class TestbedSummary(unittest.TestCase):
    def test_added_cpu_is_per_packet_minus_the_baseline(self):
        m = testbed.summarize(raw(6.0), 2)["relay_120B_64flows"]
        self.assertAlmostEqual(m["baseline"]["cpu_us_per_packet"], 2.0)
        self.assertAlmostEqual(m["tern"]["cpu_us_per_packet"], 6.0)
        self.assertAlmostEqual(m["tern"]["added_cpu_us_per_packet"], 4.0)
        self.assertAlmostEqual(m["coturn"]["added_cpu_us_per_packet"], 8.0)

    def test_softirq_counts_only_in_its_own_column(self):
        r = raw(6.0)
        r["relay_120B_1flows"]["tern"][1]["softirq_s"] = 0.1  # 1 µs a packet more
        m = testbed.summarize(r, 2)["relay_120B_1flows"]["tern"]
        self.assertAlmostEqual(m["added_cpu_us_per_packet"], 4.0)
        self.assertAlmostEqual(m["added_cpu_us_per_packet_softirq"], 5.0)

    def test_targets_met_missed_and_not_measured(self):
        # tern adds 4 µs, coturn 8: paced 0.5× (met); offload adds 0.5: 8× less (met);
        # every flow count costs the same: 1.0× (met).
        # No loss at half rate (met).
        verdicts = [v for _, _, v in testbed.targets(testbed.summarize(raw(6.0, 2.5), 2))]
        self.assertEqual(verdicts, ["met", "met", "met", "met"])
        # Offload only 2× less, and it lost at half rate.
        summary = testbed.summarize(raw(6.0, 4.0, half_loss=0.2), 2)
        verdicts = [v for _, _, v in testbed.targets(summary)]
        self.assertEqual(verdicts, ["missed", "missed", "met", "met"])
        # No offload run; tern at 0.75× coturn.
        verdicts = [v for _, _, v in testbed.targets(testbed.summarize(raw(8.0), 2))]
        self.assertEqual(verdicts, ["not measured", "not measured", "missed", "met"])

    def test_markdown_names_every_server_and_what_was_skipped(self):
        summary = testbed.summarize(raw(6.0), 2)
        meta = {"date": "d", "cpus": 2, "kernel": "k", "rounds": 2, "duration": 1,
                "skipped": ["offloaded tern (ternd has no --offload yet)"]}
        md = testbed.markdown(summary, meta, ["tern", "coturn"])
        self.assertIn("| paced_50flows_100pps | coturn |", md)
        self.assertIn("Not run: offloaded tern", md)
        self.assertIn("## Targets (issue #16)", md)

    def test_markdown_sets_the_floor_beside_coturn(self):
        r = raw(6.0)
        for per in r.values():
            per["floor"] = [run(0, 99, 1), run(1, 0.6, 100_000)]  # adds 4 µs of coturn's 8
        md = testbed.markdown(testbed.summarize(r, 2), {"date": "d", "cpus": 2, "kernel": "k",
                                                         "rounds": 2, "duration": 1},
                              ["floor", "tern", "coturn"])
        self.assertIn("| relay_120B_1flows | floor |", md)
        self.assertIn("floor/coturn: relay_120B_1flows 0.50×", md)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""The Makefile's make run: its self-signed certificate names the printed host in a
subjectAltName (IP or DNS), is made again when the host changes and only then, and
ADMIN_PORT= moves the admin API as PORT= moves the listener.

Usage: make_run_test.py SOURCE_DIR. Runs make on the certificate target in a scratch
BUILD directory, and `make -n run` (which prints the commands without running them)."""

import os
import subprocess
import sys
import tempfile
import unittest

SOURCE = sys.argv.pop(1) if len(sys.argv) > 1 else os.getcwd()


def make(build, *args):
    return subprocess.run(["make", "--no-print-directory", "-C", SOURCE, f"BUILD={build}", *args],
                          check=True, capture_output=True, text=True, timeout=120).stdout


def san(cert):
    return subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", cert],
                          check=True, capture_output=True, text=True, timeout=30).stdout


class MakeRun(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.build = self.scratch.name
        self.cert = os.path.join(self.build, "tls", "cert.pem")

    def tearDown(self):
        self.scratch.cleanup()

    def cert_for(self, host):
        make(self.build, f"HOST={host}", self.cert)
        return san(self.cert)

    def test_certificate_names_an_ip_host(self):
        self.assertIn("IP Address:127.0.0.1", self.cert_for("127.0.0.1"))

    def test_certificate_names_an_ipv6_host(self):
        self.assertIn("IP Address:0:0:0:0:0:0:0:1", self.cert_for("::1"))

    def test_certificate_names_a_dns_host(self):
        self.assertIn("DNS:turn.example.org", self.cert_for("turn.example.org"))

    def test_certificate_is_remade_only_when_the_host_changes(self):
        self.cert_for("127.0.0.1")
        made = os.stat(self.cert).st_mtime_ns
        self.cert_for("127.0.0.1")
        self.assertEqual(os.stat(self.cert).st_mtime_ns, made)
        self.assertIn("DNS:turn.example.org", self.cert_for("turn.example.org"))

    def test_admin_port_moves_the_admin_api(self):
        printed = make(self.build, "-n", "run", "HOST=127.0.0.1", "ADMIN_PORT=5999")
        self.assertIn("--admin-listen 127.0.0.1:5999", printed)
        self.assertIn("--server 127.0.0.1:5999", printed)  # the ternctl lines make run prints

    def test_default_admin_port_is_ternds(self):
        printed = make(self.build, "-n", "run", "HOST=127.0.0.1")
        self.assertIn("--admin-listen 127.0.0.1:5767", printed)
        self.assertNotIn("--server", printed)


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""Proves a credential-minting example works as pasted from the README.

Starts ternd with REST API credentials (--use-auth-secret --static-auth-secret S) on free
loopback ports and a turnutils_peer, runs the example with TURN_SECRET=S, and relays
packets with turnutils_uclient using the username and credential the example printed:
every packet must come back through the relay. A credential minted with another secret
must be refused, so the check cannot pass without the example's HMAC being right.

Usage: relay_with_minted_credentials.py --ternd PATH -- COMMAND... (e.g. python3 x.py)
Exit 77 (ctest's skip) when coturn's turnutils are not installed.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SECRET = "example-test-secret"
SKIP = 77
PACKETS = 20


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (ternd listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
    sys.exit("no free port")


def answers_binding(port):
    """True when something on 127.0.0.1:port answers a STUN Binding request."""
    request = bytes.fromhex("000100002112a442") + os.urandom(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.sendto(request, ("127.0.0.1", port))
        try:
            reply = s.recv(2048)
        except OSError:
            return False
    return reply[8:20] == request[8:20]


class Process:
    """A child process that is always stopped, with its output kept in a file."""

    def __init__(self, args, log_path):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


def echoes(port):
    """True when something on 127.0.0.1:port sends a UDP datagram back (turnutils_peer)."""
    probe = os.urandom(16)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.sendto(probe, ("127.0.0.1", port))
        try:
            return s.recv(2048) == probe
        except OSError:
            return False


def start_until_ready(name, make, ready, workdir):
    """Starts `make(port)` on a free port until `ready(port)`, within 30 s on a loaded machine.

    Another process may take a port picked free before the child binds it: the child then
    exits, and a new port is tried (up to 5 times). Returns (process, port).
    """
    log = ""
    for attempt in range(5):
        port = free_port()
        proc = make(port, os.path.join(workdir, f"{name}-{attempt}.log"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.proc.poll() is None:
            if ready(port):
                return proc, port
            time.sleep(0.1)
        proc.stop()
        log = proc.output()
        if proc.proc.returncode in (0, -signal.SIGTERM):
            break  # it ran but never answered: another port would not help
    sys.exit(f"{name} did not start and answer:\n{log}")


def start_ternd(ternd, workdir):
    def make(port, log):
        return Process(
            [ternd, "--listening-ip", "127.0.0.1", "--listening-port", str(port), "--no-tls",
             "--realm", "tern.local", "--use-auth-secret", "--static-auth-secret", SECRET,
             "--relay-ip", "127.0.0.1", "--allow-loopback-peers", "--relay-threads", "1",
             "--admin-listen", f"127.0.0.1:{free_port()}", "--admin-token", "example-test"],
            log)
    return start_until_ready("ternd", make, answers_binding, workdir)


def start_peer(workdir):
    def make(port, log):
        return Process(["turnutils_peer", "-L", "127.0.0.1", "-p", str(port)], log)
    return start_until_ready("turnutils_peer", make, echoes, workdir)


def mint_with_example(command, ttl=600):
    env = dict(os.environ, TURN_SECRET=SECRET, TURN_USER="alice", TURN_TTL=str(ttl))
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        sys.exit(f"example failed ({out.returncode}): {out.stderr}")
    entry = json.loads(out.stdout)["iceServers"][0]
    if not re.fullmatch(r"\d+:alice", entry["username"]):
        sys.exit(f"unexpected username {entry['username']!r}")
    for url in ("turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp",
                "turns:127.0.0.1:5349?transport=tcp"):
        if url not in entry["urls"]:
            sys.exit(f"{url} missing from {entry['urls']}")
    return entry["username"], entry["credential"]


def relay(port, peer_port, username, credential, tcp):
    """Runs turnutils_uclient; returns (packets lost, or None when nothing came back; output)."""
    args = ["turnutils_uclient", "-u", username, "-w", credential, "-p", str(port),
            "-e", "127.0.0.1", "-r", str(peer_port), "-n", str(PACKETS), "-m", "1"]
    if tcp:
        args.append("-t")
    try:
        out = subprocess.run(args + ["127.0.0.1"], capture_output=True, text=True, timeout=60)
        text = out.stdout + out.stderr
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b"").decode(errors="replace") + "\n(timed out)"
    totals = re.search(r"start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)", text)
    lost = re.search(r"Total lost packets (\d+)", text)
    if not totals or not lost or int(totals.group(2)) == 0:
        return None, text
    sent, received = int(totals.group(1)), int(totals.group(2))
    return max(int(lost.group(1)), sent - received), text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ternd", required=True)
    parser.add_argument("command", nargs="+", help="the example to run, after --")
    args = parser.parse_args()
    if not (shutil.which("turnutils_uclient") and shutil.which("turnutils_peer")):
        print("skipped: turnutils_uclient/turnutils_peer not found (apt-get install coturn)")
        return SKIP

    username, credential = mint_with_example(args.command)
    print(f"minted {username}")
    with tempfile.TemporaryDirectory(prefix="tern-example-") as workdir:
        server, port = start_ternd(args.ternd, workdir)
        try:
            peer, peer_port = start_peer(workdir)
        except SystemExit:
            server.stop()
            raise
        try:
            failures = check(port, peer_port, username, credential, args.command)
        finally:
            peer.stop()
            server.stop()
        if failures:
            print("ternd log:\n" + server.output())
            for f in failures:
                print("FAILED: " + f)
            return 1
    print("ok: the example's credentials relay, wrong and expired ones do not")
    return 0


def check(port, peer_port, username, credential, command):
    failures = []
    for tcp in (False, True):
        transport = "TCP" if tcp else "UDP"
        lost, text = relay(port, peer_port, username, credential, tcp)
        if lost != 0:
            failures.append(f"relay over {transport} with the minted credential "
                            f"(lost {lost}):\n{text}")
        else:
            print(f"relayed {PACKETS} packets over {transport}, 0 lost")

    # The same client with a credential for another secret must get nothing through.
    wrong = credential[::-1]
    lost, text = relay(port, peer_port, username, wrong, tcp=False)
    if lost is not None:
        failures.append(f"a wrong credential relayed packets:\n{text}")
    else:
        print("a wrong credential relays nothing")

    # An already expired credential must be refused too.
    expired_user, expired_credential = mint_with_example(command, ttl=-60)
    lost, text = relay(port, peer_port, expired_user, expired_credential, tcp=False)
    if lost is not None:
        failures.append(f"an expired credential relayed packets:\n{text}")
    else:
        print("an expired credential relays nothing")
    return failures


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""make stress: a soak of one ternd under legitimate relaying and attacks at once.

Not in CI. ternd runs with its defaults (the limits an operator gets without tuning) on
loopback; tern-bench relays at a fixed rate over UDP, TCP and TLS for the whole run while
these attacks run against the same ternd:

  spoofed    unauthenticated UDP requests (Binding v4/v6, Allocate without credentials,
             an unknown comprehension-required attribute, a malformed attribute), each
             kind from one 127.x address: bytes answered per byte sent, per kind
  dripping   TCP connections that announce a 65,535-byte ChannelData frame and send one
             byte every few seconds
  silent     TCP connections that pipeline requests and never read their answers
  guessing   Allocates with wrong passwords over TCP, reconnecting whenever ternd closes
  idle       many TCP connections from one source that never send a byte

It prints one screen: ternd's RSS and open descriptors at the start, middle and end; what
the legitimate flows delivered; each attack's outcome. With --build-dir pointing at an
ASan build (make stress ASAN=1), it also counts sanitizer reports in ternd's log.
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REALM, USER, PASSWORD = "stress.local", "stress", "stress-secret"
COOKIE = 0x2112A442
BINDING, ALLOCATE = 0x0001, 0x0003
ATTR_USERNAME, ATTR_INTEGRITY, ATTR_ERROR = 0x0006, 0x0008, 0x0009
ATTR_REALM, ATTR_NONCE, ATTR_TRANSPORT = 0x0014, 0x0015, 0x0019


# --- STUN, just enough to attack with -------------------------------------------------

def attribute(kind, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * pad


def message(kind, attrs=b"", txid=None):
    txid = txid or os.urandom(12)
    return struct.pack("!HHI", kind, len(attrs), COOKIE) + txid + attrs


def allocate(extra=b""):
    return message(ALLOCATE, attribute(ATTR_TRANSPORT, bytes([17, 0, 0, 0])) + extra)


def with_integrity(kind, attrs, key):
    # RFC 8489 §14.5: the length covers MESSAGE-INTEGRITY when the HMAC is taken.
    txid = os.urandom(12)
    head = struct.pack("!HHI", kind, len(attrs) + 24, COOKIE) + txid
    mac = hmac.new(key, head + attrs, hashlib.sha1).digest()
    return head + attrs + attribute(ATTR_INTEGRITY, mac)


def attributes(data):
    out, pos = {}, 20
    while pos + 4 <= len(data):
        kind, length = struct.unpack_from("!HH", data, pos)
        out.setdefault(kind, data[pos + 4:pos + 4 + length])
        pos += 4 + length + (4 - length % 4) % 4
    return out


def error_code(data):
    v = attributes(data).get(ATTR_ERROR)
    return v[2] * 100 + v[3] if v and len(v) >= 4 else 0


def read_frame(sock):
    """One STUN message from a stream, or None when the connection closed."""
    head = recv_exact(sock, 20)
    if head is None:
        return None
    body = recv_exact(sock, struct.unpack_from("!H", head, 2)[0])
    return None if body is None else head + body


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        try:
            chunk = sock.recv(n - len(buf))
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
    return buf


# --- the server under test ------------------------------------------------------------

def free_port(kind=socket.SOCK_DGRAM):
    while True:
        port = random.randint(20000, 40000)
        ok = True
        for k in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, k)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return port


def process_sample(pid):
    rss_kb = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu_s = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return {"rss_mb": rss_kb / 1024, "fds": fds, "cpu_s": cpu_s}


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def start_ternd(build_dir, tmp, port, tls_port, admin_port):
    cert, key = make_cert(tmp)
    log = open(os.path.join(tmp, "ternd.log"), "w")
    argv = [os.path.join(build_dir, "server", "ternd"), "-n", "--listening-ip", "127.0.0.1",
            "--listening-ip", "::1", "--listening-port", str(port),
            "--tls-listening-port", str(tls_port), "--cert", cert, "--pkey", key,
            "--realm", REALM, "--user", f"{USER}:{PASSWORD}", "--relay-ip", "127.0.0.1",
            "--min-port", "41000", "--max-port", "44999", "--allow-loopback-peers",
            "--relay-threads", "2", "--admin-listen", f"127.0.0.1:{admin_port}",
            "--admin-token", "stress-token", "--user-quota", "200"]
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        try:
            s.sendto(message(BINDING), ("127.0.0.1", port))
            s.recvfrom(2048)
            return proc
        except OSError:
            if proc.poll() is not None:
                break
        finally:
            s.close()
    sys.exit(f"ternd did not start; see {log.name}")


def admin_stats(admin_port):
    s = socket.create_connection(("127.0.0.1", admin_port), timeout=5)
    s.sendall(b"GET /v1/stats HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer stress-token\r\n"
              b"Connection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    body = data.split(b"\r\n\r\n", 1)[-1]
    try:
        return json.loads(body)
    except ValueError:
        return {}


# --- attacks --------------------------------------------------------------------------

class Attack(threading.Thread):
    def __init__(self, stop):
        super().__init__(daemon=True)
        self.stop = stop
        self.result = {}


class Spoofed(Attack):
    """Unauthenticated UDP requests, `rate` per second in all, each kind from one source (so
    that source sends more than the per-source limits allow)."""

    def __init__(self, stop, port, rate):
        super().__init__(stop)
        self.port, self.rate = port, rate
        self.kinds = {
            "binding4": (socket.AF_INET, lambda: message(BINDING)),
            "binding6": (socket.AF_INET6, lambda: message(BINDING)),
            "allocate-401": (socket.AF_INET, lambda: allocate()),
            "unknown-420": (socket.AF_INET, lambda: message(BINDING, attribute(0x7FFE, b"x" * 4))),
            "malformed-400": (socket.AF_INET,
                              lambda: message(ALLOCATE, struct.pack("!HH", 0x0019, 200))),
        }

    def run(self):
        socks = []
        for name, (family, _) in self.kinds.items():
            s = socket.socket(family, socket.SOCK_DGRAM)
            s.setblocking(False)
            if family == socket.AF_INET:
                s.bind((f"127.0.{random.randint(2, 254)}.{random.randint(1, 254)}", 0))
                dest = ("127.0.0.1", self.port)
            else:
                s.bind(("::1", 0))
                dest = ("::1", self.port)
            socks.append((name, s, dest))
        sent = {k: [0, 0] for k in self.kinds}       # packets, bytes
        back = {k: [0, 0] for k in self.kinds}
        period = 1.0 / self.rate
        next_send = time.time()
        i = 0
        while not self.stop.is_set():
            name, s, dest = socks[i % len(socks)]
            i += 1
            pkt = self.kinds[name][1]()
            try:
                s.sendto(pkt, dest)
                sent[name][0] += 1
                sent[name][1] += len(pkt)
            except OSError:
                pass
            if i % 64 == 0:
                self.drain(socks, back)
                next_send += 64 * period
                delay = next_send - time.time()
                if delay > 0:
                    time.sleep(delay)
        time.sleep(0.5)
        self.drain(socks, back)
        for k in self.kinds:
            p, b = sent[k]
            rp, rb = back[k]
            self.result[k] = f"{p} sent, {100.0 * rp / p if p else 0:.1f}% answered, " \
                             f"{rb / b if b else 0:.2f} bytes back per byte sent"
        for _, s, _ in socks:
            s.close()

    @staticmethod
    def drain(socks, back):
        for name, s, _ in socks:
            while True:
                try:
                    data = s.recv(2048)
                except OSError:
                    break
                back[name][0] += 1
                back[name][1] += len(data)


class StreamAttack(Attack):
    """Holds `count` TCP connections doing `behave`; counts how ternd ends them."""

    def __init__(self, stop, port, count, source):
        super().__init__(stop)
        self.port, self.count, self.source = port, count, source
        self.opened = self.refused = self.closed_by_server = 0
        self.lifetimes = []

    def connect(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.bind((self.source, 0))
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", self.port))
        except OSError:
            s.close()
            self.refused += 1
            return None
        s.setblocking(False)
        self.opened += 1
        return s

    def closed(self, s):
        try:
            data = s.recv(65536)
            return data == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def top_up(self, conns, hello=b""):
        """Opens connections until `count` are held, each sending `hello` first; `conns`
        maps each to the time it was opened."""
        while len(conns) < self.count and not self.stop.is_set():
            s = self.connect()
            if s is None:
                time.sleep(0.5)
                return
            try:
                s.send(hello)
            except OSError:
                pass
            conns[s] = time.time()

    def ended(self, conns, s):
        self.closed_by_server += 1
        self.lifetimes.append(time.time() - conns.pop(s))
        s.close()

    def finish(self, conns, name):
        for s in conns:
            s.close()
        self.result[name] = self.summary(f"{len(conns)} still open at the end")

    def summary(self, what):
        life = sorted(self.lifetimes)
        median = f", median life {life[len(life) // 2]:.0f} s" if life else ""
        return (f"{self.opened} opened, {self.refused} refused or reset, "
                f"{self.closed_by_server} closed by ternd{median}; {what}")


class Dripping(StreamAttack):
    def run(self):
        conns = {}
        while not self.stop.is_set():
            # A ChannelData header announcing 65,535 bytes, then a byte now and then.
            self.top_up(conns, b"\x40\x00\xff")
            for s in list(conns):
                if self.closed(s):
                    self.ended(conns, s)
                    continue
                try:
                    s.send(b"\xff" if random.random() < 0.2 else b"")
                except OSError:
                    pass
            self.stop.wait(1.0)
        self.finish(conns, "dripping")


class Silent(StreamAttack):
    """Pipelines unauthenticated Allocates and never reads."""

    def run(self):
        conns = {}
        pkt = allocate() * 64
        while not self.stop.is_set():
            self.top_up(conns)
            for s in list(conns):
                try:
                    s.send(pkt)
                except BlockingIOError:
                    pass
                except OSError:
                    self.ended(conns, s)
            self.stop.wait(0.2)
        self.finish(conns, "silent")


class Idle(StreamAttack):
    def run(self):
        conns = []
        while not self.stop.is_set() and self.opened + self.refused < self.count:
            s = self.connect()
            if s is not None:
                conns.append(s)
        held = 0
        while not self.stop.is_set():
            held = sum(1 for s in conns if not self.closed(s))
            self.stop.wait(2.0)
        self.closed_by_server = len(conns) - held
        for s in conns:
            s.close()
        self.result["idle"] = self.summary(f"{held} still open at the end")


class Guessing(Attack):
    """Wrong-password Allocates over TCP as fast as ternd answers them."""

    def __init__(self, stop, port, source):
        super().__init__(stop)
        self.port, self.source = port, source

    def run(self):
        tries = closes = answered_401 = no_answer = 0
        start = time.time()
        key = hashlib.md5(f"{USER}:{REALM}:wrong".encode()).digest()
        while not self.stop.is_set():
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((self.source, 0))
            s.settimeout(3)
            try:
                s.connect(("127.0.0.1", self.port))
                s.sendall(allocate())
                challenge = read_frame(s)
                nonce = attributes(challenge or b"").get(ATTR_NONCE)
                while nonce and not self.stop.is_set():
                    attrs = (attribute(ATTR_TRANSPORT, bytes([17, 0, 0, 0])) +
                             attribute(ATTR_USERNAME, USER.encode()) +
                             attribute(ATTR_REALM, REALM.encode()) + attribute(ATTR_NONCE, nonce))
                    s.sendall(with_integrity(ALLOCATE, attrs, key))
                    tries += 1
                    answer = read_frame(s)
                    if answer is None:
                        break
                    if error_code(answer) == 401:
                        answered_401 += 1
                    nonce = attributes(answer).get(ATTR_NONCE, nonce)
            except socket.timeout:
                no_answer += 1
            except OSError:
                pass
            closes += 1
            s.close()
            self.stop.wait(0.1)
        secs = time.time() - start
        self.result["guessing"] = (f"{tries} wrong passwords tried ({tries / secs:.0f}/s), "
                                   f"{answered_401} answered 401, {closes} connections ended, "
                                   f"{no_answer} times no answer within 3 s")


# --- legitimate load ------------------------------------------------------------------

def legit_load(build_dir, port, tls_port, transport, seconds, rate, flows, tmp):
    server = f"127.0.0.1:{tls_port if transport == 'tls' else port}"
    argv = [os.path.join(build_dir, "bench", "tern-bench"), "relay", "-s", server,
            "-t", transport, "-u", USER, "-w", PASSWORD, "-m", str(flows),
            "--rate", str(rate), "-d", str(seconds), "--json",
            "--max-seconds", str(seconds + 120)]
    out = open(os.path.join(tmp, f"bench-{transport}.json"), "w")
    return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT), out.name


def legit_summary(path):
    try:
        with open(path) as f:
            r = json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return "no result (see " + path + ")"
    if "error" in r:
        return "error: " + r["error"]
    return (f"{int(r.get('packets_sent', 0))} sent, {int(r.get('packets_back', 0))} back, "
            f"loss {r.get('loss_percent', 0):.3f}%, rtt p99 {r.get('rtt_p99_us', 0):.0f} us, "
            f"failures {r.get('failures', {})}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    p.add_argument("--seconds", type=int, default=600)
    p.add_argument("--legit-rate", type=int, default=2000, help="packets/s per transport")
    p.add_argument("--spoof-rate", type=int, default=10000, help="spoofed requests/s")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    tmp = tempfile.mkdtemp(prefix="tern-stress-")
    port, tls_port, admin_port = free_port(), free_port(), free_port()
    ternd = start_ternd(args.build_dir, tmp, port, tls_port, admin_port)
    samples = {"start": process_sample(ternd.pid)}
    stop = threading.Event()
    attacks = [Spoofed(stop, port, args.spoof_rate),
               Dripping(stop, port, 300, "127.0.9.1"),
               Silent(stop, port, 200, "127.0.9.2"),
               Guessing(stop, port, "127.0.9.3"),
               Idle(stop, port, 3000, "127.0.9.4")]
    loads = [legit_load(args.build_dir, port, tls_port, t, args.seconds, args.legit_rate, 20, tmp)
             for t in ("udp", "tcp", "tls")]
    for a in attacks:
        a.start()
    began = time.time()
    try:
        stop.wait(args.seconds / 2)
        samples["middle"] = process_sample(ternd.pid)
        stop.wait(max(0.0, began + args.seconds - time.time()))
    except KeyboardInterrupt:
        pass
    stop.set()
    for a in attacks:
        a.join(timeout=30)
    for proc, _ in loads:
        try:
            proc.wait(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
    time.sleep(2)
    samples["end"] = process_sample(ternd.pid)
    stats = admin_stats(admin_port)
    ternd.send_signal(signal.SIGTERM)
    try:
        ternd.wait(timeout=30)
    except subprocess.TimeoutExpired:
        ternd.kill()
    log = open(os.path.join(tmp, "ternd.log"), errors="replace").read()
    reports = len(re.findall(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:", log))

    print(f"\ntern stress: {args.seconds} s against one ternd (defaults, 2 workers), "
          f"log and results in {tmp}\n")
    print("ternd        RSS MB   fds   CPU s")
    for when, s in samples.items():
        print(f"  {when:<8} {s['rss_mb']:8.1f} {s['fds']:5d} {s['cpu_s']:7.1f}")
    print("\nlegitimate relaying (tern-bench, 20 flows each)")
    for (proc, path), t in zip(loads, ("udp", "tcp", "tls")):
        print(f"  {t:<4} {legit_summary(path)}")
    print("\nattacks")
    for a in attacks:
        for k, v in a.result.items():
            print(f"  {k:<14} {v}")
    counters = {k: v for k, v in (stats.get("counters") or stats).items()
                if isinstance(v, (int, float)) and v and not k.startswith("relayed")}
    print("\nternd counters (non-zero):", json.dumps(counters, sort_keys=True)[:1500])
    print(f"exit status {ternd.returncode}, log lines {log.count(chr(10))}, "
          f"sanitizer reports {reports}")
    return 0 if reports == 0 and ternd.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

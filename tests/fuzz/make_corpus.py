#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus: tests/fuzz/corpus/<target>/*.bin.

The RFC vectors are checked here (HMAC, CRC) before they are written, so a typo in the
hex cannot seed the fuzzers with a message no real peer sends. Run it again after
changing it and commit the files: the build only reads them.
"""
import hashlib
import hmac
import pathlib
import struct
import zlib

HERE = pathlib.Path(__file__).resolve().parent
COOKIE = 0x2112A442


def unhex(s):
    return bytes.fromhex("".join(s.split()))


# RFC 5769 §2.1-§2.4 and RFC 8489 appendix B.1 as corrected by erratum 6268.
RFC5769_REQUEST = unhex("""
00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36
00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
80 28 00 04 e5 7a 3b cf""")
RFC5769_IPV4_RESPONSE = unhex("""
01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
00 20 00 08 00 01 a1 47 e1 12 a6 43
00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
80 28 00 04 c0 7d 4c 96""")
RFC5769_IPV6_RESPONSE = unhex("""
01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
80 28 00 04 c8 fb 0b 4c""")
RFC5769_LONG_TERM_REQUEST = unhex("""
00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66""")
RFC8489_SHA256_REQUEST = unhex("""
00 01 00 90 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
00 1e 00 20 4a 3c f3 8f ef 69 92 bd a9 52 c6 78 04 17 da 0f 24 81 94 15 56 9e 60 b2 05 c4 6e 41 40 7f 17 04
00 15 00 29 6f 62 4d 61 74 4a 6f 73 32 41 41 41 43 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33
            34 6f 4c 39 46 53 54 76 79 36 34 73 41 00 00 00
00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
00 1d 00 04 00 02 00 00
00 1c 00 20 b5 c7 bf 00 5b 6c 52 a2 1c 51 c5 e8 92 f8 19 24 13 62 96 cb 92 7c 43 14 93 09 27 8c c6 51 8e 65""")


def attributes(msg):
    pos = 20
    while pos < len(msg):
        t, n = struct.unpack_from("!HH", msg, pos)
        yield t, pos, msg[pos + 4:pos + 4 + n]
        pos += 4 + (n + 3) // 4 * 4


def with_length(msg, end):
    return msg[:2] + struct.pack("!H", end - 20) + msg[4:]


def check_integrity(msg, key, mi_type=0x0008, digest="sha1"):
    for t, pos, value in attributes(msg):
        if t == mi_type:
            covered = with_length(msg, pos + 4 + len(value))[:pos]
            assert hmac.new(key, covered, digest).digest() == value, "bad integrity"
            return
    raise AssertionError("no integrity attribute")


def check_fingerprint(msg):
    for t, pos, value in attributes(msg):
        if t == 0x8028:
            crc = zlib.crc32(msg[:pos]) ^ 0x5354554E
            assert struct.pack("!I", crc) == value, "bad fingerprint"
            return
    raise AssertionError("no fingerprint")


def check_vectors():
    short_term = b"VOkJxbRl1RmTxUk/WvJxBt"
    for msg in (RFC5769_REQUEST, RFC5769_IPV4_RESPONSE, RFC5769_IPV6_RESPONSE):
        check_integrity(msg, short_term)
        check_fingerprint(msg)
    user = "\u30de\u30c8\u30ea\u30c3\u30af\u30b9".encode()
    long_term = user + b":example.org:TheMatrIX"
    check_integrity(RFC5769_LONG_TERM_REQUEST, hashlib.md5(long_term).digest())
    check_integrity(RFC8489_SHA256_REQUEST, hashlib.sha256(long_term).digest(), 0x001C, "sha256")


class Msg:
    """A small STUN builder, independent of the C++ one it helps to test."""

    def __init__(self, msg_type, tid=bytes(range(1, 13)), cookie=True):
        self.head = struct.pack("!H", msg_type)
        self.magic = struct.pack("!I", COOKIE) if cookie else b"\x5a\x5a\x5a\x5a"
        self.tid = tid
        self.body = b""

    def add(self, t, value):
        pad = b"\0" * ((4 - len(value) % 4) % 4)
        self.body += struct.pack("!HH", t, len(value)) + value + pad
        return self

    def add_integrity(self, key):
        mac = hmac.new(key, self._header(len(self.body) + 24) + self.body, "sha1").digest()
        return self.add(0x0008, mac)

    def add_fingerprint(self):
        crc = zlib.crc32(self._header(len(self.body) + 8) + self.body) ^ 0x5354554E
        return self.add(0x8028, struct.pack("!I", crc))

    def _header(self, length):
        return self.head + struct.pack("!H", length) + self.magic + self.tid

    def bytes(self):
        return self._header(len(self.body)) + self.body


def xor_addr_v4(ip, port):
    x = bytes(a ^ b for a, b in zip(bytes(ip), struct.pack("!I", COOKIE)))
    return struct.pack("!BBH", 0, 1, port ^ (COOKIE >> 16)) + x


def xor_addr_v6(ip16, port, tid):
    key = struct.pack("!I", COOKIE) + tid
    return struct.pack("!BBH", 0, 2, port ^ (COOKIE >> 16)) + bytes(a ^ b for a, b in zip(ip16, key))


def channel_data(channel, data, pad=True):
    padding = b"\0" * ((4 - len(data) % 4) % 4) if pad else b""
    return struct.pack("!HH", channel, len(data)) + data + padding


def messages():
    tid = bytes(range(1, 13))
    key = hashlib.md5(b"alice:tern.example:secret").digest()
    peer6 = bytes.fromhex("20010db8000000000000000000000001")
    m = {
        "rfc5769_request": RFC5769_REQUEST,
        "rfc5769_ipv4_response": RFC5769_IPV4_RESPONSE,
        "rfc5769_ipv6_response": RFC5769_IPV6_RESPONSE,
        "rfc5769_long_term_request": RFC5769_LONG_TERM_REQUEST,
        "rfc8489_sha256_request": RFC8489_SHA256_REQUEST,
        "binding_request": Msg(0x0001).bytes(),
        "binding_request_fingerprint": Msg(0x0001).add_fingerprint().bytes(),
        "binding_request_rfc3489": Msg(0x0001, cookie=False).bytes(),
        "binding_response_mapped": Msg(0x0101)
            .add(0x0020, xor_addr_v4([192, 0, 2, 1], 32853))
            .add(0x0001, struct.pack("!BBH", 0, 1, 32853) + bytes([192, 0, 2, 1]))
            .add(0x802B, struct.pack("!BBH", 0, 1, 3478) + bytes([198, 51, 100, 1]))
            .add(0x802C, struct.pack("!BBH", 0, 1, 3479) + bytes([198, 51, 100, 2]))
            .add(0x8022, b"tern").bytes(),
        "allocate_request_unauthenticated": Msg(0x0003)
            .add(0x0019, bytes([17, 0, 0, 0])).add(0x001A, b"").bytes(),
        "allocate_request_authenticated": Msg(0x0003)
            .add(0x0019, bytes([17, 0, 0, 0])).add(0x000D, struct.pack("!I", 600))
            .add(0x0017, bytes([2, 0, 0, 0])).add(0x0018, bytes([0x80]))
            .add(0x0006, b"alice").add(0x0014, b"tern.example")
            .add(0x0015, b"obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA")
            .add(0x8002, bytes([0, 1, 0, 0, 0, 2, 0, 0])).add(0x001D, bytes([0, 1, 0, 0]))
            .add_integrity(key).add_fingerprint().bytes(),
        "allocate_error_401": Msg(0x0113)
            .add(0x0009, bytes([0, 0, 4, 1]) + b"Unauthorized")
            .add(0x0014, b"tern.example").add(0x0015, b"nonce-1234")
            .add(0x8002, bytes([0, 2, 0, 0, 0, 1, 0, 0])).bytes(),
        "allocate_error_420": Msg(0x0113)
            .add(0x0009, bytes([0, 0, 4, 20]) + b"Unknown Attribute")
            .add(0x000A, struct.pack("!HH", 0x7F00, 0x0031)).bytes(),
        "allocate_success": Msg(0x0103)
            .add(0x0016, xor_addr_v4([203, 0, 113, 5], 49200))
            .add(0x0016, xor_addr_v6(peer6, 49201, tid))
            .add(0x0020, xor_addr_v4([192, 0, 2, 1], 32853))
            .add(0x000D, struct.pack("!I", 600)).add(0x0022, bytes(8)).bytes(),
        "create_permission_request": Msg(0x0008)
            .add(0x0012, xor_addr_v4([203, 0, 113, 9], 0))
            .add(0x0012, xor_addr_v6(peer6, 0, tid)).add_integrity(key).bytes(),
        "channel_bind_request": Msg(0x0009)
            .add(0x000C, struct.pack("!HH", 0x4001, 0))
            .add(0x0012, xor_addr_v4([203, 0, 113, 9], 5000)).add_integrity(key).bytes(),
        "send_indication": Msg(0x0016)
            .add(0x0012, xor_addr_v4([203, 0, 113, 9], 5000)).add(0x0013, b"hello peer")
            .add(0x001A, b"").bytes(),
        "data_indication": Msg(0x0017)
            .add(0x0012, xor_addr_v6(peer6, 5000, tid)).add(0x0013, bytes(range(37))).bytes(),
        "refresh_delete": Msg(0x0004).add(0x000D, struct.pack("!I", 0))
            .add(0x001E, hashlib.sha256(b"alice:tern.example").digest()).add_integrity(key).bytes(),
        "attributes_after_integrity": Msg(0x0001).add(0x0006, b"bob").add_integrity(key)
            .add(0x0006, b"mallory").add(0x000D, struct.pack("!I", 1)).add_fingerprint()
            .add(0x8022, b"ignored").bytes(),
        "connect_request": Msg(0x000A).add(0x0012, xor_addr_v4([203, 0, 113, 9], 80)).bytes(),
        "connection_bind_request": Msg(0x000B).add(0x002A, struct.pack("!I", 0xDEADBEEF)).bytes(),
        "icmp_and_address_error": Msg(0x0017).add(0x8004, bytes([0, 0, 3, 1, 0, 0, 0, 0]))
            .add(0x8001, bytes([2, 0, 4, 40]) + b"Address Family not Supported").bytes(),
        "change_request_padding": Msg(0x0001).add(0x0003, bytes([0, 0, 0, 6]))
            .add(0x0026, bytes(64)).add(0x0027, struct.pack("!HH", 3479, 0)).bytes(),
        "alternate_server_300": Msg(0x0111).add(0x0009, bytes([0, 0, 3, 0]) + b"Try Alternate")
            .add(0x8023, struct.pack("!BBH", 0, 1, 3478) + bytes([192, 0, 2, 7]))
            .add(0x8003, b"turn2.tern.example").bytes(),
        # A UDP port carries ChannelData too; over UDP its padding may be absent.
        "udp_channel_data_unpadded": channel_data(0x4001, b"hello", pad=False),
        "udp_channel_data_trailing": channel_data(0x4FFF, b"hi") + b"\x99" * 6,
    }
    return m


def streams(m):
    several = (m["binding_request"] + channel_data(0x4001, b"hello")
               + m["allocate_request_authenticated"] + channel_data(0x4FFF, bytes(8))
               + channel_data(0x4000, b"") + m["send_indication"] + channel_data(0x4123, b"x"))
    return {
        "binding_request": m["binding_request"],
        "allocate_request": m["allocate_request_authenticated"],
        "channel_data_padded": channel_data(0x4001, b"hello"),
        "channel_data_aligned": channel_data(0x4FFF, bytes(range(16))),
        "channel_data_empty": channel_data(0x4000, b""),
        "several_messages": several,
        "rfc5769_all": RFC5769_REQUEST + RFC5769_IPV4_RESPONSE + RFC5769_IPV6_RESPONSE
            + RFC5769_LONG_TERM_REQUEST + RFC8489_SHA256_REQUEST,
        "truncated_tail": several + m["channel_bind_request"][:30],
        "garbage_after_frames": m["binding_request"] + channel_data(0x4002, b"ok") + b"\xff\x00GET",
        "reserved_channel": channel_data(0x4001, b"ok") + channel_data(0x5000, b"no"),
        "unpadded_channel_data": channel_data(0x4001, b"abcde", pad=False) + m["binding_request"],
        "large_channel_data": channel_data(0x4444, bytes(i % 251 for i in range(1500))),
    }


def stream_script(ops, rfc8656=True):
    """fuzz_stream_connection's script: ("send", bytes), ("burst", chunk, times),
    ("read", bool)."""
    out = bytes([1 if rfc8656 else 0])
    for op in ops:
        if op[0] == "send":
            out += bytes([0]) + struct.pack(">I", len(op[1]))[1:] + op[1]
        elif op[0] == "burst":
            out += bytes([2, len(op[1])]) + struct.pack(">H", op[2]) + op[1]
        else:
            out += bytes([3 | (4 if op[1] else 0)])
    return out


def stream_connections(m):
    binding = m["binding_request"]
    big = channel_data(0x4001, bytes(i % 251 for i in range(65532)))
    big_stun = struct.pack(">HHI", 0x0001, 65532, COOKIE) + bytes(12) \
        + struct.pack(">HH", 0x8022, 65528) + bytes(65528)
    several = binding + channel_data(0x4001, b"hello") + m["allocate_request_unauthenticated"]
    return {
        "one_binding": stream_script([("send", binding)]),
        "split_binding": stream_script([("send", binding[:3]), ("send", binding[3:11]),
                                        ("send", binding[11:])]),
        "byte_by_byte": stream_script([("send", bytes([b])) for b in several]),
        "channel_data_64k": stream_script([("send", big[:30000]), ("send", big[30000:])]),
        "stun_64k": stream_script([("send", big_stun)]),
        "odd_length": stream_script([("send", struct.pack(">HHI", 0x0001, 65535, COOKIE))]),
        # 36,000 responses of 32 bytes pass the connection's 1 MiB output limit: it pauses.
        "burst_not_reading": stream_script([("read", False), ("burst", binding, 36000),
                                            ("read", True), ("send", binding)]),
        "pause_resume": stream_script([("read", False), ("burst", binding, 36000),
                                       ("read", True), ("read", False),
                                       ("burst", binding, 36000), ("send", binding[:7]),
                                       ("read", True), ("send", binding[7:])]),
        "invalid_after_frames": stream_script([("send", several), ("send", b"\xff\xff\x00\x00")]),
        "rfc5766_channel": stream_script([("send", channel_data(0x7FFF, b"x"))], rfc8656=False),
    }


def fdp_string(text):
    """A string as FuzzedDataProvider::ConsumeRandomLengthString reads it back."""
    return text.replace(b"\\", b"\\\\") + b"\\ "


def auth_seeds():
    texts = [
        b"obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA",
        b"obMatJos2AAAB" + b"A" * 22,
        b"1700000000:alice", b"alice:1700000000", b"9999999999", b"99999999999999999999:x",
        b"c2VjcmV0", b"c2VjcmV0IQ==", b"-_-_", b"YQ=",
        "The\u00adM\u00aaX".encode(), "I\u00adX".encode(), "\u2168".encode(),
        "\u0627\u0031".encode(), b"\x00", b"\xc3\x28", "ma\u30c8rix".encode(),
    ]
    return {f"text_{i}": fdp_string(t) + bytes(range(64)) for i, t in enumerate(texts)}


def http(method, target, token="fuzz-token", extra=b""):
    head = f"{method} {target} HTTP/1.1\r\nHost: localhost\r\n".encode()
    if token is not None:
        head += f"Authorization: Bearer {token}\r\n".encode()
    return head + extra + b"\r\n"


def admin_http_seeds():
    return {
        "sessions": http("GET", "/v1/sessions"),
        "sessions_user": http("GET", "/v1/sessions?user=alice%20b"),
        "sessions_bad_query": http("GET", "/v1/sessions?user=a&user=b"),
        "kill_user": http("POST", "/v1/sessions/kill?user=bob", extra=b"Content-Length: 0\r\n"),
        "kill_no_user": http("POST", "/v1/sessions/kill"),
        "delete_session": http("DELETE", "/v1/sessions/1000000000000001"),
        "delete_garbage": http("DELETE", "/v1/sessions/abc?x=1"),
        "stats": http("GET", "/v1/stats"),
        "stats_wrong_method": http("PUT", "/v1/stats"),
        "no_token": http("GET", "/v1/stats", token=None),
        "wrong_token": http("GET", "/v1/stats", token="guess"),
        "unknown": http("GET", "/etc/passwd"),
        "pipelined": http("GET", "/v1/stats") + http("GET", "/v1/sessions")
            + http("GET", "/v1/x", extra=b"Connection: close\r\n"),
        "http10": b"GET /v1/stats HTTP/1.0\r\nAuthorization: Bearer fuzz-token\r\n\r\n",
        "http_minus_version": b"GET /v1/stats HTTP/1.-1\r\n\r\n",
        "http01": b"POST /v1/sessions/kill?user HTTP/0.1\r\nAuthorization: Bearer fuzz-token\r\n\r\n",
        "body": http("POST", "/v1/sessions/kill?user=x", extra=b"Content-Length: 5\r\n") + b"hello",
        "chunked": http("POST", "/v1/sessions/kill?user=x",
                        extra=b"Transfer-Encoding: chunked\r\n") + b"5\r\nhello\r\n0\r\n\r\n",
    }


def json_seeds():
    return {
        "sessions": b'[{"id":"1000000000000001","user":"alice","realm":"r","transport":"udp",'
                    b'"client":"127.0.0.1:5000","relayed":["1.2.3.4:50000"],"created":1700000000,'
                    b'"bytes":18446744073709551615,"permissions":[],"channels":[{"number":16384}]}]',
        "stats": b'{"counters":{"a":1},"allocations":[0,1],"uptime":-1.5e3,"version":"0.1"}',
        "escapes": b'["\\u00e9\\ud83d\\ude00\\n\\"\\\\\\/", "\\ud800", "\\udc00x"]',
        "literals": b' [true,false,null,0,-0,1e-9,0.5E+3] ',
        "deep": b"[" * 33 + b"]" * 33,
        "error": b'{"error":"missing or wrong bearer token"}',
        "response": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]",
        "response_short": b"HTTP/1.1 404 Not Found\r\ncontent-length: 99\r\n\r\n{}",
        # Regression: ternctl's reply parser took "-12" for a status (admin/http_client.cpp).
        "response_negative": b"HTTP/1.1 -12 Odd\r\n\r\n{}",
        "utf8_bad": b'"\xc3\x28\xff"',
    }


def config_seeds():
    files = [
        b"listening-port=3478\nrealm=example.org\nmin-port=50000\nmax-port=50010\n",
        b"# comment\nverbose\nlt-cred-mech\nuser=alice:secret\nuser = bob : pw ; \n",
        b"\xef\xbb\xbfrelay-ip=127.0.0.1\nexternal-ip=1.2.3.4/127.0.0.1\n"
        b"allowed-peer-ip=10.0.0.0/8\ndenied-peer-ip=10.0.0.1-10.0.0.9\n",
        b"use-auth-secret\nstatic-auth-secret=s3cr3t\nno-auth\n",
        b"min-port=60000\nmax-port=50000\n",
        b'redis-userdb="ip=127.0.0.1 dbname=0 port=6379"\nstale-nonce=600\n',
        b"prometheus\nprometheus-port=9641\nchannel-lifetime=-1\ndaemon\nno-cli\n",
        b"config=/etc/passwd\n--help\n",
    ]
    args = [b"--listening-port=3479", b"-v", b"--realm", b"r", b"--stale-nonce",
            b"--max-port=70000", b"-n", b"extra"]
    out = {}
    for i, f in enumerate(files):
        out[f"file_{i}"] = fdp_string(f) + b"".join(fdp_string(a) for a in args[: i % 5 + 1])
    return out


def ip_range_seeds():
    texts = [b"10.0.0.0/8", b"192.168.1.1-192.168.1.20", b" 127.0.0.1 ", b"::1", b"2001:db8::/32",
             b"fe80::1 - fe80::ff", b"0.0.0.0/0", b"::/0", b"10.0.0.1/8", b"1.2.3.4/33",
             b"::ffff:1.2.3.4", b"10.2.0.0-10.1.0.0", b"1.2.3.4-::1"]
    return {f"range_{i}": fdp_string(t) + bytes(range(40)) for i, t in enumerate(texts)}


def proxy_protocol_seeds():
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    inet = bytes([192, 168, 0, 1, 192, 168, 0, 11, 0xDC, 0x04, 0x01, 0xBB])
    inet6 = bytes(15) + b"\x01" + bytes(15) + b"\x02" + b"\x13\x87\x0d\x96"
    alpn = b"\x01\x00\x02h2\x04\x00\x00"
    def v2(cmd, fam, body):
        return sig + bytes([cmd, fam]) + len(body).to_bytes(2, "big") + body
    seeds = [b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n\x00\x01",
             b"PROXY TCP6 ::1 2001:db8::2 4999 3478\r\n", b"PROXY UNKNOWN\r\n",
             b"PROXY UNKNOWN " + b"x" * 92 + b"\r\n", b"PROXY TCP4 1.2.3.4 5.6.7.8 0 65535\r",
             v2(0x21, 0x11, inet), v2(0x21, 0x12, inet + alpn), v2(0x21, 0x22, inet6),
             v2(0x20, 0x00, b""), v2(0x21, 0x31, bytes(216)), v2(0x21, 0x11, inet)[:20],
             v2(0x21, 0x11, inet + b"\x01\x00\x09")]
    return {f"header_{i}": s for i, s in enumerate(seeds)}


def redis_string_seeds():
    texts = [b"ip=127.0.0.1 dbname=0 port=6379 password=secret connect_timeout=5",
             b"host=redis.example.org db=3 pwd=abcdefghij", b"addr=::1 p=6380 user=tern passwd=x",
             b"hostaddr=[::1] database=99999999999 timeout=0", b"ipaddr=1.2.3.4 secret= port=",
             b"garbage", b"port=0", b"  ip=127.0.0.1   uname=a name=b username=c  ", b"",
             b"sentinel=127.0.0.1:26379,[::1]:26380,s.example.org master=m sentinel-password=x",
             b"sentinel=::1:1 master= ip=1.2.3.4"]
    return {f"string_{i}": t for i, t in enumerate(texts)}


def resp(value):
    if value is None:
        return b"$-1\r\n"
    if isinstance(value, int):
        return b":%d\r\n" % value
    if isinstance(value, bytes):
        return b"$%d\r\n%s\r\n" % (len(value), value)
    if isinstance(value, str) and value.startswith("-"):
        return value.encode() + b"\r\n"
    if isinstance(value, str):
        return b"+" + value.encode() + b"\r\n"
    return b"*%d\r\n" % len(value) + b"".join(resp(v) for v in value)


def redis_reply_seeds():
    realm = b"turn/realm/example.org/"
    keys = [realm + b"user/alice/key", realm + b"user/bob/password", realm + b"user/carol/sha256-key",
            realm + b"user/dave/key"]
    md5 = hashlib.md5(b"alice:example.org:pw").hexdigest().encode()
    sha = hashlib.sha256(b"carol:example.org:pw").hexdigest().encode()
    tail = [[b"s1", b"s2"], [b"s1", b"1700000000", b"s2", b"x"], [b"5", None, b"nan"],
            [b"10.0.0.0/8", b"::1"], [b"192.168.0.0/16"]]
    full = resp([b"0", keys]) + resp([md5, b"secret", sha, b"zz"]) + b"".join(resp(t) for t in tail)
    return {
        "full_load": full,
        "two_pages": resp([b"17", keys[:2]]) + resp([b"0", keys[2:]])
            + resp([md5, b"pw", sha, md5]) + b"".join(resp(t) for t in tail),
        "empty_realm": resp([b"0", []]) + b"".join(resp(t) for t in [[], [], [None, None, None], [], []]),
        "scan_error": resp("-NOPERM this user has no permissions to run the 'scan' command"),
        "scan_odd": resp([b"0"]) + resp([b"0", [1, [b"x"]]]),
        "mget_wrong_count": resp([b"0", keys]) + resp([md5]) + b"".join(resp(t) for t in tail),
        "errors_everywhere": resp([b"0", keys]) + resp("-ERR x") + b"".join(resp("-ERR y") for _ in tail),
        "types": resp([b"0", keys]) + resp([1, [b"a"], "OK", None]) + resp(5) + resp("OK")
            + resp([[b"a"]]) + resp(None) + resp([b"\xff\x00"]),
        "huge_length": resp([b"0", keys]) + b"$99999999\r\nabc",
        # Regression: a reply after the load's last one answered no command, and hiredis
        # aborted the process (fixed in base/redis/redis_async.cpp).
        "regression_reply_to_no_command": resp([b"0"]) + resp("OK"),
    }


def sqlite_seeds():
    import random
    rng = random.Random(10)
    seeds = {f"rows_{i}": bytes(rng.randrange(256) for _ in range(64 + 48 * i)) for i in range(8)}
    # Regression: the empty input sets PRAGMA user_version = -2, which indexed the
    # migrations before their start (fixed in auth/sqlite_schema.cpp).
    seeds["regression_negative_version"] = b""
    return seeds


def server_seeds():
    """Scripts for fuzz_server.cpp: a flags byte (bit 0: auth on, bit 1: client 1 over
    TCP), then events
    [op][len:2][bytes], op = client | kind << 2 (0 as sent, 1 signed by the harness,
    2 peer bytes[0] & 1 sends the rest to the client's relay, 3 the clock moves on by
    bytes[0] x 10 s). The peers are 127.77.0.2:40000 and :40001."""
    peer0, peer1 = ([127, 77, 0, 2], 40000), ([127, 77, 0, 2], 40001)

    def ev(client, kind, data):
        return struct.pack("!BH", client | kind << 2, len(data)) + data

    def req(method, n, *attrs):
        m = Msg(method, tid=bytes([n]) * 12)
        for t, v in attrs:
            m.add(t, v)
        return m.bytes()

    transport = (0x0019, bytes([17, 0, 0, 0]))
    allocate = req(0x0003, 1, transport)
    permission = req(0x0008, 2, (0x0012, xor_addr_v4(*peer0)))
    bind = req(0x0009, 3, (0x000C, struct.pack("!HH", 0x4000, 0)), (0x0012, xor_addr_v4(*peer1)))
    send = Msg(0x0016, tid=bytes([4]) * 12).add(0x0012, xor_addr_v4(*peer0)).add(0x0013, b"ping").bytes()
    refresh = req(0x0004, 5, (0x000D, struct.pack("!I", 600)))
    dual = req(0x0003, 6, transport, (0x8000, bytes([2, 0, 0, 0])))
    even = req(0x0003, 7, transport, (0x0018, bytes([0x80])))
    return {
        "allocate": b"\0" + ev(0, 0, allocate),
        "create_permission": b"\0" + ev(0, 0, allocate) + ev(0, 0, permission) + ev(0, 0, send)
        + ev(0, 2, b"\0pong"),
        "channel_bind": b"\0" + ev(0, 0, allocate) + ev(0, 0, bind) + ev(1, 0, dual)
        + ev(1, 0, bind) + ev(2, 0, even),
        "channel_data": b"\0" + ev(0, 0, allocate) + ev(0, 0, bind)
        + ev(0, 0, channel_data(0x4000, b"data")) + ev(0, 2, b"\1back") + ev(0, 3, b"\x1e")
        + ev(0, 0, refresh) + ev(0, 3, b"\xff") + ev(0, 0, channel_data(0x4000, b"late")),
        "auth": b"\1" + ev(0, 1, allocate) + ev(0, 1, allocate) + ev(0, 1, permission)
        + ev(0, 1, bind) + ev(0, 0, channel_data(0x4000, b"data")) + ev(0, 0, send)
        + ev(0, 1, refresh) + ev(1, 0, allocate),
        "tcp": b"\2" + ev(1, 0, allocate) + ev(1, 0, bind) + ev(1, 2, b"\1abc")
        + ev(1, 0, channel_data(0x4000, b"abc")),
    }


def write(folder, items):
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.bin"):
        old.unlink()
    for name, data in items.items():
        (folder / f"{name}.bin").write_bytes(data)


def main():
    check_vectors()
    m = messages()
    write(HERE / "corpus" / "message", m)
    write(HERE / "corpus" / "stream", streams(m))
    write(HERE / "corpus" / "stream_connection", stream_connections(m))
    write(HERE / "corpus" / "auth", auth_seeds())
    write(HERE / "corpus" / "admin_http", admin_http_seeds())
    write(HERE / "corpus" / "json", json_seeds())
    write(HERE / "corpus" / "config", config_seeds())
    write(HERE / "corpus" / "ip_range", ip_range_seeds())
    write(HERE / "corpus" / "redis_connection_string", redis_string_seeds())
    write(HERE / "corpus" / "redis_reply", redis_reply_seeds())
    write(HERE / "corpus" / "sqlite_store", sqlite_seeds())
    write(HERE / "corpus" / "proxy_protocol", proxy_protocol_seeds())
    write(HERE / "corpus" / "server", server_seeds())


if __name__ == "__main__":
    main()

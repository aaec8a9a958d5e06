#!/usr/bin/env python3
"""Mint time-limited TURN credentials for a browser, as ternd --use-auth-secret checks them.

The TURN REST API scheme: the username is "<expiry>:<user>" (expiry in Unix seconds), the
password is base64(HMAC-SHA1(secret, username)). ternd holds the same secret, so it checks
a credential without a database, and a leaked one stops working at its expiry.

    TURN_SECRET=north-wind TURN_HOST=turn.example.org python3 mint_credentials.py

prints the RTCConfiguration fragment a backend hands to the browser:
{"iceServers": [{"urls": [...], "username": "...", "credential": "..."}]}

Environment: TURN_SECRET (required: ternd's static-auth-secret), TURN_USER (who the
credential is for; default "webrtc"), TURN_TTL (seconds; default 86400), TURN_HOST
(default 127.0.0.1), TURN_PORT (3478), TURN_TLS_PORT (5349).
Standard library only.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time


def mint(secret, user, ttl=86400, now=None, separator=":"):
    """Returns (username, credential) valid for ttl seconds from now."""
    expiry = int(time.time() if now is None else now) + int(ttl)
    # An empty user gives the bare expiry, which the REST API allows too.
    username = f"{expiry}{separator}{user}" if user else str(expiry)
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(username, credential, host, port=3478, tls_port=5349):
    """The iceServers entry: TURN over UDP, TCP, and TLS for networks that allow only 443-like traffic."""
    return [
        {
            "urls": [
                f"turn:{host}:{port}?transport=udp",
                f"turn:{host}:{port}?transport=tcp",
                f"turns:{host}:{tls_port}?transport=tcp",
            ],
            "username": username,
            "credential": credential,
        }
    ]


def main():
    secret = os.environ.get("TURN_SECRET")
    if not secret:
        sys.exit("mint_credentials.py: set TURN_SECRET to ternd's static-auth-secret")
    username, credential = mint(
        secret, os.environ.get("TURN_USER", "webrtc"), int(os.environ.get("TURN_TTL", "86400"))
    )
    servers = ice_servers(
        username,
        credential,
        os.environ.get("TURN_HOST", "127.0.0.1"),
        int(os.environ.get("TURN_PORT", "3478")),
        int(os.environ.get("TURN_TLS_PORT", "5349")),
    )
    print(json.dumps({"iceServers": servers}, indent=2))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""examples/mint_credentials.py against the TURN REST API draft's vector, byte-exact."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import mint_credentials  # noqa: E402

# draft-uberti-behave-turn-rest: secret "crypt1c", username "1256900400" (an expiry with
# no user part).
got = mint_credentials.mint("crypt1c", "", ttl=0, now=1256900400)
assert got == ("1256900400", "uEKlpcME7MNMMVRV8rUFPCTIFEs="), got

username, _ = mint_credentials.mint("crypt1c", "alice", ttl=600, now=1000)
assert username == "1600:alice", username
print("ok: REST API vector")

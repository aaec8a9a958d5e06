#!/usr/bin/env python3
"""The mint() snippets pasted in README.md give what examples/ gives, which a real ternd
accepts (relay_with_minted_credentials.py): the README cannot drift from tested code.

Usage: readme_snippets_test.py [NODE]  (without NODE the JavaScript snippet is skipped)
"""

import json
import os
import re
import subprocess
import sys
import unittest.mock

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import mint_credentials  # noqa: E402

NOW = 1700000000
SECRET, USER, TTL = "north-wind", "alice", 3600


def snippet(readme, language):
    blocks = re.findall(r"```" + language + r"\n(.*?)```", readme, re.S)
    if len(blocks) != 1:
        sys.exit(f"README.md: expected one ```{language} block, found {len(blocks)}")
    return blocks[0]


def main():
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    want = mint_credentials.mint(SECRET, USER, TTL, now=NOW)

    scope = {}
    exec(snippet(readme, "python"), scope)
    with unittest.mock.patch("time.time", return_value=NOW):
        got = scope["mint"](SECRET, USER, TTL)
    if got != want:
        sys.exit(f"README Python mint() gives {got}, examples/mint_credentials.py {want}")
    print("README Python snippet: ok")

    if len(sys.argv) > 1:
        # The snippet is an ES module; run it with the clock pinned.
        js = (f"Date.now = () => {NOW * 1000};\n" + snippet(readme, "js")
              + f"\nconsole.log(JSON.stringify(mint({json.dumps(SECRET)}, "
              f"{json.dumps(USER)}, {TTL})));\n")
        out = subprocess.run([sys.argv[1], "--input-type=module", "-e", js],
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            sys.exit(f"README JavaScript snippet failed: {out.stderr}")
        got = json.loads(out.stdout)
        if (got["username"], got["credential"]) != want:
            sys.exit(f"README JavaScript mint() gives {got}, examples/ {want}")
        print("README JavaScript snippet: ok")


if __name__ == "__main__":
    main()

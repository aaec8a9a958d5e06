#!/usr/bin/env python3
"""Fails when an #include runs up the layers (docs: issue #11's arrows).

Each source folder names the folders it may include from; system and third-party headers
(<...>) are not checked. The build already fails on some wrong includes (a library that
does not link the layer it reaches); this catches the ones a header-only path lets through.

  include_layers_test.py ROOT       check the tree at ROOT
  include_layers_test.py --self-test check that a wrong include in a made-up tree is found
"""

import pathlib
import re
import sys
import tempfile

# Arrows point down only: a folder may include itself and what it lists. server/ is the
# composition root over its sub-folders, which stack as
# admin -> worker -> turn -> shared -> {config, core}.
LIBS = {"auth", "base", "protocol"}
ALLOWED = {
    "protocol": {"protocol"},
    "base": {"base", "protocol"},
    "auth": {"auth", "base", "protocol"},
    "server/core": {"server/core"} | LIBS,
    "server/config": {"server/config"} | LIBS,
    "server/shared": {"server/shared", "server/config", "server/core"} | LIBS,
    "server/turn": {"server/turn", "server/shared", "server/config", "server/core"} | LIBS,
    "server/worker": {"server/worker", "server/turn", "server/shared", "server/config",
                      "server/core"} | LIBS,
    "server/admin": {"server/admin", "server/worker", "server/turn", "server/shared",
                     "server/config", "server/core"} | LIBS,
    "server": {"server", "server/admin", "server/worker", "server/turn", "server/shared",
               "server/config", "server/core"} | LIBS,
    "admin": {"admin"} | LIBS,  # ternctl: never server/
    "bench": {"bench"} | LIBS,  # tern-bench: never server/
}
# Generated into the build tree (cmake/Version.cmake), below every layer.
EVERYWHERE = {"tern"}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)
SOURCES = (".h", ".cpp")


def layer_of(path):
    """The layer a path inside the tree belongs to: its longest matching folder."""
    parts = path.split("/")
    for n in (2, 1):
        if len(parts) > n and "/".join(parts[:n]) in ALLOWED:
            return "/".join(parts[:n])
    return parts[0] if len(parts) > 1 else None


def violations(root):
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in SOURCES or not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        layer = layer_of(relative)
        if layer not in ALLOWED:
            continue
        allowed = ALLOWED[layer]
        text = path.read_text(encoding="utf-8", errors="replace")
        for header in INCLUDE.findall(text):
            top = layer_of(header) if "/" in header else layer
            if top not in allowed and top not in EVERYWHERE:
                found.append(f"{relative}: includes \"{header}\": "
                             f"{layer}/ may include only {', '.join(sorted(allowed))}")
    return found


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        for folder in ALLOWED:
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / "base/ok.h").write_text('#include "protocol/result.h"\n#include <vector>\n')
        (root / "bench/ok.cpp").write_text('#include "base/sockets.h"\n#include "tern/version.h"\n')
        (root / "server/turn/ok.cpp").write_text('#include "server/shared/quotas.h"\n#include "a.h"\n')
        (root / "server/ok.cpp").write_text('#include "server/worker/worker.h"\n')
        if violations(root):
            print("self-test: a tree of allowed includes was refused", violations(root))
            return 1
        bad = {"base/a.h": "server/log.h", "base/b.cpp": "auth/nonce.h",
               "protocol/c.h": "base/log.h", "auth/d.cpp": "server/config.h",
               "bench/e.cpp": "server/sockets.h", "admin/f.cpp": "server/admin_json.h",
               "server/turn/g.cpp": "server/worker/stream_connection.h",
               "server/shared/h.h": "server/turn/allocation.h",
               "server/core/i.h": "server/config/config.h", "server/core/l.h": "server/turn/allocation.h",
               "server/worker/j.h": "server/admin/admin_session.h",
               "server/config/k.cpp": "server/server.h"}
        for path, header in bad.items():
            (root / path).write_text(f'#include "{header}"\n')
        found = violations(root)
        missed = [p for p in bad if not any(line.startswith(p + ":") for line in found)]
        if missed:
            print("self-test: wrong includes not found in", missed)
            return 1
    print("self-test: ok")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    found = violations(pathlib.Path(sys.argv[1]))
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

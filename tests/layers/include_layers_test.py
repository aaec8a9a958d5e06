#!/usr/bin/env python3
"""Fails when an #include runs up the layers (docs: issue #11's arrows), or when the files
of one folder include each other in a cycle.

Each source folder names the folders it may include from; system and third-party headers
(<...>) are not checked. The build already fails on some wrong includes (a library that
does not link the layer it reaches); this catches the ones a header-only path lets through.

Inside a folder, a module is a .h and its .cpp: a includes b when a.h or a.cpp includes
b.h. The arrows between folders cannot make a cycle; these must not either, so that each
module can be read (and tested) on top of the ones it includes.

  include_layers_test.py ROOT       check the tree at ROOT
  include_layers_test.py --self-test check that a wrong include in a made-up tree is found
"""

import pathlib
import re
import sys
import tempfile

# Arrows point down only: a folder may include itself and what it lists. server/ is the
# composition root over its sub-folders, which stack as
# admin -> worker -> turn -> shared -> {config, core, offload}.
LIBS = {"auth", "base", "protocol"}
ALLOWED = {
    "protocol": {"protocol"},
    "base": {"base", "protocol"},
    "auth": {"auth", "base", "protocol"},
    "server/core": {"server/core"} | LIBS,
    "server/config": {"server/config"} | LIBS,
    "server/offload": {"server/offload"} | LIBS,
    "server/shared": {"server/shared", "server/offload", "server/config", "server/core"} | LIBS,
    "server/turn": {"server/turn", "server/shared", "server/offload", "server/config", "server/core"} | LIBS,
    "server/worker": {"server/worker", "server/turn", "server/shared", "server/offload", "server/config",
                      "server/core"} | LIBS,
    "server/admin": {"server/admin", "server/worker", "server/turn", "server/shared", "server/offload",
                     "server/config", "server/core"} | LIBS,
    "server": {"server", "server/admin", "server/worker", "server/turn", "server/shared", "server/offload",
               "server/config", "server/core"} | LIBS,
    "admin": {"admin"} | LIBS,  # ternctl: never server/
    "bench": {"bench"} | LIBS,  # tern-bench: never server/
}
# Folders whose files must not compile against a store's client library, even through a
# chain of includes: TURN handlers and the worker loop touch no store (issue #11: every
# handler compiled against hiredis through turn_shared.h).
NO_STORE_CLIENTS = {"server/turn", "server/worker"}
STORE_CLIENTS = re.compile(r'^\s*#\s*include\s*<(hiredis/[^>]+|sqlite3\.h)>', re.MULTILINE)
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


def store_client_chains(root):
    """One line per file of NO_STORE_CLIENTS that reaches <hiredis/...> or <sqlite3.h>,
    with the chain of includes that gets there."""
    texts = {}

    def includes(relative):
        if relative not in texts:
            path = root / relative
            texts[relative] = (path.read_text(encoding="utf-8", errors="replace")
                               if path.is_file() else "")
        return texts[relative]

    def resolve(relative, header):
        if "/" in header:
            return header
        return f"{relative.rsplit('/', 1)[0]}/{header}" if "/" in relative else header

    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in SOURCES or not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if layer_of(relative) not in NO_STORE_CLIENTS:
            continue
        chain_to = {relative: [relative]}
        queue = [relative]
        while queue:
            current = queue.pop(0)
            text = includes(current)
            client = STORE_CLIENTS.search(text)
            if client:
                chain = " -> ".join(chain_to[current] + [f"<{client.group(1)}>"])
                found.append(f"{relative}: compiles against a store client: {chain}")
                break
            for header in INCLUDE.findall(text):
                target = resolve(current, header)
                if target not in chain_to:
                    chain_to[target] = chain_to[current] + [target]
                    queue.append(target)
    return found


def module_graph(root):
    """Each module (path without suffix) and the modules of its own folder it includes."""
    graph = {}
    for path in sorted(root.rglob("*")):
        if path.suffix not in SOURCES or not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if layer_of(relative) not in ALLOWED:
            continue
        module = relative.rsplit(".", 1)[0]
        folder = module.rsplit("/", 1)[0]
        targets = graph.setdefault(module, set())
        for header in INCLUDE.findall(path.read_text(encoding="utf-8", errors="replace")):
            if "/" not in header:
                header = f"{folder}/{header}"
            target = header.rsplit(".", 1)[0]
            if target != module and target.rsplit("/", 1)[0] == folder:
                targets.add(target)
    return graph


def cycles(root):
    """One line per include cycle between modules of a folder (each strongly connected
    set of modules, with one cycle through it spelled out)."""
    graph = module_graph(root)
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def connect(v):  # Tarjan's strongly connected components, iteratively
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        while work:
            node, edges = work[-1]
            w = next(edges, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on_stack:
                    low[node] = min(low[node], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [f"include cycle: {' -> '.join(spell_cycle(graph, c))}" for c in found]


def spell_cycle(graph, component):
    """A path from the component's first module back to itself, inside the component."""
    members, start = set(component), component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph.get(v, ())):
            if w == start:
                return paths[v] + [start]
            if w in members and w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    return component


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        for folder in ALLOWED:
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / "base/ok.h").write_text('#include "protocol/result.h"\n#include <vector>\n')
        (root / "bench/ok.cpp").write_text('#include "base/sockets.h"\n#include "tern/version.h"\n')
        (root / "server/turn/ok.cpp").write_text('#include "server/shared/quotas.h"\n#include "a.h"\n')
        (root / "server/ok.cpp").write_text('#include "server/worker/worker.h"\n')
        (root / "server/turn/a.h").write_text('#include "server/turn/b.h"\n')
        (root / "server/turn/b.h").write_text("")
        (root / "server/turn/b.cpp").write_text('#include "b.h"\n#include "server/core/x.h"\n')
        if violations(root) or cycles(root):
            print("self-test: a tree of allowed includes was refused",
                  violations(root) + cycles(root))
            return 1
        # a.h -> b.h, and b.cpp -> c.h -> a.h: a cycle through .cpp files counts too.
        (root / "server/turn/b.cpp").write_text('#include "b.h"\n#include "c.h"\n')
        (root / "server/turn/c.h").write_text('#include "server/turn/a.h"\n')
        if cycles(root) != ["include cycle: server/turn/a -> server/turn/b -> "
                            "server/turn/c -> server/turn/a"]:
            print("self-test: the cycle a -> b -> c -> a was not found:", cycles(root))
            return 1
        (root / "server/turn/c.h").write_text("")
        # A handler that reaches hiredis through a shared header; the shared folder may.
        (root / "server/shared/s.h").write_text('#include "base/redis/r.h"\n')
        (root / "base/redis").mkdir()
        (root / "base/redis/r.h").write_text("#include <hiredis/async.h>\n")
        if store_client_chains(root):
            print("self-test: files that reach no store client were refused",
                  store_client_chains(root))
            return 1
        (root / "server/turn/d.cpp").write_text('#include "server/shared/s.h"\n')
        if store_client_chains(root) != [
                "server/turn/d.cpp: compiles against a store client: server/turn/d.cpp -> "
                "server/shared/s.h -> base/redis/r.h -> <hiredis/async.h>"]:
            print("self-test: the chain to hiredis was not found:", store_client_chains(root))
            return 1
        (root / "server/turn/d.cpp").write_text("")
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
    root = pathlib.Path(sys.argv[1])
    found = violations(root) + cycles(root) + store_client_chains(root)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

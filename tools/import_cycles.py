#!/usr/bin/env python3
"""Import cycles between the files of each crate under crates/ (CONTRIBUTING.md, "Rules").

A file is a module; it depends on another when its code (comments and `#[cfg(test)]` modules left
out) names a path into it: `crate::a::b`, `super::x`, or a `crate::a::{b, c::d}` group. A path
resolves to the longest module prefix that has a file. A parent declaring `mod child;` is not a
dependency. Generated folders are skipped (their tables and types refer to each other by design).

Usage: tools/import_cycles.py [CRATE_SRC_DIR ...]   (default: every crates/*/src)
Prints each cycle; exits 1 if there is one.
"""
import glob
import os
import re
import sys

COMMENT = re.compile(r"//[^\n]*")
PATH = re.compile(r"\b(crate|super)((?:::\w+)+)(?:::\{([^{}]*)\})?")


def modules(src):
    found = {}
    for path in glob.glob(os.path.join(src, "**", "*.rs"), recursive=True):
        rel = os.path.relpath(path, src)[:-3].split(os.sep)
        if "generated" in rel:
            continue
        if rel[-1] in ("mod", "lib", "main"):
            rel = rel[:-1]
        found[tuple(rel)] = path
    return found


def code_of(path):
    text = open(path, encoding="utf-8").read()
    cut = text.find("#[cfg(test)]")
    return COMMENT.sub("", text if cut < 0 else text[:cut])


def dependencies(module, path, files):
    def resolve(parts):
        for n in range(len(parts), 0, -1):
            if tuple(parts[:n]) in files:
                return tuple(parts[:n])
        return None

    out = set()
    for m in PATH.finditer(code_of(path)):
        parts = [p for p in m.group(2).split("::") if p]
        # `super` is the parent of this module; each further `super` climbs one more.
        root = [] if m.group(1) == "crate" else list(module[:-1])
        while parts and parts[0] == "super":
            parts, root = parts[1:], root[:-1]
        base = root + parts
        targets = [base]
        if m.group(3):
            targets = [base + [p for p in item.strip().split("::") if p and p != "self"] for item in m.group(3).split(",")]
        for t in targets:
            dep = resolve(t)
            if dep and dep != module and not (len(dep) == len(module) + 1 and dep[: len(module)] == module):
                out.add(dep)
    return out


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, result, counter = {}, {}, set(), [], [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        result.append(sorted("/".join(m) or "lib" for m in component))
    return result


def main(argv):
    roots = argv or sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "crates", "*", "src")))
    failed = False
    for src in roots:
        files = modules(src)
        graph = {m: dependencies(m, p, files) & set(files) for m, p in files.items()}
        found = cycles(graph)
        name = os.path.normpath(src)
        for c in found:
            print(f"{name}: import cycle: {' -> '.join(c)}")
        failed |= bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

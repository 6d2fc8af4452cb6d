"""The files one interpretation reads: the linted file and the project modules its imports reach.

Modules are parsed (never imported or run), bounded in number and size, and cached between runs by
path, checked by size, mtime and digest (relulint.stamps), so that a language server re-linting one
file does not re-parse its neighbours.
"""

from __future__ import annotations

import ast
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from relulint.ir import Origin
from relulint.source.lazy_positions import LazyOrigin, LazyPositions

MAX_MODULES = 8  # project modules one interpretation may read besides the linted file
MAX_MODULE_BYTES = 512_000
_PARSED: dict[str, tuple[object, cst.Module | None]] = {}  # path -> (stamps.Stamp, tree)
_PARSED_LIMIT = 128
# digest of a file's bytes -> its tree: the linted file, a driver script and the modules they import
# are each parsed once per run, whichever of them reads a text first
_BY_DIGEST: dict[str, tuple[cst.Module, int]] = {}  # digest -> (tree, length of its text)
_BY_DIGEST_CHARS = 300_000  # a tree takes ~350 bytes per character of its text: ~100 MB at most
_by_digest_chars = 0
_read_log: list[str] | None = None  # see recording_reads


@dataclass(eq=False)
class ModuleState:
    path: str
    module: cst.Module
    name: str
    env: dict[str, object] = field(default_factory=dict)
    positions: object | None = None  # PositionProvider map, computed on first use
    evaluated: bool = False
    evaluating: bool = False
    stars: list[str] = field(default_factory=list)  # framework modules imported with `from m import *`

    def origin(self, node: cst.CSTNode) -> Origin | None:
        """The origin of a node of this module, placed when read: most layers and ops never end up in a
        finding. The evaluator only asks about nodes of the module a frame runs; see origin_if_held."""
        if self.positions is None:
            self.positions = positions_of(self.module)
        return LazyOrigin.at(self.path, self.positions, node)

    def origin_if_held(self, node: cst.CSTNode) -> Origin | None:
        """origin(), or None for a node of another module's tree (a Sequential built in an imported
        module, met while listing this module's networks)."""
        if self.positions is None:
            self.positions = positions_of(self.module)
        positions = self.positions
        if not (positions.holds(node) if hasattr(positions, "holds") else node in positions):
            return None
        return LazyOrigin.at(self.path, positions, node)

    def text(self, node: cst.CSTNode, limit: int = 120) -> str:
        # cached per node object, across runs: a helper called from a loop builds its layers from the
        # same nodes many times, and the language server's unchanged statements keep their nodes
        key = (id(node), limit)
        hit = _TEXTS.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        s = " ".join(self.module.code_for_node(node).split())  # (the module's defaults vanish with the spaces)
        s = s if len(s) <= limit else s[: limit - 3] + "..."
        if len(_TEXTS) >= NODE_MEMO_LIMIT:
            _TEXTS.clear()
        _TEXTS[key] = (node, s)
        return s


NODE_MEMO_LIMIT = 50_000  # entries of the caches keyed by node (each keeps its node, and so its subtree, alive)
_TEXTS: dict[tuple[int, int], tuple[cst.CSTNode, str]] = {}


_POSITIONS: dict[int, tuple[cst.Module, object]] = {}
_SOURCES: dict[int, tuple[cst.Module, str, ast.Module]] = {}


def positions_of(tree: cst.Module) -> object:
    """libcst positions of a tree, kept as long as the tree is in the parse cache (neighbours are read by
    every file that reaches them)."""
    hit = _POSITIONS.get(id(tree))
    if hit is not None and hit[0] is tree:
        return hit[1]
    source = _SOURCES.pop(id(tree), None)
    code, syntax = (source[1], source[2]) if source is not None and source[0] is tree else (None, None)
    positions = LazyPositions(tree, code, syntax)  # only the nodes a finding asks for
    if len(_POSITIONS) >= _PARSED_LIMIT:
        _POSITIONS.pop(next(iter(_POSITIONS)))
    _POSITIONS[id(tree)] = (tree, positions)
    return positions


@contextlib.contextmanager
def recording_reads(log: list[str] | None) -> Iterator[None]:
    """Append to `log` every project file parse_cached is asked for meanwhile (a cache that outlives a
    run, the language server's, re-reads a neighbour when one of the files it read changes)."""
    global _read_log
    previous, _read_log = _read_log, log
    try:
        yield
    finally:
        _read_log = previous


def parse_cached(path: str, root: str | None = None) -> cst.Module | None:
    """A project file's tree, or None when it is missing, outside the project `root`, too large, not
    text or not valid Python."""
    if _read_log is not None:
        _read_log.append(os.path.abspath(path))
    from relulint import stamps
    from relulint.project import root_for

    root = root or root_for(None, path)
    hit = _PARSED.get(path)
    if hit is not None and stamps.unchanged(hit[0], root, MAX_MODULE_BYTES):
        return hit[1]
    # (size, mtime, inode) and a digest: a rewrite within the clock's granularity is noticed too
    stamp = stamps.take(path, root, MAX_MODULE_BYTES)
    if stamp.stat is None:
        return None
    hit = _BY_DIGEST.get(stamp.digest) if stamp.digest is not None else None
    tree = hit[0] if hit is not None else None
    if tree is None and stamp.digest is not None:  # a regular file inside the project, within the size limit
        try:
            from relulint.parse_guard import complexity_error
            from relulint.safe_read import decode_source, read_file

            # regular files inside the project only (no FIFO, no symlink out), bounded, and within
            # the limits libcst's native parser takes safely
            code = decode_source(read_file(path, root, MAX_MODULE_BYTES))
            syntax = compile(code, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
            if complexity_error(code, syntax) is not None:
                raise ValueError("too complex to parse safely")
            tree = cst.parse_module(code)
            _keep(stamp.digest, tree, code, syntax)
        except Exception:  # an unreadable neighbour is simply not followed
            tree = None
    if len(_PARSED) >= _PARSED_LIMIT:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[path] = (stamp, tree)
    return tree


def _keep(digest: str, tree: cst.Module, code: str, syntax: ast.Module | None) -> None:
    global _by_digest_chars
    old = _BY_DIGEST.pop(digest, None)
    _by_digest_chars -= old[1] if old is not None else 0
    while _BY_DIGEST and (_by_digest_chars + len(code) > _BY_DIGEST_CHARS or len(_BY_DIGEST) >= _PARSED_LIMIT):
        evicted, size = _BY_DIGEST.pop(next(iter(_BY_DIGEST)))
        _by_digest_chars -= size
        _SOURCES.pop(id(evicted), None)  # (its text and ast go with it: positions_of re-reads them if asked)
    if len(code) > _BY_DIGEST_CHARS:
        return
    _BY_DIGEST[digest] = (tree, len(code))
    _by_digest_chars += len(code)
    if len(_SOURCES) >= _PARSED_LIMIT:
        _SOURCES.pop(next(iter(_SOURCES)))
    if syntax is not None:
        _SOURCES[id(tree)] = (tree, code, syntax)  # statement positions for LazyPositions


def text_digest(code: str) -> str:
    """The digest stamps.take gives a file holding exactly this text (UTF-8)."""
    from relulint import stamps

    return stamps.digest_of(code.encode("utf-8"))


def shared_tree(code: str) -> cst.Module | None:
    """The tree of this exact text if one was parsed in this process (a driver read for the file it
    imports, or the module a driver imports that was just linted)."""
    hit = _BY_DIGEST.get(text_digest(code))
    return hit[0] if hit is not None else None


def remember(code: str, tree: cst.Module, syntax: ast.Module | None = None) -> None:
    """Offer a tree parsed elsewhere (the linted file, a driver) to the readers of the same text."""
    _keep(text_digest(code), tree, code, syntax)


def module_file(importer: str, dotted: str, level: int) -> str | None:
    """The project file for `import dotted` / `from .dotted import` seen in `importer`, if any."""
    folder = Path(importer).parent
    parts = [p for p in dotted.split(".") if p]
    if level:
        base = folder
        for _ in range(level - 1):
            base = base.parent
        roots = [base]
    else:
        roots = [folder, *list(folder.parents)[:3]]
    for root in roots:
        target = root.joinpath(*parts) if parts else root
        for cand in ((target.with_suffix(".py"), target / "__init__.py") if parts else (target / "__init__.py",)):
            try:
                if cand.is_file():
                    return str(cand)
            except OSError:
                continue
    return None

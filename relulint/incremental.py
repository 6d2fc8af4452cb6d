"""Re-parse only the top-level statements an edit touched (the language server's parse of a buffer).

A keystroke changes one statement of a 2,000-line file, yet libcst's parse of the whole file is a
fifth of a lint. Python's own parser (C, ~10x faster) gives where every top-level statement starts
and ends; the text is cut there into chunks (a statement with the blank and comment lines before it),
and a chunk seen in the previous version of the buffer reuses that version's libcst statements. Only
the new chunks go through libcst. The spliced module generates exactly the buffer's text (comments
before a statement may sit in its `leading_lines` instead of the module header: the same text, at the
same positions).

Anything unusual (chunks inferring different indentation or newlines, a chunk libcst gives a footer
to) falls back to a full parse.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from itertools import pairwise

import libcst as cst

_NEWLINE = re.compile(r"\r\n|\r|\n")  # Python's own line ends (not str.splitlines' form feeds etc.)
MAX_DOCUMENTS = 16


def chunks(code: str, tree: ast.Module) -> list[str] | None:
    """The text cut before each top-level statement that starts on a later line than the previous one
    ends; None when there is nothing to cut."""
    if not tree.body:
        return None
    starts = [0]  # offset of each line's start (1-based line n starts at starts[n - 1])
    starts += [m.end() for m in _NEWLINE.finditer(code)]
    cuts = [0]
    for prev, stmt in pairwise(tree.body):
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
        if prev.end_lineno is not None and first > prev.end_lineno:
            cuts.append(starts[prev.end_lineno])  # after the line the previous statement ends on
    cuts.append(len(code))
    return [code[a:b] for a, b in pairwise(cuts) if b > a]


class IncrementalParser:
    """libcst parses of one buffer's successive versions, sharing the unchanged statements."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[cst.Module, list[cst.BaseStatement]]] = {}  # chunk text -> its parse
        self.reused = self.parsed = 0  # chunks, in the last parse (for the benchmark and tests)

    def parse(self, code: str) -> cst.Module:
        try:
            tree = compile(code, "<buffer>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return cst.parse_module(code)  # (libcst raises its own syntax error)
        parts = chunks(code, tree)
        module = self._splice(parts) if parts else None
        return module if module is not None else self._full(code)

    def _full(self, code: str) -> cst.Module:
        self._seen = {}
        self.reused, self.parsed = 0, 1
        return cst.parse_module(code)

    def _splice(self, parts: list[str]) -> cst.Module | None:
        seen: dict[str, tuple[cst.Module, list[cst.BaseStatement]]] = {}
        body: list[cst.BaseStatement] = []
        pieces: list[cst.Module] = []
        reused = parsed = 0
        for i, text in enumerate(parts):
            # a node object appears once in a tree (positions and parents are keyed by it): a chunk
            # repeated within this version is parsed again
            hit = None if text in seen else self._seen.get(text)
            if hit is None:
                hit = self._parse_piece(text, last=i == len(parts) - 1)
                if hit is None:
                    return None
                parsed += 1
            else:
                reused += 1
            seen.setdefault(text, hit)
            pieces.append(hit[0])
            body.extend(hit[1])
        first, last = pieces[0], pieces[-1]
        if any(p.default_indent != first.default_indent or p.default_newline != first.default_newline
               for p in pieces):
            return None  # nodes of each piece use its own defaults: only one set fits the whole
        self._seen = seen
        self.reused, self.parsed = reused, parsed
        return cst.Module(body=body, header=[], footer=last.footer, encoding=first.encoding,
                          default_indent=first.default_indent, default_newline=first.default_newline,
                          has_trailing_newline=last.has_trailing_newline)

    @staticmethod
    def _parse_piece(text: str, last: bool) -> tuple[cst.Module, list[cst.BaseStatement]] | None:
        piece = cst.parse_module(text)
        stmts = list(piece.body)
        if not stmts or (piece.footer and not last):
            return None
        if piece.header:  # comments above the statement: its leading lines, same text
            stmts[0] = stmts[0].with_changes(leading_lines=[*piece.header, *stmts[0].leading_lines])
        return piece, stmts


class Parsers:
    """One IncrementalParser per buffer path, the most recently used MAX_DOCUMENTS kept."""

    def __init__(self) -> None:
        self._by_path: OrderedDict[str, IncrementalParser] = OrderedDict()

    def for_path(self, path: str) -> IncrementalParser:
        p = self._by_path.pop(path, None) or IncrementalParser()
        self._by_path[path] = p
        while len(self._by_path) > MAX_DOCUMENTS:
            self._by_path.popitem(last=False)
        return p

"""Re-parse only the top-level statements an edit touched (the language server's parse of a buffer).

A keystroke changes one statement of a 2,000-line file, yet libcst's parse of the whole file is a
fifth of a lint. Python's own parser (C, ~10x faster) gives where every top-level statement starts
and ends; the text is cut there into chunks (a statement with the blank and comment lines before it),
and a chunk seen in the previous version of the buffer reuses that version's libcst statements. Only
the new chunks go through libcst. The spliced module generates exactly the buffer's text (comments
before a statement may sit in its `leading_lines` instead of the module header: the same text, at the
same positions).

Positions and the NameIndex (parents, children, scopes) are reused the same way. Each chunk's libcst
positions are computed once, relative to the chunk (codegen of a top-level statement does not depend
on what precedes it), and shifted to the chunk's first line in the current version; each chunk's
names are indexed once and joined with the others' (`NameIndex.joined`).

Anything unusual (chunks inferring different indentation or newlines, a chunk libcst gives a footer
to) falls back to a full parse.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from itertools import pairwise

import libcst as cst
from libcst._position import CodePosition, CodeRange
from libcst.metadata import MetadataWrapper, PositionProvider

from relulint.finding import Finding
from relulint.source.lazy_positions import NodePositions
from relulint.source.names import NameIndex

_NEWLINE = re.compile(r"\r\n|\r|\n")  # Python's own line ends (not str.splitlines' form feeds etc.)
MAX_DOCUMENTS = 16
MAX_CHUNKS = 20_000  # parse-guard verdicts kept per buffer


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


class _Piece:
    """One chunk's parse: its statements (comments above folded into the first) and, on demand, their
    positions relative to the chunk."""

    __slots__ = ("module", "stmts", "lines", "_positions", "_names")

    def __init__(self, module: cst.Module, stmts: list[cst.BaseStatement], text: str) -> None:
        self.module = module
        self.stmts = stmts
        self.lines = len(_NEWLINE.findall(text))  # how many lines the chunk moves the next one down
        self._positions: Mapping[cst.CSTNode, CodeRange] | None = None
        self._names: NameIndex | None = None

    def names(self) -> NameIndex:
        if self._names is None:
            self._names = NameIndex.fragment(self.stmts)
        return self._names

    def positions(self, footer: bool) -> Mapping[cst.CSTNode, CodeRange]:
        if self._positions is None:
            alone = cst.Module(body=self.stmts, header=[], footer=self.module.footer if footer else [],
                               encoding=self.module.encoding, default_indent=self.module.default_indent,
                               default_newline=self.module.default_newline,
                               has_trailing_newline=self.module.has_trailing_newline)
            self._positions = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
        return self._positions


class IncrementalParser:
    """libcst parses of one buffer's successive versions, sharing the unchanged statements."""

    def __init__(self) -> None:
        self._seen: dict[str, _Piece] = {}  # chunk text -> its parse
        self._last: tuple[cst.Module, list[_Piece]] | None = None  # the last spliced module
        self._compiled: tuple[str, ast.Module | None] | None = None  # the last text compiled, and its tree
        self._complexity: dict[str, tuple[int, int, str] | None] = {}  # chunk text -> parse guard's verdict
        self.reused = self.parsed = 0  # chunks, in the last parse (for the benchmark and tests)

    def __call__(self, code: str) -> cst.Module:
        return self.parse(code)

    def guard(self, path: str, code: str) -> Finding | None:
        """engine.too_complex or engine.syntax_error, as on the whole text, from one compile and the
        parse guard's token limits checked per chunk (kept with the chunk: its state starts afresh at
        each statement). Python's compile runs first, so a text it refuses (too deeply nested
        brackets among others) takes the engine's own checks in their order."""
        from relulint.engine import engine_finding, syntax_error, too_complex
        from relulint.parse_guard import complexity_error

        tree = self._compile(code)
        if tree is None:
            return too_complex(path, code) or syntax_error(path, code)
        if len(self._complexity) > MAX_CHUNKS:
            self._complexity.clear()
        line = 0
        for text in chunks(code, tree) or [code]:
            if text not in self._complexity:
                self._complexity[text] = complexity_error(text)
            hit = self._complexity[text]
            if hit is not None:
                return engine_finding("RL000", "syntax-error", path, hit[2], hit[0] + line, hit[1])
            line += len(_NEWLINE.findall(text))
        return None

    def _compile(self, code: str) -> ast.Module | None:
        if self._compiled is not None and self._compiled[0] == code:
            return self._compiled[1]
        try:
            tree = compile(code, "<buffer>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            tree = None
        self._compiled = (code, tree)
        return tree

    def parse(self, code: str) -> cst.Module:
        tree = self._compile(code)
        if tree is None:
            return self._full(code)  # (libcst raises its own syntax error)
        parts = chunks(code, tree)
        module = self._splice(parts) if parts else None
        return module if module is not None else self._full(code)

    def positions(self, module: cst.Module) -> Mapping[cst.CSTNode, CodeRange] | None:
        """PositionProvider's map for the module this parser spliced last (None for any other tree)."""
        if self._last is None or self._last[0] is not module:
            return None
        return _Shifted(module, self._last[1])

    def names(self, module: cst.Module) -> NameIndex | None:
        """The NameIndex of the module this parser spliced last, joined from its chunks' (None for any
        other tree)."""
        if self._last is None or self._last[0] is not module:
            return None
        return NameIndex.joined(module, [p.names() for p in self._last[1]])

    def _full(self, code: str) -> cst.Module:
        self._seen, self._last, self._complexity = {}, None, {}
        self.reused, self.parsed = 0, 1
        return cst.parse_module(code)

    def _splice(self, parts: list[str]) -> cst.Module | None:
        seen: dict[str, _Piece] = {}
        body: list[cst.BaseStatement] = []
        pieces: list[_Piece] = []
        reused = parsed = 0
        for i, text in enumerate(parts):
            # a node object appears once in a tree (positions and parents are keyed by it): a chunk
            # repeated within this version is parsed again
            hit = None if text in seen else self._seen.get(text)
            if hit is not None and hit.module.footer and i < len(parts) - 1:
                hit = None
            if hit is None:
                hit = self._parse_piece(text, last=i == len(parts) - 1)
                if hit is None:
                    return None
                parsed += 1
            else:
                reused += 1
            seen.setdefault(text, hit)
            pieces.append(hit)
            body.extend(hit.stmts)
        first, last = pieces[0].module, pieces[-1].module
        if any(p.module.default_indent != first.default_indent or p.module.default_newline != first.default_newline
               for p in pieces):
            return None  # nodes of each piece use its own defaults: only one set fits the whole
        self._seen = seen
        self._complexity = {t: v for t, v in self._complexity.items() if t in seen}
        self.reused, self.parsed = reused, parsed
        module = cst.Module(body=body, header=[], footer=last.footer, encoding=first.encoding,
                            default_indent=first.default_indent, default_newline=first.default_newline,
                            has_trailing_newline=last.has_trailing_newline)
        self._last = (module, pieces)
        return module

    @staticmethod
    def _parse_piece(text: str, last: bool) -> _Piece | None:
        piece = cst.parse_module(text)
        stmts = list(piece.body)
        if not stmts or (piece.footer and not last):
            return None
        if piece.header:  # comments above the statement: its leading lines, same text
            stmts[0] = stmts[0].with_changes(leading_lines=[*piece.header, *stmts[0].leading_lines])
        return _Piece(piece, stmts, text)


class _Shifted(NodePositions, Mapping):
    """node -> CodeRange over a spliced module: each piece's own positions, moved down to the line the
    piece starts on. Nodes no piece holds (the module itself) come from a full PositionProvider pass,
    computed once if ever asked for."""

    def __init__(self, module: cst.Module, pieces: list[_Piece]) -> None:
        self._module = module
        self._pieces = pieces
        self._offsets: list[int] = []
        line = 0
        for p in pieces:
            self._offsets.append(line)
            line += p.lines
        self._owner: dict[cst.CSTNode, int] | None = None
        self._full: Mapping[cst.CSTNode, CodeRange] | None = None

    def _owners(self) -> dict[cst.CSTNode, int]:
        if self._owner is None:
            owner: dict[cst.CSTNode, int] = {}
            last = len(self._pieces) - 1
            for i, p in enumerate(self._pieces):
                owner.update(dict.fromkeys(p.positions(footer=i == last), i))
            self._owner = owner
        return self._owner

    def get(self, node: cst.CSTNode, default: CodeRange | None = None) -> CodeRange | None:
        i = self._owners().get(node)
        if i is None:
            if self._full is None:
                self._full = MetadataWrapper(self._module, unsafe_skip_copy=True).resolve(PositionProvider)
            return self._full.get(node, default)
        rng = self._pieces[i].positions(footer=i == len(self._pieces) - 1)[node]
        off = self._offsets[i]
        if not off:
            return rng
        return CodeRange(CodePosition(rng.start.line + off, rng.start.column),
                         CodePosition(rng.end.line + off, rng.end.column))

    def holds(self, node: cst.CSTNode) -> bool:
        """Is `node` part of the spliced module (without placing it)?"""
        return node is self._module or node in self._owners()

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._owners())

    def __len__(self) -> int:
        return len(self._owners())


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

    def positions(self, module: cst.Module) -> Mapping[cst.CSTNode, CodeRange] | None:
        """The reused positions of a tree one of these parsers spliced, else None."""
        for p in self._by_path.values():
            found = p.positions(module)
            if found is not None:
                return found
        return None

    def names(self, module: cst.Module) -> NameIndex | None:
        """The reused NameIndex of a tree one of these parsers spliced, else None."""
        for p in self._by_path.values():
            found = p.names(module)
            if found is not None:
                return found
        return None

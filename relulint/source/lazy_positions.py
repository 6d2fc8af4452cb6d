"""libcst positions computed only for the nodes asked for.

libcst's `PositionProvider` re-generates the whole module's code with position tracking: about twice
the cost of the parse itself, paid for every file although only a handful of nodes (the ones a
finding or a data-flow ordering asks about) ever need a position. Python's own parser (C, ~5x faster
than libcst's) already knows where every *statement* starts and ends, and libcst's syntactic
statement positions are exactly `ast`'s. So:

- a statement's own range comes from `ast` (byte columns converted to code points);
- any other node is located by re-generating only the innermost statement that holds it, with the
  enclosing indentation, and shifting the result to that statement's `ast` line.

The ranges are the ones `PositionProvider` gives (tests compare both on real code). Anything the
statement mapping cannot place falls back to the full provider, once per module.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

import libcst as cst
from libcst._position import CodePosition, CodeRange
from libcst.metadata import MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from relulint.ir import Origin
from relulint.source.names import fast_children

_NEWLINE = re.compile(r"\r\n?|\n")
_COMPOUND = (cst.FunctionDef, cst.ClassDef, cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar)


class _Sink:
    """What `PositionProvidingCodegenState` writes into (it only needs `_computed`)."""

    __slots__ = ("_computed",)

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, CodeRange] = {}


class _Unmapped(Exception):
    pass


class NodePositions:
    """The mapping interface of a position table over its `get` (positions[node], node in positions)."""

    def get(self, node: cst.CSTNode, default: CodeRange | None = None) -> CodeRange | None:
        raise NotImplementedError

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        found = self.get(node)
        if found is None:
            raise KeyError(node)
        return found

    def __contains__(self, node: object) -> bool:
        return isinstance(node, cst.CSTNode) and self.get(node) is not None


class LazyPositions(NodePositions):
    """A read-only `node -> CodeRange` map with `PositionProvider`'s values, computed on demand."""

    def __init__(self, module: cst.Module, code: str | None = None, tree: ast.Module | None = None,
                 parents: dict[cst.CSTNode, cst.CSTNode] | Callable[[], dict] | None = None) -> None:
        # `parents`: the tree's parent map, or a function giving it when first needed (a NameIndex's)
        self._module = module
        self._code = code
        self._tree = tree
        self._parents = parents
        self._pos: dict[cst.CSTNode, CodeRange] = {}
        self._stmts: dict[cst.CSTNode, tuple[ast.stmt, tuple[str, ...]]] | None = None
        self._lines: list[str] = []
        self._full: dict[cst.CSTNode, CodeRange] | None = None
        # id(statement), or ("h", id) for its header alone, once generated -> the nodes it positioned
        self._generated: dict[object, list[cst.CSTNode]] = {}
        self._by_line: list[cst.CSTNode | None] | None = None

    # ------------------------------------------------------------------ mapping interface

    def get(self, node: cst.CSTNode, default: CodeRange | None = None) -> CodeRange | None:
        found = self._pos.get(node)
        if found is not None:
            return found
        if self._full is None:
            try:
                self._locate(node)
            except (_Unmapped, RecursionError, SyntaxError, ValueError, KeyError):
                self._use_full()
        if self._full is not None:
            return self._full.get(node, default)
        return self._pos.get(node, default)

    def holds(self, node: cst.CSTNode) -> bool:
        """Is `node` part of this module's tree (without placing it)?"""
        return node is self._module or node in self._parent_map()

    def nodes_on_line(self, line: int) -> list[cst.CSTNode]:
        """The nodes of the innermost statement (or compound header) that spans `line`, positioned, so that
        a node can be found by its span without positioning the whole file."""
        if self._full is not None:
            return [n for n, r in self._full.items() if r.start.line == line]
        try:
            self._statements()
            stmt = self._line_index()[line] if 0 <= line < len(self._line_index()) else None
            if stmt is None:
                return []
            return self._generated[self._ensure(stmt, header_only=True)]
        except (_Unmapped, RecursionError, SyntaxError, ValueError, KeyError):
            self._use_full()
            return [n for n, r in self._full.items() if r.start.line == line]

    def _line_index(self) -> list[cst.CSTNode | None]:
        """line -> the innermost mapped statement spanning it (outer statements written first)."""
        if self._by_line is None:
            stmts = self._statements()
            index: list[cst.CSTNode | None] = [None] * (len(self._lines) + 2)
            for stmt, (a, _) in sorted(stmts.items(), key=lambda kv: len(kv[1][1])):
                end = min(a.end_lineno or a.lineno, len(index) - 1)
                index[a.lineno:end + 1] = [stmt] * (end + 1 - a.lineno)
            self._by_line = index
        return self._by_line

    def items(self):  # every node: only the full provider has them all
        self._use_full()
        return self._full.items()

    # ------------------------------------------------------------------ internals

    def _use_full(self) -> None:
        if self._full is None:
            self._full = dict(MetadataWrapper(self._module, unsafe_skip_copy=True).resolve(PositionProvider))

    def _locate(self, node: cst.CSTNode) -> None:
        stmts = self._statements()
        parents = self._parent_map()
        stmt = node
        while stmt is not None and stmt not in stmts:
            stmt = parents.get(stmt)
        if stmt is None:
            raise _Unmapped
        if stmt is node and isinstance(node, _COMPOUND):
            self._pos[node] = self._ast_range(stmts[node][0])
            return
        if id(stmt) in self._generated:
            if node not in self._pos:
                raise _Unmapped  # a node codegen does not record (whitespace): let the full provider say
            return
        self._ensure(stmt, header_only=True)  # a node in a `def` / `class` / `if` header: not the whole body
        if node not in self._pos:
            self._ensure(stmt, header_only=False)

    def _ensure(self, stmt: cst.CSTNode, header_only: bool) -> object:
        """Generate the statement (or only its header, when asked and it has one) unless done; its key."""
        header = _header_only(stmt) if header_only else None
        key = ("h", id(stmt)) if header is not None else id(stmt)
        if key not in self._generated:
            self._generate(header if header is not None else stmt, *self._statements()[stmt],
                           key=key if header is not None else None)
        return key

    def _generate(self, stmt: cst.CSTNode, anchor: ast.stmt, indents: tuple[str, ...],
                  key: object = None) -> None:
        sink = _Sink()
        state = PositionProvidingCodegenState(default_indent=self._module.default_indent,
                                              default_newline=self._module.default_newline,
                                              provider=sink, indent_tokens=list(indents))
        stmt._codegen(state)
        own = sink._computed.get(stmt)
        if own is None:
            raise _Unmapped
        if isinstance(stmt, cst.SimpleStatementLine):
            first = sink._computed.get(stmt.body[0]) if stmt.body else None
            start = first.start if first is not None else own.start
        else:
            start = own.start
        delta = anchor.lineno - start.line
        if start.column != self._column(anchor.lineno, anchor.col_offset):
            raise _Unmapped  # the indentation was not what the statement map thinks: do not guess
        pos = self._pos
        if key is not None:  # a header: the stand-in body is not part of the module
            for n in _STAND_IN_NODES:
                sink._computed.pop(n, None)
        if delta == 0:
            for n, r in sink._computed.items():
                pos.setdefault(n, r)
        else:
            for n, r in sink._computed.items():
                if n not in pos:
                    pos[n] = CodeRange(CodePosition(r.start.line + delta, r.start.column),
                                       CodePosition(r.end.line + delta, r.end.column))
        if key is not None:  # the stand-in header node is not the real statement
            pos.pop(stmt, None)
            sink._computed.pop(stmt, None)
        self._generated[key if key is not None else id(stmt)] = list(sink._computed)

    def _ast_range(self, a: ast.stmt) -> CodeRange:
        if a.end_lineno is None or a.end_col_offset is None:
            raise _Unmapped
        return CodeRange(CodePosition(a.lineno, self._column(a.lineno, a.col_offset)),
                         CodePosition(a.end_lineno, self._column(a.end_lineno, a.end_col_offset)))

    def _column(self, line: int, byte_col: int) -> int:
        text = self._lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def _parent_map(self) -> dict[cst.CSTNode, cst.CSTNode]:
        if callable(self._parents):
            self._parents = self._parents()
        if self._parents is None:
            parents: dict[cst.CSTNode, cst.CSTNode] = {}
            stack: list[cst.CSTNode] = [self._module]
            while stack:
                n = stack.pop()
                for c in fast_children(n):
                    parents[c] = n
                    stack.append(c)
            self._parents = parents
        return self._parents

    def _statements(self) -> dict[cst.CSTNode, tuple[ast.stmt, tuple[str, ...]]]:
        if self._stmts is None:
            code = self._code if self._code is not None else self._module.code
            self._lines = _NEWLINE.split(code)
            tree = self._tree if self._tree is not None else ast.parse(code)
            self._tree = None  # not needed any more
            stmts: dict[cst.CSTNode, tuple[ast.stmt, tuple[str, ...]]] = {}
            _map_block(self._module.body, tree.body, (), self._module.default_indent, stmts)
            self._stmts = stmts
        return self._stmts


_STAND_IN = cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Pass()])])


def _subtree(node: cst.CSTNode) -> frozenset[cst.CSTNode]:
    out, stack = set(), [node]
    while stack:
        n = stack.pop()
        out.add(n)
        stack.extend(n.children)
    return frozenset(out)


_STAND_IN_NODES = _subtree(_STAND_IN)


def _header_only(stmt: cst.CSTNode) -> cst.CSTNode | None:
    """The compound statement with its indented body and else-branches left out (same header nodes)."""
    if not isinstance(stmt, (cst.FunctionDef, cst.ClassDef, cst.If, cst.For, cst.While, cst.With)):
        return None
    if not isinstance(stmt.body, cst.IndentedBlock):
        return None
    changes: dict[str, object] = {"body": _STAND_IN}
    if isinstance(stmt, (cst.If, cst.For, cst.While)):
        changes["orelse"] = None
    return stmt.with_changes(**changes)


def _map_block(body, ast_body: list[ast.stmt], indents: tuple[str, ...], default_indent: str,
               out: dict) -> None:
    """Pair libcst statements with Python's `ast` statements (a `a; b` line is several of them)."""
    i = 0
    for s in body:
        if i >= len(ast_body):
            raise _Unmapped
        a = ast_body[i]
        if isinstance(s, cst.SimpleStatementLine):
            i += len(s.body)
            out[s] = (a, indents)
            continue
        i += 1
        out[s] = (a, indents)
        _map_children(s, a, indents, default_indent, out)


def _map_children(s: cst.CSTNode, a: ast.stmt, indents: tuple[str, ...], default_indent: str, out: dict) -> None:
    def block(cst_block, ast_body) -> None:
        if isinstance(cst_block, cst.IndentedBlock):
            inner = indents + (cst_block.indent if cst_block.indent is not None else default_indent,)
            _map_block(cst_block.body, ast_body, inner, default_indent, out)

    if isinstance(s, (cst.FunctionDef, cst.ClassDef, cst.With)):
        block(s.body, a.body)
    elif isinstance(s, (cst.For, cst.While)):
        block(s.body, a.body)
        if s.orelse is not None:
            block(s.orelse.body, a.orelse)
    elif isinstance(s, cst.If):
        block(s.body, a.body)
        orelse = s.orelse
        if isinstance(orelse, cst.Else):
            block(orelse.body, a.orelse)
        elif isinstance(orelse, cst.If) and len(a.orelse) == 1 and isinstance(a.orelse[0], ast.If):
            _map_children(orelse, a.orelse[0], indents, default_indent, out)  # elif: its blocks only
    elif isinstance(s, (cst.Try, cst.TryStar)):
        block(s.body, a.body)
        if len(s.handlers) != len(a.handlers):
            raise _Unmapped
        for h, ah in zip(s.handlers, a.handlers, strict=True):
            block(h.body, ah.body)
        if s.orelse is not None:
            block(s.orelse.body, a.orelse)
        if s.finalbody is not None:
            block(s.finalbody.body, a.finalbody)


class LazyOrigin(Origin):
    """An `Origin` whose span is computed when first read: the interpreter makes one for every layer,
    loss and op it meets, and only the few that end up in a finding (or that a rule compares) are ever
    placed. Equal to, and hashing like, the plain `Origin` of the same span; pickles as one."""

    def __init__(self, path: str, line: int, col: int = 0, end_line: int | None = None,
                 end_col: int | None = None, node: str | None = None) -> None:  # a placed one (dataclasses.replace)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "_at", None)
        object.__setattr__(self, "_span", (line, col, end_line, end_col))

    @classmethod
    def at(cls, path: str, positions, node: cst.CSTNode) -> LazyOrigin:
        """The span of `node` in `positions` (a LazyPositions or any node -> CodeRange map), on demand.
        A node the map cannot place (never one of its own tree's) reads as the file's first line."""
        self = cls.__new__(cls)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "node", None)
        object.__setattr__(self, "_at", (positions, node))
        object.__setattr__(self, "_span", None)
        return self

    def _place(self) -> tuple[int, int, int | None, int | None]:
        span = self._span
        if span is None:
            positions, node = self._at
            pos = positions.get(node)
            span = (pos.start.line, pos.start.column, pos.end.line, pos.end.column) if pos is not None \
                else (1, 0, None, None)
            object.__setattr__(self, "_span", span)
            object.__setattr__(self, "_at", None)  # the tree need not stay alive for this origin
        return span

    line = property(lambda self: self._place()[0])  # type: ignore[assignment]
    col = property(lambda self: self._place()[1])  # type: ignore[assignment]
    end_line = property(lambda self: self._place()[2])  # type: ignore[assignment]
    end_col = property(lambda self: self._place()[3])  # type: ignore[assignment]

    def _key(self) -> tuple:
        return (self.path, *self._place(), self.node, None)  # (never in a notebook cell: mapped to a plain Origin)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Origin):
            return NotImplemented
        return self._key() == (other.path, other.line, other.col, other.end_line, other.end_col, other.node,
                               other.cell)

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self):
        return (Origin, self._key())


def place_all(root: object) -> None:
    """Place every LazyOrigin reachable from `root` (IR dataclasses, lists, tuples, dicts, sets), so that
    none of them keeps its syntax tree alive once the facts outlive the lint."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (str, int, float, bool)):
            continue
        seen.add(id(obj))
        if isinstance(obj, LazyOrigin):
            obj._place()
        elif isinstance(obj, dict):
            todo.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            todo.extend(obj)
        elif hasattr(obj, "__dataclass_fields__"):
            todo.extend(getattr(obj, name, None) for name in obj.__dataclass_fields__)

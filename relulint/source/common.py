"""What every libcst frontend needs: one parse with metadata, qualified names, positions, and a small
value resolver that follows simple local assignments, `self.x = ...` attributes and parameter
defaults, plus constant evaluation of literal arithmetic.

The resolver is deliberately shallow: it follows names to their last assignment in the visible scope
(bounded depth) and gives up — returning None — on anything it cannot see statically.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Protocol

import libcst as cst

from relulint.ir import Origin
from relulint.knowledge import Arg, canonical
from relulint.source.lazy_positions import LazyPositions

if TYPE_CHECKING:
    from relulint.source.names import NameIndex

UNKNOWN = object()  # const() result when a value is not statically known
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")  # the fields of ast statements that hold statements
_MAX_DEPTH = 6


class KnownTrees(Protocol):
    """Trees whose positions and names are known without a pass over the whole tree: the language
    server's incremental parse (relulint.incremental) reuses those of each unchanged statement.
    Each method returns None for a tree it did not make."""

    def positions(self, module: cst.Module) -> Mapping[cst.CSTNode, object] | None: ...

    def names(self, module: cst.Module) -> NameIndex | None: ...


known_trees: KnownTrees | None = None


def module_names(module: cst.Module) -> NameIndex:
    from relulint.source.names import NameIndex

    found = known_trees.names(module) if known_trees is not None else None
    return found if found is not None else NameIndex(module)


class SourceContext:
    """One parsed file with the metadata frontends share."""

    def __init__(self, path: str, code: str, module: cst.Module | None = None, syntax: ast.Module | None = None
                 ) -> None:
        self.path = path
        self.code = code
        self.module = module if module is not None else cst.parse_module(code)
        self._syntax = syntax
        # names, scopes and parents from one walk of our own (libcst's QualifiedName / Scope / ParentNode
        # providers cost several times the parse), made only if a frontend asks (the interpreter binds
        # names itself); positions only for the nodes asked for, unless the language server's
        # incremental parse already knows them
        self._names: NameIndex | None = None
        known = known_trees.positions(self.module) if known_trees is not None else None
        self.positions = known if known is not None else \
            LazyPositions(self.module, code, syntax, parents=lambda: self._names.parents if self._names else None)
        self._imported: list[str] | None = None  # module names imported anywhere in the file
        self._assigned: dict[cst.CSTNode, cst.BaseExpression] | None = None  # see _index_assignments
        self._self_attrs: dict[cst.ClassDef, dict[str, list[cst.BaseExpression]]] = {}

    @property
    def names(self) -> NameIndex:
        if self._names is None:
            self._names = module_names(self.module)
            _index_children(self._names)
        return self._names

    @property
    def parents(self) -> dict[cst.CSTNode, cst.CSTNode]:
        return self.names.parents

    @property
    def scopes(self):
        return self.names.scope_of

    # ---------------------------------------------------------------- names and positions

    def qname(self, node: cst.CSTNode) -> str | None:
        """The canonical imported qualified name of a Name/Attribute, or None when it is local."""
        found = self.names.qualified_name(node)
        if found is None:
            return None
        return canonical(found[0]) if found[1] == "import" else found[0]

    def call_qname(self, call: cst.Call) -> str | None:
        return self.qname(call.func)

    def origin(self, node: cst.CSTNode) -> Origin:
        pos = self.positions[node]
        return Origin(self.path, pos.start.line, pos.start.column, pos.end.line, pos.end.column)

    def text(self, node: cst.CSTNode, limit: int = 120) -> str:
        s = " ".join(self.module.code_for_node(node).split())
        return s if len(s) <= limit else s[: limit - 3] + "..."

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        p = self.parents.get(node)
        while p is not None:
            yield p
            p = self.parents.get(p)

    def enclosing(self, node: cst.CSTNode, kind: type) -> cst.CSTNode | None:
        for a in self.ancestors(node):
            if isinstance(a, kind):
                return a
        return None

    def imports_any(self, prefixes: tuple[str, ...]) -> bool:
        if self._imported is None:  # asked once per frontend: every import statement of the file
            self._imported = self._imports_anywhere()
        return any(name.startswith(prefixes) for name in self._imported)

    def _imports_anywhere(self) -> list[str]:
        """The modules named by import statements anywhere (not only at top level): from Python's own
        tree when there is one (a walk of it costs a fraction of a walk of libcst's), else NameIndex's."""
        names: list[str] = []
        known = self._names or (known_trees.names(self.module) if known_trees is not None else None)
        if known is None and self._syntax is not None:
            todo: list[ast.stmt] = list(self._syntax.body)  # imports are statements: expressions are not walked
            while todo:
                node = todo.pop()
                if isinstance(node, ast.Import):
                    names.extend(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom):
                    if node.module is not None:
                        names.append(node.module)
                else:
                    for field in _BLOCKS:
                        block = getattr(node, field, None)
                        if block:
                            todo.extend(block)
            return names
        for small in (known or self.names).imports:
            if isinstance(small, cst.Import):
                names.extend(self.module.code_for_node(alias.name) for alias in small.names)
            elif isinstance(small, cst.ImportFrom) and small.module is not None:
                names.append(self.module.code_for_node(small.module))
        return names

    # ---------------------------------------------------------------- assignments

    def _index_assignments(self) -> None:
        if self._assigned is not None:
            return
        self._assigned = {}
        for node in _walk(self.module):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    self._bind(target.target, node.value)
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                self._bind(node.target, node.value)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._assigned[target] = value
        elif isinstance(target, cst.Attribute) and _is_self(target.value):
            cls = self.enclosing(target, cst.ClassDef)
            if cls is not None:
                self._self_attrs.setdefault(cls, {}).setdefault(target.attr.value, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
            for t, v in zip(target.elements, value.elements, strict=False):
                self._bind(t.value, v.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            # (x_train, y_train), (x_test, y_test) = load_data(): remember the source call for each name
            for t in target.elements:
                self._bind(t.value, value)

    def self_attrs(self, cls: cst.ClassDef) -> dict[str, list[cst.BaseExpression]]:
        self._index_assignments()
        return self._self_attrs.get(cls, {})

    def resolve(self, expr: cst.BaseExpression | None, depth: int = 0) -> cst.BaseExpression | None:
        """Follow a Name / self.attr to the expression last assigned to it; else return expr."""
        if expr is None or depth > _MAX_DEPTH:
            return expr
        if isinstance(expr, cst.Name) and self.qname(expr) is None:
            value = self._lookup_name(expr)
            if value is not None:
                return self.resolve(value, depth + 1)
        elif isinstance(expr, cst.Attribute) and _is_self(expr.value):
            cls = self.enclosing(expr, cst.ClassDef)
            values = self.self_attrs(cls).get(expr.attr.value) if cls is not None else None
            if values:
                return self.resolve(values[-1], depth + 1)
            class_level = self._class_attribute(cls, expr.attr.value) if cls is not None else None
            if class_level is not None:
                return self.resolve(class_level, depth + 1)
        return expr

    def _lookup_name(self, name: cst.Name) -> cst.BaseExpression | None:
        self._index_assignments()
        scope = _unlazy(self.scopes.get(name))
        if scope is None:
            return None
        use_line = self.positions[name].start.line
        enclosing = set(map(id, self.ancestors(name)))  # `x = f(x)`: the use is inside its own value
        best: tuple[int, cst.BaseExpression] | None = None
        fallback: cst.BaseExpression | None = None
        for assignment in scope[name.value]:
            node = getattr(assignment, "node", None)
            if isinstance(node, cst.Param):
                if node.default is not None:
                    fallback = node.default
                continue
            if node is None or node not in self._assigned or node is name:
                continue
            line = self.positions[node].start.line
            value = self._assigned[node]
            if id(value) in enclosing:
                continue
            if line <= use_line and (best is None or line >= best[0]):
                best = (line, value)
            elif fallback is None:
                fallback = value
        return best[1] if best else fallback

    def _class_attribute(self, cls: cst.ClassDef, attr: str) -> cst.BaseExpression | None:
        for stmt in cls.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign):
                        for t in small.targets:
                            if isinstance(t.target, cst.Name) and t.target.value == attr:
                                return small.value
        # __init__(self, activation=tf.nn.relu): self.activation = activation is followed by resolve
        return None

    # ---------------------------------------------------------------- arguments and constants

    def arg(self, call: cst.Call, ref: Arg | None) -> cst.BaseExpression | None:
        """The argument expression a call passes for `ref` (keyword first, then position)."""
        if ref is None:
            return None
        if ref.kw is not None:
            for a in call.args:
                if a.keyword is not None and a.keyword.value == ref.kw:
                    return a.value
        if ref.pos is not None:
            positional = [a for a in call.args if a.keyword is None and not a.star]
            if ref.pos < len(positional):
                return positional[ref.pos].value
        return None

    def arg_const(self, call: cst.Call, ref: Arg | None) -> object:
        """The constant value of an argument, its table default when absent, UNKNOWN when not static."""
        if ref is None:
            return UNKNOWN
        expr = self.arg(call, ref)
        if expr is None:
            return ref.default if ref.default is not None or ref.kw or ref.pos is not None else UNKNOWN
        return self.const(expr)

    def const(self, expr: cst.BaseExpression | None, depth: int = 0) -> object:
        """Evaluate literal arithmetic over numbers, strings, tuples and resolvable names."""
        if expr is None or depth > _MAX_DEPTH:
            return UNKNOWN
        if isinstance(expr, cst.Integer):
            return int(expr.evaluated_value)
        if isinstance(expr, cst.Float):
            return float(expr.evaluated_value)
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            v = expr.evaluated_value
            return v if isinstance(v, str) else UNKNOWN
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[expr.value]
            resolved = self.resolve(expr)
            return UNKNOWN if resolved is expr else self.const(resolved, depth + 1)
        if isinstance(expr, cst.Attribute):
            q = self.qname(expr)
            if q in ("math.pi", "numpy.pi"):
                return math.pi
            resolved = self.resolve(expr)
            return UNKNOWN if resolved is expr else self.const(resolved, depth + 1)
        if isinstance(expr, cst.UnaryOperation):
            v = self.const(expr.expression, depth + 1)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                if isinstance(expr.operator, cst.Minus):
                    return -v
                if isinstance(expr.operator, cst.Plus):
                    return v
            return UNKNOWN
        if isinstance(expr, cst.BinaryOperation):
            a = self.const(expr.left, depth + 1)
            b = self.const(expr.right, depth + 1)
            if not (_is_num(a) and _is_num(b)):
                return UNKNOWN
            try:
                return _BINOPS[type(expr.operator)](a, b)
            except (KeyError, ZeroDivisionError, OverflowError, ValueError):
                return UNKNOWN
        if isinstance(expr, (cst.Tuple, cst.List)):
            values = [self.const(e.value, depth + 1) for e in expr.elements]
            return UNKNOWN if any(v is UNKNOWN for v in values) else tuple(values)
        if isinstance(expr, cst.Call):
            q = self.call_qname(expr)
            if q in ("math.sqrt", "numpy.sqrt") and expr.args:
                v = self.const(expr.args[0].value, depth + 1)
                return math.sqrt(v) if _is_num(v) and v >= 0 else UNKNOWN
            if q in ("builtins.int", "builtins.float") and len(expr.args) == 1:
                v = self.const(expr.args[0].value, depth + 1)
                return (int if q.endswith("int") else float)(v) if _is_num(v) else UNKNOWN
        return UNKNOWN

    def number(self, expr: cst.BaseExpression | None) -> float | None:
        v = self.const(expr)
        return float(v) if _is_num(v) else None

    def int_value(self, expr: cst.BaseExpression | None) -> int | None:
        v = self.const(expr)
        return int(v) if _is_num(v) and float(v).is_integer() else None


_BINOPS = {
    cst.Add: lambda a, b: a + b,
    cst.Subtract: lambda a, b: a - b,
    cst.Multiply: lambda a, b: a * b,
    cst.Divide: lambda a, b: a / b,
    cst.FloorDivide: lambda a, b: a // b,
    cst.Power: lambda a, b: a**b,
    cst.Modulo: lambda a, b: a % b,
}


def _unlazy(value: object) -> object:
    """libcst >= 1.2 stores some metadata as LazyValue thunks."""
    return value() if callable(value) and type(value).__name__ == "LazyValue" else value


def _is_num(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_self(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "self"


def is_self_attr(expr: cst.BaseExpression) -> str | None:
    """'fc1' for `self.fc1`, else None."""
    if isinstance(expr, cst.Attribute) and _is_self(expr.value):
        return expr.attr.value
    return None


# libcst's `node.children` re-visits the node each time it is asked (the single largest cost of the
# source pass on real corpora). The frontends walk the same tree many times, so the children of every
# node of the file being lowered are indexed once, from the ParentNodeProvider map, in source order.
_CHILDREN: dict[cst.CSTNode, list[cst.CSTNode]] = {}


_INDEXED: list = [{}]  # the parents map of the indexed tree: a node in it with no children is a leaf


def _index_children(names) -> None:
    _CHILDREN.clear()
    _CHILDREN.update(names.children)
    _INDEXED[0] = names.children


def children(node: cst.CSTNode) -> list[cst.CSTNode] | tuple[cst.CSTNode, ...]:
    found = _CHILDREN.get(node)
    if found is not None:
        return found
    if node in _INDEXED[0]:
        return ()
    from relulint.source.names import fast_children

    return fast_children(node)


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Pre-order walk of a subtree."""
    return _walk(node)


def kernel_volume(value: object, dims: int) -> int | None:
    """prod(kernel_size) for an int or a tuple kernel size."""
    if _is_num(value) and float(value).is_integer():
        return int(value) ** max(dims, 1)
    if isinstance(value, tuple) and value and all(_is_num(v) for v in value):
        out = 1
        for v in value:
            out *= int(v)
        return out
    return None

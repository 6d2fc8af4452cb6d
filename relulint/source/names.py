"""Name binding without libcst's metadata providers (they cost ~10x the parse).

One walk over the tree records every node's parent and children (in field order), and for each
scope (module, class, function, lambda, comprehension) the nodes that bind each name: assignment
targets, loop and `with` targets, parameters, `def`/`class` statements and imports. `Scope[name]`
gives the bindings visible from that scope the way Python resolves them (a function does not see
its class's names). Qualified names follow imports: `import torch.nn as nn; nn.Linear` is
`torch.nn.Linear`.
"""

from __future__ import annotations

import builtins
import dataclasses

import libcst as cst

_BUILTIN_NAMES = frozenset(dir(builtins))
# node types the walk does more than record: scopes, parameters, binding statements
_BINDERS = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.GeneratorExp,
                      cst.DictComp, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr,
                      cst.AsName, cst.Import, cst.ImportFrom})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _node_fields(cls: type) -> tuple[str, ...]:
    found = _FIELDS.get(cls)
    if found is None:
        found = tuple(f.name for f in dataclasses.fields(cls)
                      if not f.name.startswith(("whitespace", "lpar", "rpar", "comma", "semicolon", "colon",
                                                "header", "footer", "leading_lines", "lines_after", "equal",
                                                "dot", "_")))
        _FIELDS[cls] = found
    return found


_IS_NODE: dict[type, bool] = {}  # isinstance(v, cst.CSTNode) goes through ABC machinery: cache per type


def _is_node(v: object) -> bool:
    t = type(v)
    found = _IS_NODE.get(t)
    if found is None:
        found = _IS_NODE[t] = isinstance(v, cst.CSTNode)
    return found


def fast_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's CST children that can hold code (no whitespace / punctuation), in field order."""
    out: list[cst.CSTNode] = []
    is_node = _IS_NODE
    for name in _node_fields(type(node)):
        v = getattr(node, name, None)
        t = type(v)
        if t is tuple or t is list:
            out.extend(x for x in v if is_node.get(type(x)) or _is_node(x))
        elif v is not None and (is_node.get(t) or _is_node(v)):
            out.append(v)
    return out


_TOP = cst.Module(body=[])  # a fragment's stand-in for the module its statements will sit in


@dataclasses.dataclass(eq=False)
class Binding:
    """One node that binds a name: a Name target, a Param, a FunctionDef/ClassDef, or an Import."""

    node: cst.CSTNode
    qualified: str | None = None  # for imports: the module path bound


class Scope:
    __slots__ = ("kind", "parent", "bindings")

    def __init__(self, kind: str, parent: Scope | None) -> None:
        self.kind = kind  # module | class | function | comprehension
        self.parent = parent
        self.bindings: dict[str, list[Binding]] = {}

    def add(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def __getitem__(self, name: str) -> list[Binding]:
        scope: Scope | None = self
        first = True
        while scope is not None:
            if (first or scope.kind != "class") and name in scope.bindings:
                return scope.bindings[name]
            first = False
            scope = scope.parent
        return []

    def __contains__(self, name: str) -> bool:
        return bool(self[name])


class NameIndex:
    """Parents, children and scopes of one tree, from a single walk."""

    def __init__(self, module: cst.Module | None) -> None:
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.children: dict[cst.CSTNode, list[cst.CSTNode]] = {}
        self.scope_of: dict[cst.CSTNode, Scope] = {}  # Name nodes -> the scope they are read or bound in
        self.module_scope = Scope("module", None)
        self._own: dict[str, list[Binding]] = self.module_scope.bindings  # (a fragment's, see joined)
        self.imports: list[cst.Import | cst.ImportFrom] = []  # every import statement, in any scope
        if module is not None:
            self._walk([(module, self.module_scope, None)])

    # ---------------------------------------------------------------- reuse between versions

    @classmethod
    def fragment(cls, stmts: list[cst.BaseStatement]) -> NameIndex:
        """The index of some top-level statements on their own, to be `joined` with the others of a
        module (the language server re-walks only the statements an edit touched)."""
        out = cls(None)
        out._walk([(s, out.module_scope, _TOP) for s in reversed(stmts)])
        return out

    @classmethod
    def joined(cls, module: cst.Module, fragments: list[NameIndex]) -> NameIndex:
        """The index of `module`, whose body is the fragments' statements in order: what one walk of the
        module gives (same maps, same order, module-level names bound across all fragments)."""
        out = cls(None)
        out.children[module] = fast_children(module)
        merged: dict[str, list[Binding]] = {}
        for f in fragments:
            out.parents.update(f.parents)
            out.children.update(f.children)
            out.scope_of.update(f.scope_of)
            out.imports.extend(f.imports)
            for name, found in f._own.items():
                merged.setdefault(name, []).extend(found)
        for stmt in module.body:  # (re-setting a key keeps its place: still source order)
            out.parents[stmt] = module
        out.module_scope.bindings = merged
        for f in fragments:  # scopes inside a fragment resolve module names through its module scope
            f.module_scope.bindings = merged
        return out

    # ---------------------------------------------------------------- the walk

    def _walk(self, stack: list[tuple[cst.CSTNode, Scope, cst.CSTNode | None]]) -> None:
        parents = self.parents
        index = self.children
        scope_of = self.scope_of
        while stack:
            node, scope, parent = stack.pop()
            if parent is not None:  # set in pre-order: the parents map lists nodes in source order
                parents[node] = parent
            kids = fast_children(node)
            index[node] = kids
            inner = scope
            t = type(node)
            if t is cst.Name:
                scope_of[node] = scope
            elif t not in _BINDERS:
                pass  # most nodes bind nothing: skip the isinstance chain below
            elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                scope.add(node.name.value, Binding(node))
                inner = Scope("function" if isinstance(node, cst.FunctionDef) else "class", scope)
                if isinstance(node, cst.FunctionDef):
                    self._params(node.params, inner)
            elif isinstance(node, cst.Lambda):
                inner = Scope("function", scope)
                self._params(node.params, inner)
            elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
                inner = Scope("comprehension", scope)
            else:
                if t is cst.Import or t is cst.ImportFrom:
                    self.imports.append(node)
                self._bind_statement(node, scope)
            for k in reversed(kids):
                stack.append((k, inner, node))

    @staticmethod
    def _params(params: cst.Parameters, scope: Scope) -> None:
        for p in (*params.posonly_params, *params.params, *params.kwonly_params):
            scope.add(p.name.value, Binding(p))
        for p in (params.star_arg, params.star_kwarg):
            if isinstance(p, cst.Param):
                scope.add(p.name.value, Binding(p))

    def _bind_statement(self, node: cst.CSTNode, scope: Scope) -> None:
        if isinstance(node, cst.Assign):
            for t in node.targets:
                _targets(t.target, scope)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            _targets(node.target, scope)
        elif isinstance(node, (cst.For, cst.CompFor)):
            _targets(node.target, scope)
        elif isinstance(node, cst.NamedExpr):
            _targets(node.target, scope)
        elif isinstance(node, cst.AsName):
            _targets(node.name, scope)
        elif isinstance(node, cst.Import):
            for alias in node.names:
                dotted = _dotted(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    scope.add(alias.asname.name.value, Binding(node, dotted))
                else:
                    head = dotted.split(".")[0]
                    scope.add(head, Binding(node, head))
        elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            base = "." * len(node.relative) + (_dotted(node.module) if node.module is not None else "")
            for alias in node.names:
                name = _dotted(alias.name)
                bound = alias.asname.name.value if alias.asname is not None and \
                    isinstance(alias.asname.name, cst.Name) else name
                scope.add(bound, Binding(node, f"{base}.{name}" if base and not base.endswith(".") else base + name))

    # ---------------------------------------------------------------- queries

    def qualified_name(self, node: cst.CSTNode) -> tuple[str, str] | None:
        """(qualified name, 'import' | 'builtin') of a Name / dotted Attribute, or None when it is local."""
        parts: list[str] = []
        cur = node
        while isinstance(cur, cst.Attribute):
            parts.append(cur.attr.value)
            cur = cur.value
        if not isinstance(cur, cst.Name):
            return None
        scope = self.scope_of.get(cur)
        if scope is None:
            return None
        bindings = scope[cur.value]
        imported = sorted(b.qualified for b in bindings if b.qualified is not None)
        if imported:
            return ".".join([imported[0], *reversed(parts)]), "import"
        if not bindings and cur.value in _BUILTIN_NAMES:
            return ".".join([f"builtins.{cur.value}", *reversed(parts)]), "builtin"
        return None


def _targets(target: cst.CSTNode, scope: Scope) -> None:
    if isinstance(target, cst.Name):
        scope.add(target.value, Binding(target))
    elif isinstance(target, (cst.Tuple, cst.List)):
        for el in target.elements:
            _targets(el.value, scope)
    elif isinstance(target, cst.StarredElement):
        _targets(target.value, scope)


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""

"""Machine-applicable fixes: libcst rewrites computed from a finding's span, rendered as text Edits.

Each rule's `fix(finding, parsed)` (in its own module) locates the node at the finding's span (and
at its related spans) and rewrites it with libcst — which keeps every comment and all formatting
outside the rewritten node — using the shared helpers here; the new module text is turned into one
minimal `Edit` (common prefix/suffix of the old and new text). Edits then render uniformly to
`--diff`, JSON, SARIF `fixes[]`, LSP `data` and the editor's quick fix.

Applicability follows ruff's definition: a `safe` fix keeps what the code computes, an `unsafe` one
changes it. Every relulint rule fix changes what the model computes (an activation removed, an
init re-centred, a loss told it gets logits), so every one is `unsafe`: plain `--fix` applies none
of them, `--unsafe-fixes` applies them, and the language server offers each as a quick fix labelled
unsafe. Findings with no reliable rewrite keep only their help text. Every fix runs under a guard:
one that fails leaves the finding without a fix, never breaks the lint.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from relulint.atomic import replace_file
from relulint.finding import Edit, Finding, Fix
from relulint.ir import Origin
from relulint.positions import from_offset, line_starts, to_offset

# ------------------------------------------------------------------------------ parsed source


class Parsed:
    """One libcst parse with the metadata providers need (positions, parents, qualified names)."""

    def __init__(self, code: str) -> None:
        from libcst.metadata import (
            MetadataWrapper,
            ParentNodeProvider,
            PositionProvider,
            QualifiedNameProvider,
        )

        self.code = code
        self.module = cst.parse_module(code)
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self.positions = wrapper.resolve(PositionProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self._qnames = wrapper.resolve(QualifiedNameProvider)
        self._by_span: dict[tuple[int, int, int, int], list[cst.CSTNode]] | None = None
        self._defined: frozenset[str] | None = None

    def nodes_at(self, origin: Origin | None) -> list[cst.CSTNode]:
        """Nodes whose span is exactly the origin's, outermost first."""
        if origin is None or origin.end_line is None or origin.end_col is None:
            return []
        if self._by_span is None:
            self._by_span = {}
            for node, pos in self.positions.items():
                key = (pos.start.line, pos.start.column, pos.end.line, pos.end.column)
                self._by_span.setdefault(key, []).append(node)
        nodes = self._by_span.get((origin.line, origin.col, origin.end_line, origin.end_col), [])
        return sorted(nodes, key=self._depth)

    def calls_at(self, origin: Origin | None) -> list[cst.Call]:
        return [n for n in self.nodes_at(origin) if isinstance(n, cst.Call)]

    def _depth(self, node: cst.CSTNode) -> int:
        d = 0
        while (node := self.parents.get(node)) is not None:
            d += 1
        return d

    def defined_names(self) -> frozenset[str]:
        """Names the module defines with `def` or `class`, at any depth (functions, methods, classes)."""
        if self._defined is None:
            self._defined = frozenset(n.name.value for n in self.positions
                                      if isinstance(n, (cst.FunctionDef, cst.ClassDef)))
        return self._defined

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        while (node := self.parents.get(node)) is not None:
            if isinstance(node, cst.FunctionDef):
                return node
        return None

    def parameters_around(self, node: cst.CSTNode) -> frozenset[str]:
        """The parameter names of the function holding node (none at module level)."""
        fn = self.enclosing_function(node)
        if fn is None:
            return frozenset()
        ps = fn.params
        star = [ps.star_arg] if isinstance(ps.star_arg, cst.Param) else []
        every = [*ps.posonly_params, *ps.params, *ps.kwonly_params, *star,
                 *([ps.star_kwarg] if ps.star_kwarg is not None else [])]
        return frozenset(q.name.value for q in every)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def qname(self, node: cst.CSTNode) -> str:
        """Canonical imported name of a call's func ('torch.nn.functional.relu'), or '' when local."""
        from libcst.metadata import QualifiedNameSource

        from relulint.knowledge import canonical

        names = self._qnames.get(node, set())
        if callable(names):  # libcst resolves QualifiedNameProvider lazily
            names = names()
        imported = sorted(q.name for q in names if q.source is QualifiedNameSource.IMPORT)
        return canonical(imported[0]) if imported else ""

    def edit_for(self, new_module: cst.Module) -> Edit | None:
        """The minimal single Edit turning this source into new_module's code."""
        old, new = self.code, new_module.code
        if old == new:
            return None
        p = 0
        n = min(len(old), len(new))
        while p < n and old[p] == new[p]:
            p += 1
        s = 0
        while s < n - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
            s += 1
        starts = line_starts(old)
        line, col = from_offset(starts, p)
        end_line, end_col = from_offset(starts, len(old) - s)
        return Edit(content=new[p:len(new) - s], line=line, col=col, end_line=end_line, end_col=end_col)

    def rewrite(self, old: cst.CSTNode, new: cst.CSTNode | cst.RemovalSentinel) -> Edit | None:
        return self.edit_for(self.module.deep_replace(old, new))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ node helpers

_LITERALS = (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString,
          cst.List, cst.Tuple, cst.Dict, cst.Set)
_NO_PARENS_NEEDED = (cst.Arg, cst.Element, cst.Return, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Expr)


def _is_literal(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, _LITERALS):
        return True
    if isinstance(expr, cst.UnaryOperation):
        return _is_literal(expr.expression)
    return isinstance(expr, cst.Name) and expr.value in ("True", "False", "None")


def _positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def keyword_arg(call: cst.Call, *names: str) -> cst.Arg | None:
    for a in call.args:
        if a.keyword is not None and a.keyword.value in names:
            return a
    return None


def last_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return ""


def _remove_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """Drop one argument, moving its comma to the previous one when it was the last (keeps style)."""
    args = list(call.args)
    i = args.index(arg)
    del args[i]
    if i == len(args) and args:  # removed the last: the previous inherits its (absent/trailing) comma
        args[-1] = args[-1].with_changes(comma=_merge_comma(args[-1].comma, arg.comma),
                                         whitespace_after_arg=arg.whitespace_after_arg)
    return call.with_changes(args=args)


def _remove_element(seq: cst.List | cst.Tuple, elem: cst.BaseElement) -> cst.List | cst.Tuple:
    elems = list(seq.elements)
    i = elems.index(elem)
    del elems[i]
    if i == len(elems) and elems:
        elems[-1] = elems[-1].with_changes(comma=_merge_comma(elems[-1].comma, elem.comma))
    return seq.with_changes(elements=elems)


def _merge_comma(prev: object, removed: object) -> object:
    """The comma the new last element gets: the removed one's (trailing or absent), but on a
    one-element-per-line layout keep the previous line's own comment and drop the removed line's."""
    if isinstance(prev, cst.Comma) and isinstance(removed, cst.Comma):
        pw, rw = prev.whitespace_after, removed.whitespace_after
        if isinstance(pw, cst.ParenthesizedWhitespace) and isinstance(rw, cst.ParenthesizedWhitespace):
            return removed.with_changes(whitespace_after=pw.with_changes(indent=rw.indent, last_line=rw.last_line))
    return removed


def _unwrap(p: Parsed, call: cst.Call, inner: cst.BaseExpression) -> Edit | None:
    """Replace call by inner, parenthesised when the context could re-associate it."""
    parent = p.parent(call)
    if not isinstance(inner, _ATOMS) and not inner.lpar and not isinstance(parent, _NO_PARENS_NEEDED):
        inner = inner.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    if call.lpar and not inner.lpar:
        inner = inner.with_changes(lpar=call.lpar, rpar=call.rpar)
    return p.rewrite(call, inner)


def rename_func(p: Parsed, call: cst.Call, new_name: str) -> Edit | None:
    """`nn.Dropout(...)` -> `nn.AlphaDropout(...)`: only through an attribute, so no import is needed."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    return p.rewrite(func.attr, func.attr.with_changes(value=new_name))


# ------------------------------------------------------------------------------ removing an activation

_METHOD_ACTIVATIONS = {"relu", "relu_", "clamp", "clamp_", "clamp_min", "clamp_min_", "clip", "softmax",
                       "sigmoid", "sigmoid_", "log_softmax"}


def remove_activation(p: Parsed, origin: Origin, title: str) -> Fix | None:
    """Remove the activation applied at origin, whatever its spelling:

    - `activation="relu"` (or the layer call carrying it)  -> the keyword removed
    - `F.relu(expr)`, `torch.relu(expr)`, `tf.nn.relu(expr)`, `self.act(expr)` -> `expr`
    - `expr.clamp(min=0)`, `expr.relu()` -> `expr`
    - `nn.ReLU()` as an element of `nn.Sequential(...)`, a list, or an OrderedDict `("act", nn.ReLU())`
      -> the element removed
    """
    nodes = p.nodes_at(origin)
    if nodes and (_in_loop(p, nodes[0]) or _in_shared_builder(p, nodes[0])):
        return None  # the line builds several layers (`for units in [64, 32, 1]: model.add(...)`): not only the last
    for node in nodes:
        # the activation keyword itself, or its value
        arg = node if isinstance(node, cst.Arg) else p.parent(node)
        if isinstance(arg, cst.Arg) and arg.keyword is not None and arg.keyword.value == "activation" \
                and _names_activation_function(arg.value):
            if isinstance(arg.value, cst.Name) and arg.value.value in p.parameters_around(arg):
                return None  # `activation=out_act` with out_act a parameter: the callers choose it, not this line
            call = p.parent(arg)
            if isinstance(call, cst.Call):
                return unsafe_fix(title, p.rewrite(call, _remove_arg(call, arg)))
    for call in [n for n in nodes if isinstance(n, cst.Call)]:
        kw = keyword_arg(call, "activation")
        if kw is not None:
            return unsafe_fix(title, p.rewrite(call, _remove_arg(call, kw)))
        pos = _positional(call)
        if pos and not _is_literal(pos[0].value) and applies_activation(p, call):
            # an applied activation: F.relu(x), tf.nn.relu(x), self.act(x), F.softmax(x, dim=1)
            return unsafe_fix(title, _unwrap(p, call, pos[0].value))
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in _METHOD_ACTIVATIONS:
            return unsafe_fix(title, _unwrap(p, call, call.func.value))
        fix = _remove_from_container(p, call, title)
        if fix is not None:
            return fix
    return None


_FRAMEWORKS = ("torch.", "tensorflow.", "keras.", "tflearn.", "jax.", "flax.")


_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def _in_loop(p: Parsed, node: cst.CSTNode) -> bool:
    """node runs more than once within its function: in a loop body or a comprehension."""
    while (node := p.parent(node)) is not None and not isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        if isinstance(node, _LOOPS):
            return True
    return False


def _in_shared_builder(p: Parsed, node: cst.CSTNode) -> bool:
    """node is in a function the module calls more than once (`def block(units): return Dense(units,
    activation="relu")` for the hidden layers and the output): changing it changes every layer it builds."""
    fn = p.enclosing_function(node)
    if fn is None or fn.name.value in ("forward", "call", "__init__", "build"):
        return False
    calls = re.findall(rf"(?<![\w]){re.escape(fn.name.value)}\s*\(", p.code)
    return len(calls) > 2  # its `def` and two calls


def applies_activation(p: Parsed, call: cst.Call) -> bool:
    """Whether call applies an activation to its first argument (`F.relu(x)`, `tf.nn.softmax(x, axis=-1)`,
    `self.act(x)`), so that the argument is what remains without it. Not a layer built by a call, whose
    first argument is its input or its width: a framework layer (`layers.Dense(n, **kw)`,
    `tf.layers.dense(x, 1, activation=tf.nn.relu)`) or the program's own layer helper (`fc(h, 1, "out")`
    with a ReLU default): unwrapping those would delete the layer."""
    from relulint.knowledge import tables

    if any(a.star for a in call.args):
        return False
    q = p.qname(call.func)
    if q:
        t = tables()
        # a framework function outside the tables may apply one (tf.clip_by_value); a class builds a layer
        return q in t.activations or (q.startswith(_FRAMEWORKS) and q not in t.layers
                                      and q.rsplit(".", 1)[-1][:1].islower())
    return last_name(call.func) not in p.defined_names()


def _names_activation_function(value: cst.BaseExpression) -> bool:
    """`activation="relu"` / `activation=tf.nn.relu`: a layer's fused activation. Not a module class handed
    to the program's own builder (`mlp(sizes, activation=nn.ReLU)`), which removing would change."""
    if isinstance(value, cst.SimpleString):
        return True
    name = value.attr.value if isinstance(value, cst.Attribute) else value.value if isinstance(value, cst.Name) else ""
    return name[:1].islower()


def _builds_activation_layer(p: Parsed, call: cst.Call) -> bool:
    """`nn.ReLU()`, `layers.Activation("relu")`, `layers.Lambda(tf.nn.relu)`: a layer that is only an
    activation, so removing it from its container removes nothing else (unlike `layers.Dense(1, **kw)`)."""
    from relulint.knowledge import keras, tables

    q = p.qname(call.func)
    if not q:  # not resolved (a snippet without its imports): only an argument-less module
        return not call.args
    spec = tables().layers.get(q)
    return spec is not None and spec.kind == "activation" or q in keras.LAMBDA_LAYERS


def _remove_from_container(p: Parsed, call: cst.Call, title: str) -> Fix | None:
    if isinstance(call.func, cst.Subscript) or isinstance(call.func, cst.Name) and call.func.value[:1].islower():
        # ACTIVATIONS[name]() / act_cls(): the element builds whatever the table or variable holds, for
        # every head or configuration that passes here; removing it would change the others too
        return None
    if not _builds_activation_layer(p, call):
        return None
    holder = p.parent(call)
    # nn.Sequential(nn.Linear(8, 1), nn.ReLU())
    if isinstance(holder, cst.Arg) and holder.keyword is None and not holder.star:
        outer = p.parent(holder)
        if isinstance(outer, cst.Call) and len(outer.args) > 1:
            edit = _delete_own_lines(p, holder) or p.rewrite(outer, _remove_arg(outer, holder))
            return unsafe_fix(title, edit)
        # model.add(Activation("relu")) / layers.append(nn.ReLU()) as a statement of its own: delete it
        if isinstance(outer, cst.Call) and isinstance(outer.func, cst.Attribute) \
                and outer.func.attr.value in _ADDS and isinstance(p.parent(outer), cst.Expr):
            line = p.parent(p.parent(outer))
            if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
                return unsafe_fix(title, _delete_own_lines(p, line))
        return None
    if not isinstance(holder, cst.Element):
        return None
    seq = p.parent(holder)
    # OrderedDict([("fc", nn.Linear(8, 1)), ("act", nn.ReLU())]): remove the whole pair
    if isinstance(seq, cst.Tuple) and len(seq.elements) == 2 and seq.elements[1] is holder \
            and isinstance(seq.elements[0].value, cst.SimpleString):
        holder = p.parent(seq)
        seq = p.parent(holder) if holder is not None else None
        if not isinstance(holder, cst.Element):
            return None
    # keras.Sequential([Dense(1), ReLU()]) / nn.ModuleList([...])
    if isinstance(seq, (cst.List, cst.Tuple)) and len(seq.elements) > 1:
        edit = _delete_own_lines(p, holder) or p.rewrite(seq, _remove_element(seq, holder))
        return unsafe_fix(title, edit)
    return None


_ADDS = frozenset({"add", "append"})  # Sequential.add, list.append: one layer added per statement
_REST_OF_LINE = re.compile(r"\s*,?\s*(#.*)?$")


def _delete_own_lines(p: Parsed, elem: cst.CSTNode) -> Edit | None:
    """An element alone on its line(s) (`    ("act", nn.ReLU()),  # note`): delete those lines
    whole, comment included, so the neighbours' layout and comments stay exactly as they were."""
    pos = p.positions[elem]
    lines = p.code.splitlines()
    if pos.end.line > len(lines):
        return None
    before = lines[pos.start.line - 1][: pos.start.column]
    after = lines[pos.end.line - 1][pos.end.column:]
    if before.strip() or not _REST_OF_LINE.match(after):
        return None
    return Edit(content="", line=pos.start.line, col=0, end_line=pos.end.line + 1, end_col=0)


def unsafe_fix(title: str, edit: Edit | None) -> Fix | None:
    """A fix that changes what the model computes (every relulint rule fix): needs --unsafe-fixes."""
    return Fix(message=title, edits=(edit,), applicability="unsafe") if edit is not None else None


# ------------------------------------------------------------------------------ engine fixes


def fix_rl005(f: Finding, p: Parsed) -> Fix | None:
    """Remove the unused codes of a suppression comment (the comment too when none is left): safe,
    a comment changes nothing the code computes."""
    from relulint.suppress import unused_edit

    edit = unused_edit(p.code, f)
    if edit is None:
        return None
    line, col, end_line, end_col, content = edit
    # A code the graph pass also reports may silence a finding of an exported .onnx/.pt that is placed
    # on this line, which the source pass cannot see: removing it is then unsafe.
    from relulint.rules import BY_CODE

    graph = any("graph" in getattr(BY_CODE.get(c), "PASSES", ()) for c in f.evidence.get("codes", ()))
    return Fix(message="Remove unused suppression", applicability="unsafe" if graph else "safe",
               edits=(Edit(content=content, line=line, col=col, end_line=end_line, end_col=end_col),))


# Engine diagnostics have no rule module: their fixes live here.
ENGINE_FIXES: dict[str, Callable[[Finding, Parsed], Fix | None]] = {"RL005": fix_rl005}


# ------------------------------------------------------------------------------ attach


def attach(findings: list[Finding], sources: dict[str, str]) -> list[Finding]:
    """Set `finding.fix` for every finding its rule can fix; parses each source at most once.

    Computed only when a fix is wanted (`--fix`, `--diff`, JSON / SARIF / LSP output, an editor's
    code action): a plain lint never parses a file twice for fixes it will not show."""
    from relulint.rule import StaticRule
    from relulint.rules import BY_CODE

    parsed: dict[str, Parsed | None] = {}
    for f in findings:
        rule_cls = BY_CODE.get(f.code)
        if rule_cls is not None and issubclass(rule_cls, StaticRule) and rule_cls.fix is not StaticRule.fix:
            provider = rule_cls().fix
        elif f.code in ENGINE_FIXES:
            provider = ENGINE_FIXES[f.code]
        else:
            continue
        if f.fix is not None or f.origin.path not in sources:
            continue
        if f.origin.path not in parsed:
            try:
                parsed[f.origin.path] = Parsed(sources[f.origin.path])
            except Exception:  # unparsable: RL000 already says so
                parsed[f.origin.path] = None
        p = parsed[f.origin.path]
        if p is None:
            continue
        try:
            fix = provider(f, p)
        except Exception:  # a fix bug must never break linting
            fix = None
        if fix is not None:
            f.fix = fix
    return findings


# ------------------------------------------------------------------------------ applying


def apply_edits(source: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    """Apply non-overlapping edits (first come, first kept); returns (new text, edits applied)."""
    starts = line_starts(source)
    spans = []
    for e in edits:
        a = to_offset(starts, source, e.line, e.col)
        b = to_offset(starts, source, e.end_line, e.end_col)
        spans.append((a, max(a, b), e))
    kept: list[tuple[int, int, Edit]] = []
    for a, b, e in sorted(spans, key=lambda t: (t[0], t[1])):
        if kept and a < kept[-1][1]:
            continue  # overlaps an earlier fix: the next run picks it up
        kept.append((a, b, e))
    out = source
    for a, b, e in reversed(kept):
        out = out[:a] + e.content + out[b:]
    return out, [e for _, _, e in kept]


def fixable(f: Finding, unsafe: bool) -> bool:
    return f.fix is not None and bool(f.fix.edits) and (
        f.fix.applicability == "safe" or (unsafe and f.fix.applicability == "unsafe"))


def fix_source(source: str, findings: list[Finding], unsafe: bool = False) -> tuple[str, list[Finding]]:
    """The source with every applicable fix applied, and the findings whose fix went in.

    Fixes are applied one finding at a time so that one finding's edits go in together or not at all.
    """
    chosen = [f for f in findings if fixable(f, unsafe)]
    edits: list[Edit] = []
    owner: dict[int, Finding] = {}
    for f in chosen:
        for e in f.fix.edits:  # type: ignore[union-attr]
            owner[id(e)] = f
            edits.append(e)
    new, applied = apply_edits(source, edits)
    done = []
    for e in applied:
        f = owner[id(e)]
        if f not in done:
            done.append(f)
    return new, done


def _diff(path: str, old: str, new: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


@dataclass
class FixOutcome:
    diff: str = ""
    fixed: int = 0  # findings whose fix went in (with --diff: would go in)
    sources: dict[str, str] = field(default_factory=dict)  # path -> fixed text


def apply_fixes(results: list, write: bool, unsafe: bool = False) -> str:
    """Fix every result's file; return the unified diff (see fix_results)."""
    return fix_results(results, write, unsafe).diff


def fix_results(results: list, write: bool, unsafe: bool = False) -> FixOutcome:
    """Fix every result's file. With write=True the files are rewritten (atomically) — only when the
    file on disk still holds the text that was linted and the fixed text still parses."""
    out = FixOutcome()
    chunks = []
    for r in results:
        if r.source is None or not any(fixable(f, unsafe) for f in r.findings):
            continue
        new, done = fix_source(r.source, [f for f in r.findings if f.path == r.path], unsafe)
        if new == r.source:
            continue
        try:
            compile(new, r.path, "exec", dont_inherit=True, flags=0x400)  # ast.PyCF_ONLY_AST
        except (SyntaxError, ValueError) as exc:
            print(f"relulint: {r.path}: fix skipped, the result would not parse ({exc})", file=sys.stderr)
            continue
        if write and not write_checked(r.path, r.source, new):
            continue
        chunks.append(_diff(r.path, r.source, new))
        out.fixed += len(done)
        out.sources[r.path] = new
    out.diff = "".join(chunks)
    return out


def write_checked(path: str, linted: str, new: str, failed: str = "not fixed") -> bool:
    """Write `new` (atomically) when the file still holds the linted text; True when it was written."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        print(f"relulint: {path}: {failed}, cannot read it again ({exc.strerror or exc})", file=sys.stderr)
        return False
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        current = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        current = None
    if current != linted:
        print(f"relulint: {path}: {failed}, it changed since it was linted", file=sys.stderr)
        return False
    data = new.encode("utf-8")
    try:
        replace_file(p, (b"\xef\xbb\xbf" if bom else b"") + data)
    except OSError as exc:  # the original is untouched: the finding stays and is reported as remaining
        print(f"relulint: {path}: {failed}, cannot write it ({exc.strerror or exc})", file=sys.stderr)
        return False
    return True


def attach_results(results: list) -> list:
    """`attach` over lint results (each file's own findings against the text that was linted)."""
    for r in results:
        if getattr(r, "source", None) is not None and r.findings:
            attach(r.findings, {r.path: r.source})
    return results

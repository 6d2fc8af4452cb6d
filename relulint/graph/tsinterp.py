"""A symbolic walk over a TorchScript archive's code, parsed as text: GNodes without running anything.

TorchScript saves each module class as Python-syntax source under `code/__torch__/`. The root
module's `forward` is walked statement by statement with `ast` (never compiled or executed):
`self.fc1` reads the attribute from the unpickled module record, `(fc1).forward(x)` walks into
that module's class, `__torch__.torch.nn.functional.relu(x)` into the function's source, and each
`torch.<op>(...)` that touches the data path becomes one GNode through `atenops.aten_node`.
Conditions known from the archive (`self.training`, an `inplace` flag) pick their branch; anything
data-dependent (an `if` on a tensor, a loop) becomes one opaque node, never a guess.

Work is bounded: a step budget proportional to the code's size, and a call-depth limit, so a
crafted archive cannot make the walk exponential or recursive.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from dataclasses import replace

from relulint.graph.archive import Archive, ArchiveError, Record, TensorRef, safe_loads
from relulint.graph.atenops import Data, aten_node, data_keys, needed, normalise
from relulint.graph.lowering import GNode, GraphInput
from relulint.graph.onnx_frontend import source_frame
from relulint.ir import Origin

MAX_DEPTH = 64
_UNKNOWN = object()
_STACK_LINE = re.compile(r"[^\n]*\(\d+\): [^\n]*(\n|$)")


class _Return(Exception):
    def __init__(self, value) -> None:
        self.value = value


class _Name(str):
    """A dotted global name in TorchScript code: `torch.relu`, `__torch__.torch.nn.functional.relu`."""


_MANGLE = re.compile(r"___torch_mangle_\d+")


class CodeFile:
    def __init__(self, name: str, text: str, trees: dict[str, ast.Module]) -> None:
        self.name = name
        self.raw = text.encode("utf-8")
        # A traced model saves one class file per module instance, identical but for the mangle
        # number in type annotations (same lines, same statement columns): parse each shape once.
        shape = _MANGLE.sub("", text)
        tree = trees.get(shape)
        if tree is None:
            try:
                with warnings.catch_warnings():  # SyntaxWarnings from crafted code would reach stderr
                    warnings.simplefilter("ignore")
                    tree = ast.parse(text, filename=name)
            except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
                raise ArchiveError(f"{name}: cannot parse the TorchScript code ({type(exc).__name__})") from None
            trees[shape] = tree
        self.tree = tree
        self.line_starts = [0] + [m.end() for m in re.finditer(b"\n", self.raw)]
        self.classes = {n.name: n for n in self.tree.body if isinstance(n, ast.ClassDef)}
        self.functions = {n.name: n for n in self.tree.body if isinstance(n, ast.FunctionDef)}
        self.debug: list[tuple[int, object]] | None = None

    def offset(self, node: ast.AST) -> int:
        line = getattr(node, "lineno", 1)
        return self.line_starts[min(line, len(self.line_starts)) - 1] + getattr(node, "col_offset", 0)


class CodeIndex:
    """The archive's code files by module path (`__torch__.torch.nn.modules.linear`), parsed lazily."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.files: dict[str, CodeFile | None] = {}
        self.trees: dict[str, ast.Module] = {}
        prefix = archive.member("code/")
        self.members = {n[len(prefix):-3].replace("/", "."): n for n in archive.names()
                        if n.startswith(prefix) and n.endswith(".py")}
        self.code_bytes = sum(archive.infos[n].file_size for n in self.members.values())

    def file(self, modpath: str) -> CodeFile | None:
        if modpath not in self.files:
            member = self.members.get(modpath)
            self.files[modpath] = CodeFile(member, self.archive.text(member), self.trees) if member else None
        return self.files[modpath]

    def lookup(self, qualname: str, classes: bool) -> tuple[CodeFile, ast.AST] | None:
        if "." not in qualname:
            return None
        modpath, name = qualname.rsplit(".", 1)
        f = self.file(modpath)
        if f is None:
            return None
        node = (f.classes if classes else f.functions).get(name)
        return (f, node) if node is not None else None

    def debug_entries(self, f: CodeFile) -> list[tuple[int, object]]:
        """(generated-code offset, source) pairs from `<file>.debug_pkl`; source is a stack-trace
        text (traced) or (file, line) (scripted), None where the range is empty."""
        if f.debug is None:
            f.debug = []
            member = f.name + ".debug_pkl"
            if member in self.archive.infos:
                try:
                    f.debug = _debug_entries(safe_loads(self.archive.read(member), member))
                except ArchiveError:
                    f.debug = []  # positions are a nicety: without them findings stay at the file
        return f.debug


def _debug_entries(value) -> list[tuple[int, object]]:
    if isinstance(value, tuple) and len(value) == 3 and value[0] == "FORMAT_WITH_STRING_TABLE":
        table, entries = value[1], value[2]
    else:
        table, entries = None, value
    out: list[tuple[int, object]] = []
    if not isinstance(entries, (tuple, list)):
        return out
    for e in entries:
        try:
            off, (source, start, _end) = e[0], e[1]
            text_ref, fname_ref, line0 = source
            if table is not None:
                text = "".join(table[i] for i in text_ref)
                fname = table[fname_ref]
            else:
                text, fname = text_ref, fname_ref
            if not (isinstance(off, int) and isinstance(text, str) and isinstance(fname, str)
                    and isinstance(line0, int) and isinstance(start, int)):
                continue
        except (TypeError, ValueError, IndexError, KeyError):
            continue
        if not text:
            src: object = None
        elif _STACK_LINE.match(text):
            src = text  # traced: the Python stack at the op
        else:
            src = (fname, line0 + text.encode("utf-8")[:max(start, 0)].count(b"\n"))
        out.append((off, src))
    out.sort(key=lambda p: p[0])
    return out


class Interpreter:
    def __init__(self, path: str, code: CodeIndex, root: Record, constants: tuple) -> None:
        import os

        self.path = path
        self.base_dir = os.path.dirname(os.path.abspath(path))
        self.code = code
        self.root = root
        self.constants = constants
        self.nodes: list[GNode] = []
        self.producer: dict[str, GNode] = {}
        self.auto: set[str] = set()  # node names that may still take a variable's name
        self.used_names: dict[str, int] = {}
        self.counter = 0
        self.steps = 0
        self.budget = 1_000_000 + 50 * code.code_bytes
        self.sites: list[tuple[CodeFile, int]] = []  # call sites leading to the code being walked
        self.param_name: dict[int, str] = {}
        self._frames: dict[object, tuple[str, int] | None] = {}
        self._name_params(root, "", set())

    def _name_params(self, rec: Record, prefix: str, seen: set[int]) -> None:
        if id(rec) in seen:
            return
        seen.add(id(rec))
        for attr, v in rec.attrs().items():
            if not isinstance(attr, str):
                continue
            dotted = f"{prefix}.{attr}" if prefix else attr
            if isinstance(v, TensorRef):
                self.param_name.setdefault(id(v), dotted)
            elif isinstance(v, Record):
                self._name_params(v, dotted, seen)

    # ---------------------------------------------------------------- entry

    def run_forward(self, dtypes: list[str | None]) -> tuple[list[GNode], list[GraphInput], list[str]]:
        """The nodes the module's outputs need, its data inputs, and its output keys."""
        found = self.code.lookup(self.root.qualname, classes=True)
        if found is None:
            raise ArchiveError(f"the archive has no code for its module class {self.root.qualname}")
        f, cls = found
        fn = _method(cls, "forward")
        if fn is None:
            raise ArchiveError(f"{self.root.qualname} has no forward method in the archive's code")
        inputs: list[GraphInput] = []
        args: list = [self.root]
        for i, a in enumerate(fn.args.args[1:]):
            key = a.arg
            dtype = dtypes[i] if i < len(dtypes) else None
            inputs.append(GraphInput(key, dtype, Origin(self.path, 1, node=f"input {key}")))
            args.append(Data(key))
            self.used_names[key] = 1
        result = self.call_function(f, fn, args, {}, self.root)
        outs = _leaves(result)
        return needed(self.nodes, set(outs)), inputs, outs

    # ---------------------------------------------------------------- calls

    def call_function(self, f: CodeFile, fn: ast.FunctionDef, args: list, kwargs: dict, owner) -> object:
        if len(self.sites) > MAX_DEPTH:
            raise ArchiveError("TorchScript code nested or recursive beyond 64 calls; refused")
        env: dict[str, object] = {}
        params = fn.args.args
        defaults = [None] * (len(params) - len(fn.args.defaults)) + list(fn.args.defaults)
        for i, p in enumerate(params):
            if i < len(args):
                env[p.arg] = args[i]
            elif p.arg in kwargs:
                env[p.arg] = kwargs[p.arg]
            elif defaults[i] is not None:
                env[p.arg] = self.literal(defaults[i])
            else:
                env[p.arg] = _UNKNOWN
        try:
            self.block(fn.body, env, f, owner)
        except _Return as r:
            return r.value
        return None

    def call_method(self, rec: Record, name: str, args: list, kwargs: dict, f: CodeFile, site: ast.AST):
        found = self.code.lookup(rec.qualname, classes=True)
        fn = _method(found[1], name) if found else None
        if fn is None:
            return self.opaque(f"prim::CallMethod.{name}", args + list(kwargs.values()), f, site)
        self.sites.append((f, f.offset(site)))
        try:
            return self.call_function(found[0], fn, [rec, *args], kwargs, rec)
        finally:
            self.sites.pop()

    # ---------------------------------------------------------------- statements

    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.budget:
            raise ArchiveError("TorchScript code too large or too repetitive to walk within budget; refused")

    def block(self, body: list[ast.stmt], env: dict, f: CodeFile, owner) -> None:
        for st in body:
            self.stmt(st, env, f, owner)

    def stmt(self, st: ast.stmt, env: dict, f: CodeFile, owner) -> None:
        self.tick()
        if isinstance(st, ast.Assign):
            value = self.expr(st.value, env, f, owner)
            for t in st.targets:
                self.assign(t, value, env)
        elif isinstance(st, ast.AnnAssign):
            if st.value is not None:
                self.assign(st.target, self.expr(st.value, env, f, owner), env)
        elif isinstance(st, ast.Return):
            raise _Return(self.expr(st.value, env, f, owner) if st.value is not None else None)
        elif isinstance(st, ast.Expr):
            self.expr(st.value, env, f, owner)
        elif isinstance(st, ast.If):
            cond = self.expr(st.test, env, f, owner)
            if isinstance(cond, (bool, int, float)) or cond is None:
                self.block(st.body if cond else st.orelse, env, f, owner)
            else:
                self.opaque_block(st, env, f, [cond])
        elif isinstance(st, (ast.For, ast.While, ast.With, ast.Try, ast.AugAssign)):
            self.opaque_block(st, env, f, [])
        # pass, assert, raise (ops.prim.RaiseException is a call), del, import: nothing on the data path

    def assign(self, target: ast.expr, value, env: dict) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = value
            if isinstance(value, Data) and value.key in self.auto:
                self.auto.discard(value.key)
                g = self.producer.get(value.key)
                if g is not None and g.weight_name is None:
                    g.name = self.unique(target.id)
                    g.origin = replace(g.origin, node=f"{g.name} ({g.op_type})")
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if isinstance(value, (tuple, list)) and len(value) == len(elts):
                parts = list(value)
            elif isinstance(value, Data) and value.key in self.producer:
                g = self.producer[value.key]
                parts = []
                for i in range(len(elts)):
                    k = f"{value.key}.{i}"
                    g.outputs.append(k)
                    self.producer[k] = g
                    parts.append(Data(k))
            else:
                parts = [_UNKNOWN] * len(elts)
            for t, v in zip(elts, parts, strict=True):
                self.assign(t, v, env)
        # attribute/subscript targets (module state mutation): not on the data path

    def opaque_block(self, st: ast.stmt, env: dict, f: CodeFile, extra: list) -> None:
        """A data-dependent `if`/loop: one opaque node from what it reads to what it assigns."""
        reads = [env[n.id] for n in ast.walk(st) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                 and n.id in env]
        assigned = sorted({n.id for n in ast.walk(st) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)})
        returns = any(isinstance(n, ast.Return) for n in ast.walk(st))
        ins = data_keys(reads + extra)
        if not ins:
            for name in assigned:
                env[name] = _UNKNOWN
            if returns:
                raise _Return(_UNKNOWN)
            return
        kind = "prim::If" if isinstance(st, ast.If) else "prim::Loop"
        out = self.new_key()
        g = self.emit(kind, [Data(k) for k in ins], {}, out, f, st)
        for name in assigned:
            k = f"{out}.{name}"
            g.outputs.append(k)
            self.producer[k] = g
            env[name] = Data(k)
        if returns:
            raise _Return(Data(out))

    # ---------------------------------------------------------------- expressions

    def literal(self, node: ast.expr):
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return _UNKNOWN

    def expr(self, e: ast.expr, env: dict, f: CodeFile, owner):
        self.tick()
        if isinstance(e, ast.Constant):
            return e.value
        if isinstance(e, ast.Name):
            if e.id in env:
                return env[e.id]
            return _Name(e.id)
        if isinstance(e, ast.Attribute):
            base = self.expr(e.value, env, f, owner)
            return self.attribute(base, e.attr)
        if isinstance(e, (ast.List, ast.Tuple)):
            vals = [self.expr(x, env, f, owner) for x in e.elts]
            return vals if isinstance(e, ast.List) else tuple(vals)
        if isinstance(e, ast.Call):
            return self.call(e, env, f, owner)
        if isinstance(e, ast.Dict):  # `return {"logits": ..., "h": h}`
            keys = [self.expr(k, env, f, owner) if k is not None else _UNKNOWN for k in e.keys]
            values = [self.expr(v, env, f, owner) for v in e.values]
            return {k if isinstance(k, (str, int)) else i: v for i, (k, v) in enumerate(zip(keys, values, strict=True))}
        if isinstance(e, ast.Subscript):
            base = self.expr(e.value, env, f, owner)
            idx = self.expr(e.slice, env, f, owner)
            if isinstance(base, (list, tuple)) and isinstance(idx, int) and -len(base) <= idx < len(base):
                return base[idx]
            if isinstance(base, dict) and isinstance(idx, (str, int)):
                return base.get(idx, _UNKNOWN)
            return self.opaque("aten::__getitem__", [base, idx], f, e)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            v = self.expr(e.operand, env, f, owner)
            return (not v) if isinstance(v, (bool, int, float)) or v is None else _UNKNOWN
        if isinstance(e, ast.IfExp):
            cond = self.expr(e.test, env, f, owner)
            if isinstance(cond, (bool, int, float)) or cond is None:
                return self.expr(e.body if cond else e.orelse, env, f, owner)
            return self.opaque("prim::If", [cond, self.expr(e.body, env, f, owner),
                                            self.expr(e.orelse, env, f, owner)], f, e)
        # arithmetic on Python scalars, comparisons, comprehensions: not on the data path unless
        # they read a data value, which then goes through one opaque node
        reads = [env[n.id] for n in ast.walk(e) if isinstance(n, ast.Name) and n.id in env]
        return self.opaque("prim::Expr", reads, f, e)

    def attribute(self, base, attr: str):
        if isinstance(base, Record):
            attrs = base.attrs()
            if attr in attrs:
                return attrs[attr]
            return self.class_constant(base, attr)
        if isinstance(base, _Name):
            if base == "CONSTANTS" and attr.startswith("c") and attr[1:].isdigit():
                i = int(attr[1:])
                return self.constants[i] if i < len(self.constants) else _UNKNOWN
            return _Name(f"{base}.{attr}")
        return _UNKNOWN

    def class_constant(self, rec: Record, attr: str):
        """`in_features : Final[int] = 4` in the class body."""
        found = self.code.lookup(rec.qualname, classes=True)
        if found is None:
            return _UNKNOWN
        for st in found[1].body:
            if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name) and st.target.id == attr \
                    and st.value is not None:
                return self.literal(st.value)
        return _UNKNOWN

    def call(self, e: ast.Call, env: dict, f: CodeFile, owner):
        func = e.func
        if isinstance(func, ast.Attribute):
            target = self.expr(func.value, env, f, owner)
            if isinstance(target, Record):
                args, kwargs = self.arguments(e, env, f, owner)
                return self.call_method(target, func.attr, args, kwargs, f, e)
            fv = self.attribute(target, func.attr)
        else:
            fv = self.expr(func, env, f, owner)
        args, kwargs = self.arguments(e, env, f, owner)
        if not isinstance(fv, _Name):
            return self.opaque("prim::CallFunction", args + list(kwargs.values()), f, e)
        name = str(fv)
        if name.startswith("torch.") and name.count(".") == 1:
            return self.op(f"aten::{name[6:]}", args, kwargs, f, e)
        if name.startswith("ops.") and name.count(".") == 2:
            _, ns, op = name.split(".")
            return self.op(f"{ns}::{op}", args, kwargs, f, e)
        if name.startswith("__torch__."):
            found = self.code.lookup(name, classes=False)
            if found is not None:
                self.sites.append((f, f.offset(e)))
                try:
                    return self.call_function(found[0], found[1], args, kwargs, owner)
                finally:
                    self.sites.pop()
        elif name in ("annotate", "unchecked_cast") and len(args) == 2:
            return args[1]
        elif name == "getattr" and len(args) >= 2 and isinstance(args[0], Record) and isinstance(args[1], str):
            return self.attribute(args[0], args[1])
        return self.opaque(f"prim::{name.rsplit('.', 1)[-1]}", args + list(kwargs.values()), f, e)

    def arguments(self, e: ast.Call, env: dict, f: CodeFile, owner) -> tuple[list, dict]:
        args = [_UNKNOWN if isinstance(a, ast.Starred) else self.expr(a, env, f, owner) for a in e.args]
        kwargs = {k.arg: self.expr(k.value, env, f, owner) for k in e.keywords if k.arg is not None}
        return args, kwargs

    # ---------------------------------------------------------------- nodes

    def op(self, kind: str, args: list, kwargs: dict, f: CodeFile, site: ast.AST):
        if kind in _FOLD:
            folded = _fold(kind, args)
            if folded is not _UNKNOWN:
                return folded
        if kind == "prim::unchecked_unwrap_optional" and len(args) == 1:
            return args[0]
        if not data_keys(list(args) + list(kwargs.values())):
            return _UNKNOWN  # shape arithmetic or a constant: not on the data path
        key = self.new_key()
        self.emit(kind, args, kwargs, key, f, site)
        return Data(key)

    def opaque(self, kind: str, values: list, f: CodeFile, site: ast.AST):
        if not data_keys(values):
            return _UNKNOWN
        key = self.new_key()
        self.emit(kind, values, {}, key, f, site, normalised=True)
        return Data(key)

    def emit(self, kind: str, args: list, kwargs: dict, key: str, f: CodeFile, site: ast.AST,
             normalised: bool = False) -> GNode:
        full = list(args) if normalised else normalise(kind, args, kwargs)
        g = aten_node(kind, full, [key], key, Origin(self.path, 1), self.param_name)
        g.origin = self.origin(f, site, g.name, kind)
        self.nodes.append(g)
        self.producer[key] = g
        if g.weight_name is None:
            self.auto.add(key)
        return g

    def new_key(self) -> str:
        self.counter += 1
        return str(self.counter)

    def unique(self, name: str) -> str:
        n = self.used_names.get(name, 0)
        self.used_names[name] = n + 1
        return name if n == 0 else f"{name}.{n}"

    # ---------------------------------------------------------------- positions

    def origin(self, f: CodeFile, site: ast.AST, name: str, kind: str) -> Origin:
        """The user's line: the op's own source range, else the innermost call site that has one
        outside torch (a `linear` inside `nn.Linear.forward` points at `self.fc1(x)`)."""
        label = f"{name} ({kind})"
        for cf, off in [(f, f.offset(site)), *reversed(self.sites)]:
            loc = self.frame(cf, off)
            if loc is not None:
                return Origin(loc[0], loc[1], 0, loc[1], 0, node=label)
        return Origin(self.path, 1, 0, 1, 0, node=label)

    def frame(self, cf: CodeFile, off: int) -> tuple[str, int] | None:
        entries = self.code.debug_entries(cf)
        if not entries:
            return None
        i = bisect.bisect_right(entries, off, key=lambda p: p[0]) - 1
        if i < 0:
            return None
        src = entries[i][1]
        if src is None:
            return None
        if src not in self._frames:
            text = src if isinstance(src, str) else f'File "{src[0]}", line {src[1]}'
            self._frames[src] = source_frame(text, self.base_dir)
        return self._frames[src]


_FOLD = frozenset({"aten::__is__", "aten::__isnot__", "aten::__not__", "aten::eq", "aten::ne", "aten::lt",
                   "aten::gt", "aten::le", "aten::ge", "aten::len", "aten::neg", "aten::__and__", "aten::__or__"})
_SCALARS = (bool, int, float, str, type(None))


def _fold(kind: str, args: list):
    """Builtins on values the archive fixes (`torch.__is__(dtype, None)` in `F.softmax`), so the
    branch taken is known; anything involving an unknown stays unknown."""
    op = kind[6:]
    if op in ("__is__", "__isnot__") and len(args) == 2 and not any(a is _UNKNOWN for a in args):
        a, b = args
        if a is None or b is None:  # `x is None` on a tensor, a module or a constant
            same = a is None and b is None
            return same if op == "__is__" else not same
        return _UNKNOWN
    if not all(isinstance(a, _SCALARS) or (isinstance(a, (list, tuple)) and op == "len") for a in args):
        return _UNKNOWN
    try:
        if op == "__not__" and len(args) == 1:
            return not args[0]
        if op == "neg" and len(args) == 1 and isinstance(args[0], (int, float)):
            return -args[0]
        if op == "len" and len(args) == 1:
            return len(args[0])
        if len(args) != 2:
            return _UNKNOWN
        a, b = args
        if op in ("__and__", "__or__") and isinstance(a, bool) and isinstance(b, bool):
            return (a and b) if op == "__and__" else (a or b)
        cmp = {"eq": lambda: a == b, "ne": lambda: a != b, "lt": lambda: a < b, "gt": lambda: a > b,
               "le": lambda: a <= b, "ge": lambda: a >= b}.get(op)
        return cmp() if cmp is not None else _UNKNOWN
    except TypeError:
        return _UNKNOWN


def _leaves(value, depth: int = 0) -> list[str]:
    """The data keys in a returned value, through nested tuples, lists and dicts."""
    if isinstance(value, Data):
        return [value.key]
    if depth < 16 and isinstance(value, (list, tuple, dict)):
        items = value.values() if isinstance(value, dict) else value
        return [k for v in items for k in _leaves(v, depth + 1)]
    return []


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    for st in cls.body:
        if isinstance(st, ast.FunctionDef) and st.name == name:
            return st
    return None

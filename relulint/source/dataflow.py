"""Data flow, statically: where data is made, how it is scaled on the way, and which network it reaches.

Runs after the framework frontends on every file. It finds the places data reaches a model
(`model.fit(x)`, `model(x)`, `net.forward(x)`, `sess.run(..., feed_dict={...})`), follows the data
backwards by variable through simple assignments to where it was made (a dataset load, an image
read, a literal array, a random draw) and keeps what is known on the way: the range, the dtype and
any scaling step. Data that reaches a network of this file goes to `network.inputs`; data that
reaches a model this file cannot see goes to `facts.data` (the engine joins it to the networks of
this file or of a neighbour `model.py`).

Anything not understood gives None: no range, no finding. All framework knowledge is in
`relulint.knowledge.data`.
"""

from __future__ import annotations

import re
from dataclasses import replace

import libcst as cst

from relulint.ir import DataSource, ModuleFacts, Network, Op, Origin
from relulint.knowledge import DataSpec, tables
from relulint.knowledge import data as D
from relulint.source.common import UNKNOWN, SourceContext, _is_num, is_self_attr, walk
from relulint.source.interp.data_api import const_range, join_data

_MAX_DEPTH = 20
_SMALL = 10.0  # a range within +-10 is "scaled" (see DataSource.is_raw_large_scale)
_PEEL = frozenset({"to", "cuda", "cpu", "eval", "train", "double", "float", "half", "fit", "compile"})
_MODEL_NAME = re.compile(D.MODEL_NAME_PATTERN)
_INPUT_NAME = re.compile(D.INPUT_NAME_PATTERN)
_Key = tuple[int, int, "int | None", "int | None"]


def _key(o: Origin) -> _Key:
    return (o.line, o.col, o.end_line, o.end_col)


def _num(v: object) -> float | None:
    return float(v) if _is_num(v) else None


def _flatten(v: object) -> list[float] | None:
    if _is_num(v):
        return [float(v)]
    if isinstance(v, tuple) and v:
        out: list[float] = []
        for x in v:
            sub = _flatten(x)
            if sub is None:
                return None
            out.extend(sub)
        return out
    return None


def _small(lo: float | None, hi: float | None) -> bool:
    return lo is not None and hi is not None and max(abs(lo), abs(hi)) <= _SMALL


class DataFlow:
    def __init__(self, ctx: SourceContext, facts: ModuleFacts) -> None:
        self.ctx = ctx
        self.facts = facts
        self.specs: dict[str, DataSpec] = tables().data
        self._calls: list[cst.Call] = []  # every call of the file, in source order
        self._memo: dict[cst.CSTNode, DataSource | None] = {}
        self._busy: set[cst.CSTNode] = set()

    # ================================================================ entry

    def run(self) -> None:
        calls = self._calls = [n for n in walk(self.ctx.module) if isinstance(n, cst.Call)]
        graph_inputs = self._network_inputs()
        for call in calls:
            self._feed(call, graph_inputs)
        self._targets(calls)

    def call_at(self, origin: Origin) -> cst.Call | None:
        """The call written at `origin`, positioning only the statement on its line (most of the file
        never needs a position)."""
        positions = self.ctx.positions
        want = _key(origin)
        # LazyPositions positions only that line's statement; a full map (the language server's) has all
        on_line = positions.nodes_on_line(origin.line) if hasattr(positions, "nodes_on_line") else self._calls
        for node in on_line:
            if isinstance(node, cst.Call):
                pos = positions.get(node)
                if pos is not None and (pos.start.line, pos.start.column, pos.end.line, pos.end.column) == want:
                    return node
        return None

    # ================================================================ targets (RL303)

    def _targets(self, calls: list[cst.Call]) -> None:
        """Attach to each loss the targets it is trained against, where the data is known: the y of
        `model.fit(x, y)`, the target argument of a loss call, the non-model side of a hand-written
        `((pred - y) ** 2).mean()`. Keyed by the loss's own origin (its constructor, or the call)."""
        by_key: dict[_Key, DataSource] = {}
        fits: list[tuple[cst.Call, DataSource]] = []
        for call in calls:
            found = self._loss_target(call)
            if found is None:
                continue
            keys, expr = found
            ds = self.data_of(expr)
            if ds is None or (ds.low is None and ds.high is None):
                continue
            ds = replace(ds, fed_at=self.ctx.origin(call))
            if not keys:
                fits.append((call, ds))
            for key in keys:
                by_key.setdefault(key, ds)
        losses = [*self.facts.losses, *self.facts.unlinked_losses,
                  *(loss for ir in self.facts.bound for loss in ir.losses),
                  *(net.loss for net in self.facts.networks if net.loss is not None)]
        for loss in losses:
            if loss.targets is None and loss.origin is not None and loss.origin.path == self.ctx.path:
                loss.targets = by_key.get(_key(loss.origin))
        for call, ds in fits:  # model.fit(x, y): the loss model.compile gave that model
            fed = self.ctx.fed.get(id(call))
            if fed is not None and fed[1] is not None:  # the interpreter followed the model to its compile
                owners = [fed[1]]
            else:
                net = self._match(call.func.value) if isinstance(call.func, cst.Attribute) else None
                owners = [net.loss] if net is not None and net.loss is not None else \
                    (self.facts.losses if len(self.facts.losses) == 1 else [])
            for loss in owners:
                if loss.targets is None:
                    loss.targets = ds

    def _loss_target(self, call: cst.Call) -> tuple[list[_Key], cst.BaseExpression] | None:
        """([keys of the loss this call applies], target expression) or None; no keys for fit(x, y)."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in D.TARGET_METHODS:
            y = self.ctx.arg(call, D.TARGET_METHODS[func.attr.value])
            return ([], y) if y is not None else None
        losses = tables().losses
        q = self.ctx.call_qname(call)
        if q is not None and q in losses:  # F.mse_loss(pred, y), tf.losses.mean_squared_error(y, pred)
            ref = next((a for prefix, a in D.LOSS_TARGET_ARGS if q.startswith(prefix)), None)
            y = self.ctx.arg(call, ref)
            return ([_key(self.ctx.origin(call))], y) if y is not None else None
        ctor = self._peel(self.ctx.resolve(func))
        if isinstance(ctor, cst.Call) and (cq := self.ctx.call_qname(ctor)) in losses:  # criterion(pred, y)
            ref = next((a for prefix, a in D.LOSS_TARGET_ARGS if cq.startswith(prefix)), None)
            y = self.ctx.arg(call, ref)
            return ([_key(self.ctx.origin(ctor)), _key(self.ctx.origin(call))], y) if y is not None else None
        diff = _squared_difference(call)
        if diff is not None:  # ((pred - y) ** 2).mean(), tf.reduce_mean(tf.square(pred - y))
            sides = [self.data_of(diff.left), self.data_of(diff.right)]
            known = [side for side, ds in zip((diff.left, diff.right), sides, strict=True)
                     if ds is not None and ds.high is not None]
            if len(known) == 1:
                return [_key(self.ctx.origin(call))], known[0]
        return None

    # ================================================================ network side

    def _network_inputs(self) -> dict[cst.CSTNode, list[Network]]:
        """Per network: the graph input its first layer reads (placeholder / Input), and any scaling
        written in code before the first layer (x / 255 in forward(), tf.cast(x) / 255 in a TF1
        graph) — recorded as a `scale` op so that `Network.scales_input()` sees it."""
        by_input: dict[cst.CSTNode, list[Network]] = {}
        for net in self.facts.networks:
            scale = self._forward_scaling(net)
            node = None
            expr = self._first_layer_input(net)
            if expr is not None:
                node, traced = self._trace_input(expr, 0)
                scale = scale or traced
            if scale is not None and not net.scales_input() and not net.inputs_followed:
                net.prepend(Op("scale", self.ctx.text(scale), self.ctx.origin(scale)))
            if node is None:
                continue
            by_input.setdefault(node, []).append(net)
            ds = self._graph_input_source(node)
            first = net.first_affine()
            if ds is not None and not net.inputs_followed:
                self._add(net.inputs, replace(ds, fed_at=first[1].origin if first else None, scaled=scale is not None,
                                              scaled_by=self.ctx.text(scale) if scale is not None else None))
        return by_input

    def _first_layer_input(self, net: Network) -> cst.BaseExpression | None:
        first = net.first_affine()
        if first is None or first[1].origin is None or first[1].origin.path != self.ctx.path:
            return None
        call = self.call_at(first[1].origin)
        if call is None:
            return None
        parent = self.ctx.parent(call)
        if isinstance(parent, cst.Call) and parent.func is call:  # Keras functional: Dense(...)(x)
            return parent.args[0].value if parent.args else None
        q = self.ctx.call_qname(call)
        spec = tables().layers.get(q) if q else None
        if spec is not None and spec.input_arg is not None:  # tf.layers.dense(x, ...)
            return self.ctx.arg(call, spec.input_arg)
        if q in ("tensorflow.matmul", "tensorflow.nn.conv2d", "tensorflow.nn.conv1d") and call.args:
            return call.args[0].value
        return None

    def _trace_input(self, expr: cst.BaseExpression, depth: int) -> tuple[cst.CSTNode | None, cst.CSTNode | None]:
        """Back from a first layer's input to the graph input: (input node, scaling step seen on the way)."""
        if depth > _MAX_DEPTH:
            return None, None
        ctx = self.ctx
        if isinstance(expr, cst.Name):
            value = self._binding_value(expr)
            return self._trace_input(value, depth + 1) if value is not None else (None, None)
        if isinstance(expr, cst.Attribute) and is_self_attr(expr):
            value = ctx.resolve(expr)
            return self._trace_input(value, depth + 1) if value is not expr else (None, None)
        if isinstance(expr, cst.BinaryOperation):
            for side in (expr.left, expr.right):
                node, scale = self._trace_input(side, depth + 1)
                if node is not None:
                    if isinstance(expr.operator, (cst.Divide, cst.Multiply)):
                        scale = scale or expr
                    return node, scale
            return None, None
        if not isinstance(expr, cst.Call):
            return None, None
        q = ctx.call_qname(expr)
        if q in D.GRAPH_INPUT_DTYPE:
            return expr, None
        if isinstance(expr.func, cst.Call):  # a Keras layer applied: Flatten()(x), Rescaling(1/255)(x)
            inner = ctx.call_qname(expr.func)
            spec = tables().layers.get(inner) if inner else None
            if spec is None or not expr.args:
                return None, None
            node, scale = self._trace_input(expr.args[0].value, depth + 1)
            if spec.kind in ("scale", "norm"):
                scale = scale or expr
            return (node, scale) if spec.kind in ("scale", "norm", "shape", "dropout") else (None, None)
        if q is not None:
            spec = self.specs.get(q)
            if spec is not None and spec.role in ("scale", "normalize") and expr.args:
                node, scale = self._trace_input(expr.args[0].value, depth + 1)
                return node, scale or expr
            if q in D.PASSTHROUGH:
                arg = ctx.arg(expr, D.PASSTHROUGH[q].data)
                return self._trace_input(arg, depth + 1) if arg is not None else (None, None)
            layer = tables().layers.get(q)
            if layer is not None and layer.kind in ("shape", "dropout", "norm") and layer.input_arg is not None:
                arg = ctx.arg(expr, layer.input_arg)
                node, scale = self._trace_input(arg, depth + 1) if arg is not None else (None, None)
                return node, (scale or expr) if layer.kind == "norm" else scale
            return None, None
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in D.PASSTHROUGH_METHODS:
            return self._trace_input(expr.func.value, depth + 1)
        return None, None

    def _graph_input_source(self, node: cst.CSTNode) -> DataSource | None:
        """A uint8 placeholder / Input is raw pixels by declaration."""
        if not isinstance(node, cst.Call):
            return None
        q = self.ctx.call_qname(node)
        ref = D.GRAPH_INPUT_DTYPE.get(q) if q else None
        dtype = self._dtype(self.ctx.arg(node, ref)) if ref is not None else None
        if dtype != "uint8":
            return None
        return DataSource(self.ctx.text(node), self.ctx.origin(node), *D.UINT8_RANGE, dtype="uint8")

    def _forward_scaling(self, net: Network) -> cst.CSTNode | None:
        """`x = x / 255.` (or a normalize call) on the input before the first layer in forward()/call()."""
        cls = next((s for s in self.ctx.module.body if isinstance(s, cst.ClassDef) and s.name.value == net.name), None)
        if cls is None:
            return None
        fn = next((s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value in ("forward", "call")),
                  None)
        if fn is None:
            return None
        params = [p.name.value for p in fn.params.params if p.name.value != "self"]
        if not params:
            return None
        derived = {params[0]}
        for stmt in fn.body.body:
            uses = {n.value for n in walk(stmt) if isinstance(n, cst.Name)}
            if not uses & derived:
                continue
            scale = self._scale_step(stmt, derived)
            if scale is not None:
                return scale
            if any(isinstance(n, cst.Call) and (is_self_attr(n.func) or _is_layer_call(self.ctx, n)) for n in walk(stmt)):
                return None  # the first layer ran on unscaled input
            for n in walk(stmt):
                if isinstance(n, cst.AssignTarget) and isinstance(n.target, cst.Name):
                    derived.add(n.target.value)
        return None

    def _scale_step(self, stmt: cst.CSTNode, derived: set[str]) -> cst.CSTNode | None:
        for n in walk(stmt):
            if isinstance(n, cst.BinaryOperation) and isinstance(n.operator, (cst.Divide, cst.Multiply)):
                left_uses = {m.value for m in walk(n.left) if isinstance(m, cst.Name)}
                if not left_uses & derived:
                    continue
                c = self.ctx.number(n.right)
                if isinstance(n.operator, cst.Divide) and (c is None or abs(c) > 1):
                    return n
                if isinstance(n.operator, cst.Multiply) and c is not None and abs(c) < 1:
                    return n
            if isinstance(n, cst.Call):
                q = self.ctx.call_qname(n)
                spec = self.specs.get(q) if q else None
                if (spec is not None and spec.role in ("scale", "normalize")) or (q or "").endswith(D.NORMALIZE_SUFFIXES):
                    return n
        return None

    # ================================================================ feeds

    def _feed(self, call: cst.Call, graph_inputs: dict[cst.CSTNode, list[Network]]) -> None:
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            feed_dict = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "feed_dict"), None)
            if method == "run" and feed_dict is not None:
                self._feed_dict(call, feed_dict, graph_inputs)
                return
            ref = D.FEED_METHODS.get(method)
            if ref is not None:
                self._deliver(call, func.value, self.ctx.arg(call, ref), explicit=True)
                return
        if isinstance(func, (cst.Name, cst.Attribute, cst.Call)) and call.args and call.args[0].keyword is None \
                and not call.args[0].star:
            if isinstance(func, cst.Call) or _on_call_result(func) or self.ctx.qname(func) is None:
                # library functions (np.mean(x)) are not models; Net()(x) and self.model(x) may be
                self._deliver(call, func, call.args[0].value, explicit=False)

    def _deliver(self, call: cst.Call, receiver: cst.BaseExpression, data: cst.BaseExpression | None,
                 explicit: bool) -> None:
        if data is None or self._is_definition(receiver):
            return
        fed = self.ctx.fed.get(id(call))
        net = fed[0] if fed is not None and fed[0] is not None else self._match(receiver)
        if net is not None and net.inputs_followed:
            return  # the interpreter followed the data this network is fed
        if net is None and not self._model_like(receiver, explicit):
            return
        ds = self.data_of(data)
        if ds is None:
            return
        ds = replace(ds, fed_at=self.ctx.origin(call))
        self._add(net.inputs if net is not None else self.facts.data, ds)

    def _feed_dict(self, call: cst.Call, feed: cst.BaseExpression, graph_inputs: dict[cst.CSTNode, list[Network]]) -> None:
        value = self.ctx.resolve(feed)
        if not isinstance(value, cst.Dict):
            return
        for el in value.elements:
            if not isinstance(el, cst.DictElement):
                continue
            node = self.ctx.resolve(el.key)
            nets = graph_inputs.get(node, [])
            if not nets and not _INPUT_NAME.match(_leaf_name(el.key) or ""):
                continue  # labels, learning rates, keep_prob: not the model's input
            ds = self.data_of(el.value)
            if ds is None:
                continue
            ds = replace(ds, fed_at=self.ctx.origin(call))
            for net in nets:
                self._add(net.inputs, ds)
            if not nets:
                self._add(self.facts.data, ds)

    def _match(self, receiver: cst.BaseExpression) -> Network | None:
        nets = self.facts.networks
        if not nets:
            return None
        value = self._peel(self.ctx.resolve(receiver))
        if isinstance(value, cst.Call):
            key = _key(self.ctx.origin(value))
            for net in nets:
                first = net.first_affine()
                if (net.origin is not None and _key(net.origin) == key) or \
                        (first is not None and first[1].origin is not None and _key(first[1].origin) == key):
                    return net
            callee = _callee_name(value.func)
            for net in nets:
                if callee and net.name == callee:
                    return net
        name = receiver.value if isinstance(receiver, cst.Name) else is_self_attr(receiver)
        return next((net for net in nets if name and net.name == name), None)

    def _model_like(self, receiver: cst.BaseExpression, explicit: bool) -> bool:
        """A receiver that is probably a neural network this file cannot see (from another file)."""
        value = self._peel(self.ctx.resolve(receiver))
        name = receiver.value if isinstance(receiver, cst.Name) else is_self_attr(receiver)
        if isinstance(value, cst.Call):
            q = self.ctx.call_qname(value)
            if q is not None and q.split(".")[0] in D.NON_MODEL_ROOTS:
                return False
            callee = _callee_name(value.func) or ""
            if q is not None and q.split(".")[0] not in ("torch", "keras", "tensorflow"):
                return callee[:1].isupper() or bool(_MODEL_NAME.search(callee))  # from model import Net
            if q is None and (callee[:1].isupper() or _MODEL_NAME.search(callee)):
                return explicit or bool(name and _MODEL_NAME.search(name))
        return bool(name and _MODEL_NAME.search(name))

    def _peel(self, value: cst.BaseExpression | None) -> cst.BaseExpression | None:
        """Net().to(device).eval() -> Net()."""
        for _ in range(6):
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _PEEL:
                value = self.ctx.resolve(value.func.value)
            else:
                break
        return value

    def _is_definition(self, receiver: cst.BaseExpression) -> bool:
        """A name bound to a def/class is a function call, not a model applied to data."""
        if not isinstance(receiver, cst.Name):
            return False
        scope = self.ctx.scopes.get(receiver)
        if scope is None:
            return False
        return any(isinstance(getattr(a, "node", None), (cst.FunctionDef, cst.ClassDef)) for a in scope[receiver.value])

    @staticmethod
    def _add(bucket: list[DataSource], ds: DataSource) -> None:
        same = (ds.origin, ds.low, ds.high, ds.dtype, ds.scaled)
        if not any((d.origin, d.low, d.high, d.dtype, d.scaled) == same for d in bucket):
            bucket.append(ds)

    # ================================================================ data values

    def data_of(self, expr: cst.BaseExpression | None, depth: int = 0) -> DataSource | None:
        """What is known of the data an expression holds, or None."""
        if expr is None or depth > _MAX_DEPTH or expr in self._busy:
            return None
        if expr in self._memo:
            return self._memo[expr]
        self._busy.add(expr)
        try:
            out = self._data_of(expr, depth)
        finally:
            self._busy.discard(expr)
        self._memo[expr] = out
        return out

    def _data_of(self, expr: cst.BaseExpression, depth: int) -> DataSource | None:
        ctx = self.ctx
        d = depth + 1
        if isinstance(expr, cst.Name):
            return self._name_data(expr, d)
        if isinstance(expr, cst.Attribute):
            if is_self_attr(expr):
                value = ctx.resolve(expr)
                return self.data_of(value, d) if value is not expr else None
            if expr.attr.value in D.DATASET_RAW_ATTRS and self._is_dataset(expr.value):
                return DataSource(ctx.text(expr), ctx.origin(expr), *D.UINT8_RANGE, dtype="uint8")
            if expr.attr.value == "T":
                return self.data_of(expr.value, d)
            return None
        if isinstance(expr, cst.Subscript):
            return self.data_of(expr.value, d)
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp)):
            return self.data_of(expr.elt, d)
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            base = self.data_of(expr.expression, d)
            if base is None:
                return None
            lo, hi = (-base.high if base.high is not None else None), (-base.low if base.low is not None else None)
            return replace(base, low=lo, high=hi, dtype=None if base.dtype == "uint8" else base.dtype)
        if isinstance(expr, cst.BinaryOperation):
            return self._binop(expr, d)
        if isinstance(expr, cst.Call):
            return self._call_data(expr, d)
        return None

    # ---------------------------------------------------------------- names

    def _name_data(self, name: cst.Name, depth: int) -> DataSource | None:
        binding = self._binding(name)
        if binding is None:
            return self._param_data(name, depth)
        stmt, target, path = binding
        if isinstance(stmt, cst.AugAssign):
            prev = self._binding(stmt.target, before=stmt)
            base = self._stmt_data(prev, depth) if prev is not None else None
            return self._arith(base, stmt.operator, stmt.value, stmt, left=True) if base is not None else None
        return self._stmt_data(binding, depth)

    def _stmt_data(self, binding: tuple[cst.CSTNode, cst.CSTNode, tuple[int, ...]], depth: int) -> DataSource | None:
        stmt, _target, path = binding
        if isinstance(stmt, (cst.Assign, cst.AnnAssign)):
            value = stmt.value
            if value is None:
                return None
            if not path:
                return self.data_of(value, depth)
            return self._unpacked(value, path, depth)
        if isinstance(stmt, (cst.For, cst.CompFor)):
            it = stmt.iter
            if isinstance(it, cst.Call) and self.ctx.call_qname(it) == "builtins.enumerate" and it.args:
                if not path or path[0] != 1:
                    return None
                path, it = path[1:], it.args[0].value
            if path and path[0] != 0:
                return None  # for x, y in loader: only x is the input
            return self.data_of(it, depth)
        if isinstance(stmt, cst.AugAssign):
            return self._name_data(stmt.target, depth) if isinstance(stmt.target, cst.Name) else None
        return None

    def _unpacked(self, value: cst.BaseExpression, path: tuple[int, ...], depth: int) -> DataSource | None:
        """The element at `path` of a tuple-unpacked value."""
        resolved = value
        while isinstance(resolved, (cst.Tuple, cst.List)) and path:
            if path[0] >= len(resolved.elements):
                return None
            resolved, path = resolved.elements[path[0]].value, path[1:]
        if not path:
            return self.data_of(resolved, depth)
        if isinstance(resolved, cst.Name):
            inner = self.ctx.resolve(resolved)
            resolved = inner if isinstance(inner, cst.Call) else resolved
        if not isinstance(resolved, cst.Call):
            return None
        returned = self._helper_return(resolved)
        if returned is not None:  # x, y = load() with `def load(): ... return x, y`
            return self._unpacked(returned, path, depth + 1)
        q = self.ctx.call_qname(resolved)
        if q in D.UNPACKED_INPUTS:
            return self.data_of(resolved, depth) if path in D.UNPACKED_INPUTS[q] else None
        if q in D.SPLITS:
            positional = [a.value for a in resolved.args if a.keyword is None and not a.star]
            i = path[0] // 2
            return self.data_of(positional[i], depth) if i < len(positional) and len(path) == 1 else None
        if q == "builtins.next" and path[0] == 0:  # x, y = next(iter(loader))
            return self.data_of(resolved, depth)
        return None

    def _binding(self, name: cst.Name, before: cst.CSTNode | None = None
                 ) -> tuple[cst.CSTNode, cst.CSTNode, tuple[int, ...]] | None:
        """(statement, target, element path) of the assignment that gives `name` its value at its use."""
        ctx = self.ctx
        if ctx.qname(name) is not None:
            return None
        scope = ctx.scopes.get(name)
        if scope is None:
            return None
        use = ctx.positions[before or name].start
        use_at = (use.line, use.column)
        enclosing = set(ctx.ancestors(name))
        best = None
        fallback = None
        for assignment in scope[name.value]:
            node = getattr(assignment, "node", None)
            if not isinstance(node, cst.Name) or node is name:
                continue
            found = _binding_statement(ctx, node)
            if found is None:
                continue
            stmt, path = found
            if stmt is before:
                continue
            if isinstance(stmt, (cst.Assign, cst.AnnAssign, cst.AugAssign)) and stmt in enclosing:
                continue  # x = x / 255: the x on the right is the previous x
            pos = ctx.positions[node].start
            at = (pos.line, pos.column)
            if at < use_at or (isinstance(stmt, (cst.For, cst.CompFor)) and stmt in enclosing):
                if best is None or at > best[0]:
                    best = (at, (stmt, node, path))
            elif fallback is None or at > fallback[0]:
                fallback = (at, (stmt, node, path))
        chosen = best or (fallback if before is None else None)
        return chosen[1] if chosen else None

    def _param_data(self, name: cst.Name, depth: int) -> DataSource | None:
        """A parameter of a module-level function called once in the file (`train(model, x, y)`): the
        data its call passes."""
        scope = self.ctx.scopes.get(name)
        params = [b.node for b in scope[name.value]] if scope is not None else []
        if len(params) != 1 or not isinstance(params[0], cst.Param):
            return None
        param = params[0]
        fn = self.ctx.enclosing(param, cst.FunctionDef)
        if fn is None or self.ctx.parent(fn) is not self.ctx.module:
            return None
        calls = [c for c in self._calls if isinstance(c.func, cst.Name) and
                 c.func.value == fn.name.value]
        if len(calls) != 1:
            return None
        call = calls[0]
        for a in call.args:
            if a.keyword is not None and a.keyword.value == name.value:
                return self.data_of(a.value, depth)
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        names = [p.name.value for p in (*fn.params.posonly_params, *fn.params.params)]
        i = names.index(name.value) if name.value in names else -1
        return self.data_of(positional[i], depth) if 0 <= i < len(positional) else None

    def _helper_return(self, call: cst.Call) -> cst.BaseExpression | None:
        """The value a call of one of the file's own functions returns, when it has one `return`."""
        func = call.func
        if not isinstance(func, cst.Name) or self.ctx.qname(func) is not None:
            return None
        scope = self.ctx.scopes.get(func)
        if scope is None:
            return None
        defs = [a.node for a in scope[func.value] if isinstance(getattr(a, "node", None), cst.FunctionDef)]
        if len(defs) != 1:
            return None
        returns = [n for n in walk(defs[0].body) if isinstance(n, cst.Return) and n.value is not None
                   and self.ctx.enclosing(n, (cst.FunctionDef, cst.Lambda)) is defs[0]]
        return returns[0].value if len(returns) == 1 else None

    def _binding_value(self, name: cst.Name) -> cst.BaseExpression | None:
        found = self._binding(name)
        if found is None:
            return None
        stmt, _target, path = found
        if isinstance(stmt, (cst.Assign, cst.AnnAssign)) and not path:
            return stmt.value
        return None

    # ---------------------------------------------------------------- arithmetic

    def _binop(self, node: cst.BinaryOperation, depth: int) -> DataSource | None:
        left = self.data_of(node.left, depth)
        right = self.data_of(node.right, depth) if left is None or not _is_const_like(self.ctx, node.right) else None
        if left is not None and right is not None:
            if isinstance(node.operator, (cst.Add, cst.Subtract)) and None not in (left.low, left.high, right.low, right.high):
                if isinstance(node.operator, cst.Add):
                    lo, hi = left.low + right.low, left.high + right.high
                else:
                    lo, hi = left.low - right.high, left.high - right.low
                return replace(left, low=lo, high=hi, dtype=None, scaled=left.scaled and right.scaled)
            return replace(left, low=None, high=None, dtype=None, scaled=left.scaled and right.scaled)
        if left is not None:
            return self._arith(left, node.operator, node.right, node, left=True)
        if right is not None:
            return self._arith(right, node.operator, node.left, node, left=False)
        return None

    def _arith(self, base: DataSource, op: cst.BaseBinaryOp | cst.BaseAugOp, other: cst.BaseExpression,
               node: cst.CSTNode, left: bool) -> DataSource:
        """data <op> other (left) or other <op> data: interval arithmetic by a constant."""
        c = self.ctx.number(other)
        name = type(op).__name__.replace("Assign", "")
        lo, hi = base.low, base.high
        text = self.ctx.text(node)
        if c is None:
            if name == "Divide" and left:  # x / std, x / x.max(): a normalisation with unknown range
                return replace(base, low=None, high=None, dtype=None, scaled=True, scaled_by=text)
            return replace(base, low=None, high=None, dtype=None, scaled=False)
        new = const_range(name, lo, hi, c, left) if lo is not None and hi is not None else None
        if new is None:
            return replace(base, low=None, high=None, dtype=None, scaled=False)
        shrinks = name in ("Divide", "Multiply") and _small(*new) and not _small(lo, hi)
        keep_int = base.dtype == "uint8" and name in ("Add", "Subtract", "Multiply") and float(c).is_integer()
        return replace(base, low=new[0], high=new[1], dtype=base.dtype if keep_int else None,
                       scaled=base.scaled or shrinks, scaled_by=text if shrinks else base.scaled_by)

    # ---------------------------------------------------------------- calls

    def _call_data(self, call: cst.Call, depth: int) -> DataSource | None:
        ctx = self.ctx
        func = call.func
        # a method on a call result: libcst names `torch.from_numpy(a).float` "torch.from_numpy.float"
        q = ctx.call_qname(call) if not _on_call_result(func) else None
        if q is not None:
            return self._library_call(call, q, depth)
        returned = self._helper_return(call)
        if returned is not None:  # x = make_inputs(): the data the helper returns
            return self.data_of(returned, depth)
        if isinstance(func, cst.Call):  # a transform object applied: Rescaling(1/255)(x), ToTensor()(img)
            return self._applied(call, func, depth)
        if isinstance(func, cst.Attribute):
            return self._method(call, func, depth)
        return None

    def _library_call(self, call: cst.Call, q: str, depth: int) -> DataSource | None:
        ctx = self.ctx
        spec = self.specs.get(q)
        if q in ("builtins.next", "builtins.iter", "builtins.list", "builtins.tuple") and call.args:
            return self.data_of(call.args[0].value, depth)
        if spec is not None and spec.role in ("source", "randint", "randint_torch", "arange"):
            return self._source(call, spec)
        if q in D.NORMAL_SOURCES:
            mean_ref, std_ref = D.NORMAL_SOURCES[q]
            m, s = _num(ctx.arg_const(call, mean_ref)), _num(ctx.arg_const(call, std_ref))
            if m is None or s is None:
                return None
            return DataSource(ctx.text(call), ctx.origin(call), m - 3 * abs(s), m + 3 * abs(s))
        if q in D.PASSTHROUGH:
            return self._passthrough(call, D.PASSTHROUGH[q], depth)
        if q in D.SPLITS and call.args:
            return self.data_of(call.args[0].value, depth)
        if (spec is not None and spec.role in ("scale", "normalize")) or q.endswith(D.NORMALIZE_SUFFIXES):
            base = self.data_of(call.args[0].value, depth) if call.args else None
            return self._scaled(base, call, spec.low if spec else None, spec.high if spec else None)
        if q.startswith(D.DATASET_PREFIXES):
            transform = ctx.arg(call, D.DATASET_TRANSFORM)
            if transform is None:
                return None  # PIL images: they cannot reach a model without a transform
            raw = DataSource(ctx.text(call), ctx.origin(call), *D.UINT8_RANGE, dtype="uint8")
            return self._transformed(raw, transform)
        if q in D.GRAPH_INPUT_DTYPE:
            return self._graph_input_source(call)
        return None

    def _source(self, call: cst.Call, spec: DataSpec) -> DataSource | None:
        ctx = self.ctx
        if spec.role == "randint_torch":  # torch.randint(high, size) / torch.randint(low, high, size)
            pos = [a.value for a in call.args if a.keyword is None and not a.star]
            kw = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
            if "high" in kw:
                lo, hi = ctx.number(kw.get("low")) if "low" in kw else 0.0, ctx.number(kw["high"])
            elif len(pos) >= 3:
                lo, hi = ctx.number(pos[0]), ctx.number(pos[1])
            elif len(pos) == 2:
                lo, hi = 0.0, ctx.number(pos[0])
            else:
                lo = hi = None
        elif spec.role == "arange":  # np.arange(stop) / np.arange(start, stop, step)
            pos = [ctx.number(a.value) for a in call.args if a.keyword is None and not a.star]
            lo, hi = (0.0, pos[0]) if len(pos) == 1 else (pos[0], pos[1]) if len(pos) >= 2 else (None, None)
        else:
            lo = spec.low if spec.low is not None else _num(ctx.arg_const(call, spec.low_arg))
            hi = spec.high if spec.high is not None else _num(ctx.arg_const(call, spec.high_arg))
            if spec.role == "randint" and hi is None and lo is not None:
                lo, hi = 0.0, lo  # np.random.randint(256, size=...) draws from [0, 256)
        if spec.role in ("randint", "randint_torch") and lo is not None and hi is not None and hi > lo:
            hi -= 1  # randint's high is exclusive
        dtype = self._dtype(next((a.value for a in call.args if a.keyword and a.keyword.value == "dtype"), None)) \
            or spec.dtype
        if dtype == "uint8" and (lo is None or hi is None):
            lo, hi = D.UINT8_RANGE
        if lo is None and hi is None and dtype is None:
            return None
        return DataSource(ctx.text(call), ctx.origin(call), lo, hi, dtype)

    def _passthrough(self, call: cst.Call, p: D.Passthrough, depth: int) -> DataSource | None:
        ctx = self.ctx
        arg = ctx.arg(call, p.data)
        if arg is None:
            return None
        base = None
        if p.literal:
            values = _flatten(ctx.const(arg))
            if values:
                base = DataSource(ctx.text(call), ctx.origin(call), min(values), max(values))
        if base is None and p.many:
            seq = ctx.resolve(arg)
            if isinstance(seq, (cst.List, cst.Tuple)) and seq.elements:
                parts = [self.data_of(e.value, depth) for e in seq.elements]
                base = join_data(parts)
            else:
                base = self.data_of(arg, depth)
        elif base is None:
            base = self.data_of(arg, depth)
        dtype = p.as_dtype or (self._dtype(ctx.arg(call, p.dtype)) if p.dtype is not None else None)
        if dtype == "uint8":
            if base is None:  # np.array(images, dtype=np.uint8): raw bytes whatever they were
                return DataSource(ctx.text(call), ctx.origin(call), *D.UINT8_RANGE, dtype="uint8")
            lo = base.low if base.low is not None else D.UINT8_RANGE[0]
            hi = base.high if base.high is not None else D.UINT8_RANGE[1]
            return replace(base, low=lo, high=hi, dtype="uint8")
        if base is not None and dtype is not None:
            return replace(base, dtype=dtype)
        return base

    def _applied(self, call: cst.Call, obj: cst.Call, depth: int) -> DataSource | None:
        ctx = self.ctx
        q = ctx.call_qname(obj)
        if not call.args or q is None:
            return None
        base = self.data_of(call.args[0].value, depth)
        if q == "keras.layers.Rescaling":  # Rescaling(scale, offset): x * scale + offset
            scale = _num(ctx.arg_const(obj, _arg(0, "scale")))
            offset = _num(ctx.arg_const(obj, _arg(1, "offset", 0.0))) or 0.0
            if base is None:
                return None
            if scale is None or base.low is None or base.high is None:
                return replace(base, low=None, high=None, dtype=None, scaled=True, scaled_by=ctx.text(obj))
            lo, hi = sorted((base.low * scale + offset, base.high * scale + offset))
            return replace(base, low=lo, high=hi, dtype=None, scaled=base.scaled or _small(lo, hi),
                           scaled_by=ctx.text(obj))
        if q in D.COMPOSE or q.startswith(D.TRANSFORM_PREFIX):
            return self._transformed(base, obj) if base is not None else None
        spec = self.specs.get(q)
        if spec is not None and spec.role in ("scale", "normalize"):
            return self._scaled(base, obj, spec.low, spec.high)
        layer = tables().layers.get(q)
        if layer is not None and layer.kind in ("shape", "dropout"):
            return base
        return None

    def _method(self, call: cst.Call, func: cst.Attribute, depth: int) -> DataSource | None:
        ctx = self.ctx
        method = func.attr.value
        if method in D.SCALER_METHODS and call.args:
            scaler = self._peel(ctx.resolve(func.value))
            q = ctx.call_qname(scaler) if isinstance(scaler, cst.Call) else None
            spec = self.specs.get(q) if q else None
            if spec is not None and spec.role == "normalize":
                return self._scaled(self.data_of(call.args[0].value, depth), call, spec.low, spec.high)
            return None
        if method in D.PASSTHROUGH_METHODS:
            base = self.data_of(func.value, depth)
            dtype = D.PASSTHROUGH_METHODS[method]
            if method in ("astype", "to", "type") and call.args:
                dtype = self._dtype(next((a.value for a in call.args if a.keyword is None
                                          or a.keyword.value in ("dtype",)), None))
            if dtype == "uint8":
                lo, hi = D.UINT8_RANGE
                if base is None:  # img.astype(np.uint8): raw bytes made here
                    return DataSource(ctx.text(call), ctx.origin(call), lo, hi, dtype="uint8")
                return replace(base, low=base.low if base.low is not None else lo,
                               high=base.high if base.high is not None else hi, dtype="uint8")
            if base is not None and dtype is not None:
                return replace(base, dtype=dtype)  # .float() / .astype("float32") do NOT scale
            return base
        if method == "map" and call.args:  # dataset.map(lambda x, y: (x / 255, y))
            base = self.data_of(func.value, depth)
            fn = call.args[0].value
            if base is not None and isinstance(fn, cst.Lambda) and self._scale_step(fn.body, _lambda_params(fn)):
                return self._scaled(base, fn, None, None)
            return None
        return None

    def _scaled(self, base: DataSource | None, node: cst.CSTNode, lo: float | None, hi: float | None) -> DataSource:
        text = self.ctx.text(node)
        if base is None:
            base = DataSource(text, self.ctx.origin(node))
        return replace(base, low=lo, high=hi, dtype=None, scaled=True, scaled_by=text)

    def _transformed(self, ds: DataSource, transform: cst.BaseExpression) -> DataSource | None:
        """Apply a torchvision transform (or Compose of them) to the range of `ds`."""
        ctx = self.ctx
        value = ctx.resolve(transform)
        if not isinstance(value, cst.Call):
            return None
        q = ctx.call_qname(value)
        if q in D.COMPOSE:
            steps = ctx.resolve(value.args[0].value) if value.args else None
            if not isinstance(steps, (cst.List, cst.Tuple)):
                return None
            for el in steps.elements:
                step = ctx.resolve(el.value)
                if not isinstance(step, cst.Call):
                    return None
                out = self._transform_step(ds, step)
                if out is None:
                    return None
                ds = out
            return ds
        return self._transform_step(ds, value)

    def _transform_step(self, ds: DataSource, step: cst.Call) -> DataSource | None:
        ctx = self.ctx
        q = ctx.call_qname(step)
        if q is None:
            return None  # a user transform: its effect is unknown
        if q in D.RAW_TRANSFORMS:
            return ds
        spec = self.specs.get(q)
        if spec is not None and spec.role == "scale":
            flag = D.SCALE_FLAG.get(q)
            if flag is not None and ctx.arg_const(step, flag) is not True:
                return replace(ds, dtype=None)  # v2.ToDtype(torch.float32) without scale=True
            return self._scaled(ds, step, spec.low, spec.high)
        if spec is not None and spec.role == "normalize":  # Normalize(mean, std)
            mean = _flatten(ctx.arg_const(step, _arg(0, "mean")))
            std = _flatten(ctx.arg_const(step, _arg(1, "std")))
            if mean and std and ds.low is not None and ds.high is not None and min(abs(s) for s in std) > 0:
                vals = [(v - m) / s for m, s in zip(mean, std, strict=False) for v in (ds.low, ds.high)]
                lo, hi = min(vals), max(vals)
                return replace(ds, low=lo, high=hi, dtype=None, scaled=ds.scaled or _small(lo, hi),
                               scaled_by=ctx.text(step))
            return self._scaled(ds, step, None, None)
        if q.startswith(D.TRANSFORM_PREFIX) and not q.endswith(".Lambda"):
            return ds  # crops, flips, resizes keep the range
        return None

    # ---------------------------------------------------------------- helpers

    def _is_dataset(self, expr: cst.BaseExpression) -> bool:
        value = self.ctx.resolve(expr)
        if isinstance(value, cst.Name):
            value = self._binding_value(value) or value
        q = self.ctx.call_qname(value) if isinstance(value, cst.Call) else None
        return bool(q and q.startswith(D.DATASET_PREFIXES))

    def _dtype(self, expr: cst.BaseExpression | None) -> str | None:
        if expr is None:
            return None
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            v = self.ctx.const(expr)
            return D.DTYPES.get(v) if isinstance(v, str) else None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            q = self.ctx.qname(expr)
            if q is not None:
                return D.DTYPES.get(q)
            value = self.ctx.resolve(expr)
            return self._dtype(value) if value is not expr else None
        return None


# -------------------------------------------------------------------- module helpers


def _arg(pos: int, kw: str, default: object = None):
    from relulint.knowledge import Arg

    return Arg(pos, kw, default)


def _squared_difference(call: cst.Call) -> cst.BinaryOperation | None:
    """The `a - b` of a reduction over its square: `((a - b) ** 2).mean()`, `(a - b).pow(2).sum()`,
    `torch.mean((a - b) ** 2)`, `tf.reduce_mean(tf.square(a - b))`."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("mean", "sum") and not call.args:
        inner: cst.BaseExpression | None = func.value
    elif isinstance(func, cst.Attribute) and func.attr.value in ("mean", "sum", "reduce_mean", "reduce_sum") \
            and call.args:
        inner = call.args[0].value
    else:
        return None
    for _ in range(3):
        while isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Power) and \
                isinstance(inner.right, cst.Integer) and inner.right.value == "2":
            inner = inner.left
        if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute):
            name = inner.func.attr.value
            if name == "pow" and len(inner.args) == 1:
                inner = inner.func.value
            elif name in ("square", "squared_difference") and inner.args:
                inner = inner.args[0].value if name == "square" else None
        if isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Subtract):
            return inner
        if not isinstance(inner, (cst.BinaryOperation, cst.Call)):
            break
    return None


def _leaf_name(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def _callee_name(func: cst.BaseExpression) -> str | None:
    return _leaf_name(func)


def _lambda_params(fn: cst.Lambda) -> set[str]:
    return {p.name.value for p in fn.params.params}


def _on_call_result(func: cst.BaseExpression) -> bool:
    """True for a method on a value (`f(a).data.float`), not a module path (`torch.nn.functional.relu`)."""
    if not isinstance(func, cst.Attribute):
        return False
    node = func.value
    while isinstance(node, cst.Attribute):
        node = node.value
    return not isinstance(node, cst.Name)


def _is_const_like(ctx: SourceContext, expr: cst.BaseExpression) -> bool:
    return ctx.const(expr) is not UNKNOWN


def _is_layer_call(ctx: SourceContext, call: cst.Call) -> bool:
    q = ctx.call_qname(call)
    if q is None and isinstance(call.func, cst.Call):
        q = ctx.call_qname(call.func)
    spec = tables().layers.get(q) if q else None
    return spec is not None and spec.kind == "affine"


def _binding_statement(ctx: SourceContext, target: cst.Name) -> tuple[cst.CSTNode, tuple[int, ...]] | None:
    """The statement that binds a target name, and the name's element path in a tuple target."""
    path: list[int] = []
    node: cst.CSTNode = target
    for parent in ctx.ancestors(target):
        if isinstance(parent, cst.Element):
            node = parent
            continue
        if isinstance(parent, (cst.Tuple, cst.List)):
            path.insert(0, next(i for i, e in enumerate(parent.elements) if e is node))
            node = parent
            continue
        if isinstance(parent, cst.AssignTarget):
            stmt = ctx.parent(parent)
            return (stmt, tuple(path)) if isinstance(stmt, cst.Assign) else None
        if isinstance(parent, (cst.AnnAssign, cst.AugAssign)):
            return (parent, tuple(path)) if parent.target is node else None
        if isinstance(parent, (cst.For, cst.CompFor)):
            return (parent, tuple(path)) if parent.target is node else None
        return None
    return None


def lower(ctx: SourceContext, facts: ModuleFacts) -> None:
    DataFlow(ctx, facts).run()

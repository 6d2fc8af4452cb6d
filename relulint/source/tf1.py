"""TF1 graph-building frontend: tf.layers.*, tf.nn.* on tf.Variable / tf.get_variable weights, tf.losses.

TF1 code has no model object: a network is a chain of tensor variables built in one function body
(or at module level). This frontend evaluates each body statement by statement, in evaluation order,
keeping an environment from variable names (and `self.<attr>`) to symbolic `Tensor`s. Each tensor
remembers the op that made it and the tensor it was made from, so a network is read backwards from
its output tensor: the one a loss consumes, else the one the function returns, else the deepest sink.

Helper functions are followed: a call with tensor arguments (`conv_layer(x, W)`) is evaluated inline
with its parameters bound to the caller's arguments; a call without (`self._nn = self._create_nn()`)
stands for that function's own network, so a loss built on `self._nn` elsewhere binds to it.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import libcst as cst

from relulint.ir import Activation, Init, Loss, ModuleFacts, Network, Op, Origin
from relulint.knowledge import InitSpec, LayerSpec, tables
from relulint.knowledge import tf1 as K
from relulint.knowledge import tflearn as L
from relulint.source.common import (
    UNKNOWN,
    SourceContext,
    _is_num,
    is_self_attr,
    kernel_volume,
)
from relulint.source.lowering import (
    activation_from_expr,
    default_init,
    init_from_expr,
    init_from_spec,
    loss_from_call,
    op_from_layer_call,
)

_MAX_INLINE = 4  # nested helper calls followed
_MAX_STEPS = 10  # name -> value hops when resolving across helper parameters


@dataclass(eq=False)
class Frame:
    """One evaluation of a function body (or the module): its variables and the tensors it made."""

    fn: cst.FunctionDef | None
    cls: cst.ClassDef | None
    home: Frame | None = None  # the standalone frame an inlined evaluation belongs to
    params: dict[str, tuple[cst.BaseExpression, Frame]] = field(default_factory=dict)  # bound by the caller
    env: dict[str, Tensor | None] = field(default_factory=dict)
    memo: dict[cst.Call, Tensor | None] = field(default_factory=dict)
    tensors: list[Tensor] = field(default_factory=list)
    returned: Tensor | None = None
    returned_items: list[Tensor | None] | None = None  # `return logits, keep_prob`
    depth: int = 0
    call_site: Origin | None = None  # inlined: the caller's line that built these layers

    @property
    def root(self) -> Frame:
        return self.home or self

    @property
    def name(self) -> str:
        return self.fn.name.value if self.fn is not None else "module"


@dataclass(eq=False)
class Tensor:
    """A symbolic tensor: the op that produced it (None for a graph input) and its main input."""

    op: Op | None
    prev: Tensor | None
    frame: Frame
    channels: int | None = None  # size of the last dimension, when known: the next layer's fan-in

    def chain(self) -> list[Op]:
        ops: list[Op] = []
        seen: set[int] = set()
        t: Tensor | None = self
        while t is not None and id(t) not in seen:
            seen.add(id(t))
            if t.op is not None:
                ops.append(t.op)
            t = t.prev
        return ops[::-1]


@dataclass
class _Weight:
    init: Init | None
    site: Origin
    fan_in: int | None
    fan_out: int | None


class TF1Lowering:
    def __init__(self, ctx: SourceContext, facts: ModuleFacts) -> None:
        self.ctx = ctx
        self.facts = facts
        self.t = tables()
        self.functions: dict[str, cst.FunctionDef] = {}  # module-level functions by name
        self.frames: dict[cst.FunctionDef | None, Frame] = {}  # standalone evaluations
        self.in_progress: set[cst.FunctionDef | None] = set()
        self.class_env: dict[tuple[cst.ClassDef, str], Tensor | None] = {}
        self.absorbed: set[int] = set()  # ids of standalone frames of helpers evaluated inline
        self.loss_uses: list[tuple[Loss, list[Tensor]]] = []
        self.tuple_returns: dict[cst.Call, list[Tensor | None]] = {}  # helper calls returning a tuple
        self._call_counts: dict[str, int] | None = None
        self._call_index: list[tuple[tuple[int, int], tuple[int, int], cst.Call]] | None = None
        self._call_starts: list[tuple[int, int]] = []

    # ---------------------------------------------------------------- entry

    def run(self) -> None:
        for stmt in self.ctx.module.body:
            if isinstance(stmt, cst.FunctionDef):
                self.functions[stmt.name.value] = stmt
        self._standalone(None)
        for node in [n for n in self.ctx.parents if isinstance(n, cst.FunctionDef)]:
            self._standalone(node)
        self._emit()

    def _standalone(self, fn: cst.FunctionDef | None) -> Frame | None:
        if fn in self.frames:
            return self.frames[fn]
        if fn in self.in_progress:
            return None
        self.in_progress.add(fn)
        cls = self.ctx.enclosing(fn, cst.ClassDef) if fn is not None else None
        frame = Frame(fn=fn, cls=cls if isinstance(cls, cst.ClassDef) else None)
        self._run_body(frame, fn.body.body if fn is not None else self.ctx.module.body)
        self.in_progress.discard(fn)
        self.frames[fn] = frame
        return frame

    # ---------------------------------------------------------------- statements

    def _run_body(self, frame: Frame, body) -> None:
        for stmt in body:
            self._run_stmt(frame, stmt)

    def _run_stmt(self, frame: Frame, stmt: cst.CSTNode) -> None:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            return
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self._run_small(frame, small)
            return
        if isinstance(stmt, cst.If):
            self._eval_calls(frame, stmt.test)
            self._run_body(frame, stmt.body.body)
            if stmt.orelse is not None:
                self._run_stmt(frame, stmt.orelse)
        elif isinstance(stmt, cst.Else):
            self._run_body(frame, stmt.body.body)
        elif isinstance(stmt, (cst.For, cst.While)):
            self._eval_calls(frame, stmt.iter if isinstance(stmt, cst.For) else stmt.test)
            self._run_body(frame, stmt.body.body)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                self._eval_calls(frame, item.item)
            self._run_body(frame, stmt.body.body)
        elif isinstance(stmt, cst.Try):
            self._run_body(frame, stmt.body.body)
            for handler in stmt.handlers:
                self._run_body(frame, handler.body.body)
            if stmt.orelse is not None:
                self._run_body(frame, stmt.orelse.body.body)
            if stmt.finalbody is not None:
                self._run_body(frame, stmt.finalbody.body.body)
        elif isinstance(stmt, cst.BaseCompoundStatement) and isinstance(getattr(stmt, "body", None), cst.BaseSuite):
            self._run_body(frame, stmt.body.body)

    def _run_small(self, frame: Frame, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign):
            self._eval_calls(frame, small.value)
            value = self._tensor(frame, small.value)
            items = self._items(frame, small.value)
            for target in small.targets:
                if isinstance(target.target, (cst.Tuple, cst.List)) and items is not None:
                    for el, item in zip(target.target.elements, items, strict=False):
                        self._bind(frame, el.value, item)
                else:
                    self._bind(frame, target.target, value)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._eval_calls(frame, small.value)
            self._bind(frame, small.target, self._tensor(frame, small.value))
        elif isinstance(small, cst.Return) and small.value is not None:
            self._eval_calls(frame, small.value)
            items = self._items(frame, small.value)
            if items is not None:
                frame.returned_items = items
                returned = next((t for t in items if t is not None), None)
            else:
                returned = self._tensor(frame, small.value)
            if returned is not None:
                frame.returned = returned
        elif isinstance(small, cst.Expr):
            self._eval_calls(frame, small.value)

    def _items(self, frame: Frame, expr: cst.BaseExpression) -> list[Tensor | None] | None:
        """The tensors of a tuple: a literal `(a, b)` or a helper call that returns one."""
        if isinstance(expr, (cst.Tuple, cst.List)):
            return [self._tensor(frame, el.value) for el in expr.elements]
        if isinstance(expr, cst.Call):
            return self.tuple_returns.get(expr)
        return None

    def _bind(self, frame: Frame, target: cst.BaseExpression, value: Tensor | None) -> None:
        if isinstance(target, cst.Name):
            frame.env[target.value] = value
            return
        attr = is_self_attr(target)
        if attr is not None:
            frame.env["self." + attr] = value
            if frame.cls is not None and value is not None:
                self.class_env[(frame.cls, attr)] = value

    def _eval_calls(self, frame: Frame, expr: cst.CSTNode) -> None:
        """Evaluate every call of an expression in evaluation order (arguments first)."""
        for call in self._calls_in(expr):
            if call not in frame.memo:
                frame.memo[call] = self._call(frame, call)

    def _all_calls(self) -> list[cst.Call]:
        """Every call of the file, in source order (indexed once by start position)."""
        if self._call_index is None:
            spans = [(self.ctx.positions[n], n) for n in self.ctx.parents if isinstance(n, cst.Call)]
            self._call_index = sorted((((p.start.line, p.start.column), (p.end.line, p.end.column), c)
                                       for p, c in spans), key=lambda e: e[0])
            self._call_starts = [e[0] for e in self._call_index]
        return [c for _, _, c in self._call_index]

    def _calls_in(self, expr: cst.CSTNode) -> list[cst.Call]:
        """The calls of an expression in evaluation order: a call ends after its receiver and arguments,
        so sorting by end position is post-order (libcst's `children` is too slow to walk per statement)."""
        self._all_calls()
        pos = self.ctx.positions[expr]
        lo, hi = (pos.start.line, pos.start.column), (pos.end.line, pos.end.column)
        out = []
        for start, end, call in self._call_index[bisect.bisect_left(self._call_starts, lo):]:
            if start > hi:
                break
            if end <= hi:
                out.append((end, call))
        out.sort(key=lambda e: e[0])
        return [c for _, c in out]

    # ---------------------------------------------------------------- expressions to tensors

    def _tensor(self, frame: Frame, expr: cst.BaseExpression | None, steps: int = 0) -> Tensor | None:
        if expr is None or steps > _MAX_STEPS:
            return None
        if isinstance(expr, cst.Call):
            if expr not in frame.memo:
                frame.memo[expr] = self._call(frame, expr)
            return frame.memo[expr]
        if isinstance(expr, cst.Name):
            if expr.value in frame.env:
                return frame.env[expr.value]
            if expr.value in frame.params:
                arg, caller = frame.params[expr.value]
                return self._tensor(caller, arg, steps + 1)
            return self._outer_tensor(frame, expr, steps)
        attr = is_self_attr(expr)
        if attr is not None:
            key = "self." + attr
            if key in frame.env:
                return frame.env[key]
            if frame.cls is not None and (frame.cls, attr) in self.class_env:
                return self.class_env[(frame.cls, attr)]
            return self._outer_tensor(frame, expr, steps)
        if isinstance(expr, cst.BinaryOperation):
            return self._binop(frame, expr, steps)
        return None

    def _outer_tensor(self, frame: Frame, expr: cst.BaseExpression, steps: int) -> Tensor | None:
        """A name assigned outside this frame (module level, another method): its defining call."""
        value = self.ctx.resolve(expr)
        if not isinstance(value, cst.Call):
            return None
        owner_fn = self.ctx.enclosing(value, cst.FunctionDef)
        owner = self._standalone(owner_fn) if owner_fn is not frame.fn else frame
        if owner is None:
            return None
        if value in owner.memo:
            return owner.memo[value]
        if self._is_placeholder(value):
            return self._placeholder(owner, value)
        return None

    def _binop(self, frame: Frame, expr: cst.BinaryOperation, steps: int) -> Tensor | None:
        left = self._tensor(frame, expr.left, steps + 1)
        right = self._tensor(frame, expr.right, steps + 1)
        if isinstance(expr.operator, (cst.Add, cst.Subtract)):
            # x W + b: the bias is a variable, not a tensor of the forward path
            return left or right
        if isinstance(expr.operator, (cst.Multiply, cst.Divide)):
            other = expr.right if left is not None else expr.left
            base = left or right
            if base is not None and _is_num(self.ctx.const(other)):
                # x / 255., 2.0 * y: a constant rescaling keeps the path and scales the signal
                return self._new(frame, Op("scale", self.ctx.text(expr), self.ctx.origin(expr)), base, base.channels)
            return base
        return None

    # ---------------------------------------------------------------- calls

    def _call(self, frame: Frame, call: cst.Call) -> Tensor | None:
        ctx = self.ctx
        q = ctx.call_qname(call)
        if q is None:
            return self._local_call(frame, call)
        if q in self.t.activations:
            return self._activation(frame, call, self.t.activations[q])
        spec = self.t.layers.get(q)
        if spec is not None and spec.input_arg is not None and q.startswith(_ROOTS):
            return self._layer(frame, call, spec, ctx.arg(call, spec.input_arg), call)
        if q in K.AFFINE_OPS:
            return self._affine(frame, call, q)
        if q in K.BIAS_ADDS:
            for ref in K.BIAS_ADDS[q]:
                t = self._tensor(frame, ctx.arg(call, ref))
                if t is not None:
                    return t
            return None
        if q in K.PLACEHOLDERS:
            return self._placeholder(frame, call)
        if q.startswith("tensorflow.") and q not in self.t.losses and q not in K.REDUCERS and call.args:
            # any other tf op on a tracked tensor (gather, concat, squeeze...): on the path, but opaque
            base = self._tensor(frame, call.args[0].value)
            if base is not None:
                return self._new(frame, Op("other", ctx.text(call), ctx.origin(call)), base, None)
        return None

    def _local_call(self, frame: Frame, call: cst.Call) -> Tensor | None:
        """`h_d(x)` on a tf.layers.Dense object, or a call to a helper function of this file."""
        ctx = self.ctx
        target = ctx.resolve(call.func)
        if isinstance(target, cst.Call):  # tf.layers.Dense(4)(x) or h_d = tf.layers.Dense(4); h_d(x)
            q = ctx.call_qname(target)
            spec = self.t.layers.get(q) if q else None
            if spec is not None and spec.input_arg is None and q.startswith("tensorflow."):
                return self._layer(frame, target, spec, call.args[0].value if call.args else None, call)
            return None
        fn = self._helper(frame, call.func)
        if fn is None:
            return None
        args = self._bind_params(fn, call, frame)
        if any(self._tensor(frame, expr) is not None for expr, _ in args.values()):
            if frame.depth >= _MAX_INLINE:
                return None
            # a helper building layers on its arguments: evaluate it inline, as part of this network
            inner = Frame(fn=fn, cls=frame.cls, home=frame.root, params=args, depth=frame.depth + 1,
                          call_site=ctx.origin(call) if self._calls_to(fn) > 1 else frame.call_site)
            self._run_body(inner, fn.body.body)
            standalone = self._standalone(fn)
            if standalone is not None:
                self.absorbed.add(id(standalone))
            if inner.returned_items is not None:
                self.tuple_returns[call] = inner.returned_items
            return inner.returned
        # a builder (`self._create_nn()`): its own network; the caller sees its output tensor
        builder = self._standalone(fn)
        if builder is not None and builder.returned_items is not None:
            self.tuple_returns[call] = builder.returned_items
        return builder.returned if builder is not None else None

    def _calls_to(self, fn: cst.FunctionDef) -> int:
        """How often a helper is called in this file: a layer factory is called once per layer."""
        if self._call_counts is None:
            self._call_counts = {}
            for call in self._all_calls():
                name = call.func.value if isinstance(call.func, cst.Name) else is_self_attr(call.func)
                if name:
                    self._call_counts[name] = self._call_counts.get(name, 0) + 1
        return self._call_counts.get(fn.name.value, 0)

    def _helper(self, frame: Frame, func: cst.BaseExpression) -> cst.FunctionDef | None:
        if isinstance(func, cst.Name):
            return self.functions.get(func.value)
        attr = is_self_attr(func)
        if attr is not None and frame.cls is not None:
            for stmt in frame.cls.body.body:
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value == attr:
                    return stmt
        return None

    def _bind_params(self, fn: cst.FunctionDef, call: cst.Call, frame: Frame) -> dict[str, tuple[cst.BaseExpression, Frame]]:
        params = list(fn.params.posonly_params) + list(fn.params.params)
        if params and params[0].name.value in ("self", "cls") and not isinstance(call.func, cst.Name):
            params = params[1:]
        out: dict[str, tuple[cst.BaseExpression, Frame]] = {}
        positional = [a for a in call.args if a.keyword is None and not a.star]
        for p, a in zip(params, positional, strict=False):
            out[p.name.value] = (a.value, frame)
        by_name = {p.name.value for p in list(fn.params.params) + list(fn.params.kwonly_params)}
        for a in call.args:
            if a.keyword is not None and a.keyword.value in by_name:
                out[a.keyword.value] = (a.value, frame)
        return out

    def _new(self, frame: Frame, op: Op | None, prev: Tensor | None, channels: int | None) -> Tensor:
        if op is not None and frame.call_site is not None:
            # a layer built inside a helper is reported where the helper is called: each call is a layer
            if op.init_site is not None and frame.fn is not None and _within(op.init_site, self.ctx.origin(frame.fn)):
                op.init_site = frame.call_site  # a weight created inside the factory: one per call
            op.origin = frame.call_site
            if op.activation is not None:
                op.activation = Activation(op.activation.kind, op.activation.display, frame.call_site)
        tensor = Tensor(op=op, prev=prev, frame=frame, channels=channels)
        frame.root.tensors.append(tensor)
        return tensor

    def _activation(self, frame: Frame, call: cst.Call, kind: str) -> Tensor | None:
        ctx = self.ctx
        arg = call.args[0].value if call.args else None
        for a in call.args:
            if a.keyword is not None and a.keyword.value in ("features", "x", "logits", "input"):
                arg = a.value
        base = self._tensor(frame, arg)
        origin = ctx.origin(call)
        op = Op("activation", ctx.text(call), origin, activation=Activation(kind, ctx.text(call), origin))
        return self._new(frame, op, base, base.channels if base else None)

    def _layer(self, frame: Frame, ctor: cst.Call, spec: LayerSpec, input_expr: cst.BaseExpression | None,
               applied: cst.Call) -> Tensor:
        """tf.layers.dense(x, ...) (ctor is applied) or tf.layers.Dense(...)(x)."""
        ctx = self.ctx
        base = self._tensor(frame, input_expr)
        op = op_from_layer_call(ctx, ctor, spec, name=_assigned_name(ctx, applied))
        channels = base.channels if base is not None else None
        if frame.params and spec.kind == "affine":
            # inside a helper: activation=act / kernel_initializer=init are the caller's arguments
            act_expr, act_value = self._param_value(frame, ctx.arg(ctor, spec.activation))
            if act_value is not None:
                op.activation = activation_from_expr(ctx, act_value)
            _, init_value = self._param_value(frame, ctx.arg(ctor, spec.kernel_init))
            if init_value is not None:
                op.weight_init = init_from_expr(ctx, init_value)
        if spec.kind == "affine":
            units = self._int(frame, ctx.arg(ctor, spec.fan_out))
            vol = kernel_volume(self._const(frame, ctx.arg(ctor, spec.kernel_size)), spec.spatial_dims) \
                if spec.kernel_size is not None else 1
            op.fan_in = channels * vol if channels and vol else None
            op.fan_out = units * vol if units and vol else None
            if op.weight_init is None and ctx.arg(ctor, spec.kernel_init) is None:
                op.weight_init = default_init("tf1", "default glorot_uniform")
            channels = units
        elif spec.kind == "shape":
            channels = self._shape_channels(frame, ctor, channels)
        return self._new(frame, op, base, channels)

    def _param_value(self, frame: Frame, expr: cst.BaseExpression | None) -> tuple[cst.BaseExpression | None,
                                                                                  cst.BaseExpression | None]:
        """(expr, the caller's argument for it) when expr is a bound helper parameter, else (expr, None)."""
        if isinstance(expr, cst.Name) and expr.value in frame.params:
            value, _ = self._value(frame, expr)
            return expr, value
        return expr, None

    def _shape_channels(self, frame: Frame, call: cst.Call, channels: int | None) -> int | None:
        """Pooling keeps the channel count; a reshape to a constant shape sets it; anything else loses it."""
        q = self.ctx.call_qname(call) or ""
        if q in K.RESHAPES:
            shape = self._const(frame, self.ctx.arg(call, K.RESHAPES[q]))
            last = shape[-1] if isinstance(shape, tuple) and shape else None
            return int(last) if _is_num(last) and last > 0 else None
        return channels if "pool" in q.rsplit(".", 1)[-1] else None

    def _affine(self, frame: Frame, call: cst.Call, q: str) -> Tensor | None:
        ctx = self.ctx
        input_ref, weight_refs = K.AFFINE_OPS[q]
        x_expr = ctx.arg(call, input_ref)
        w_expr = next((ctx.arg(call, r) for r in weight_refs if ctx.arg(call, r) is not None), None)
        base = self._tensor(frame, x_expr)
        weight = self._weight(frame, w_expr)
        transposed = False
        if weight is None and base is None and q.endswith("matmul"):  # tf.matmul(W, x)
            weight, base, transposed = self._weight(frame, x_expr), self._tensor(frame, w_expr), True
        if weight is None:
            # a product of two activations (attention) or of an unknown weight: on the path, opaque
            return self._new(frame, Op("other", ctx.text(call), ctx.origin(call)), base, None) if base else None
        op = Op("affine", ctx.text(call), ctx.origin(call), name=_assigned_name(ctx, call),
                weight_init=weight.init, init_site=weight.site)
        op.fan_in, op.fan_out = (weight.fan_out, weight.fan_in) if transposed else (weight.fan_in, weight.fan_out)
        return self._new(frame, op, base, op.fan_out)

    # ---------------------------------------------------------------- weights

    def _weight(self, frame: Frame, expr: cst.BaseExpression | None) -> _Weight | None:
        """What a weight expression was created with: W, weights['h1'], self.W, weight_variable([..])."""
        value, vframe = self._value(frame, expr)
        if isinstance(value, cst.Subscript):  # weights['h1'] with weights = {'h1': tf.Variable(...)}
            value, vframe = self._subscript(vframe, value)
        if not isinstance(value, cst.Call):
            return None
        q = self.ctx.call_qname(value)
        if q in K.VARIABLE_FACTORIES:
            return self._variable(vframe, value, q)
        fn = self._helper(vframe, value.func) if q is None else None
        if fn is not None and vframe.depth < _MAX_INLINE:  # weight_variable([5, 5, 1, 32])
            inner = Frame(fn=fn, cls=vframe.cls, home=vframe.root, params=self._bind_params(fn, value, vframe),
                          depth=vframe.depth + 1)
            ret = _return_value(fn)
            weight = self._weight(inner, ret) if ret is not None else None
            if weight is not None:
                # the line that chose this layer's shape and init is the helper call, not the helper body
                weight.site = self.ctx.origin(value)
            return weight
        return None

    def _variable(self, frame: Frame, call: cst.Call, q: str) -> _Weight:
        ctx = self.ctx
        init_ref, shape_ref = K.VARIABLE_FACTORIES[q]
        shape = self._const(frame, ctx.arg(call, shape_ref)) if shape_ref is not None else UNKNOWN
        init_expr, iframe = self._value(frame, ctx.arg(call, init_ref))
        init: Init | None = None
        if isinstance(init_expr, cst.Call):
            spec = self.t.initializers.get(ctx.call_qname(init_expr) or "")
            if spec is not None:
                init = self._init(iframe, spec, init_expr)
                if spec.shape is not None and shape is UNKNOWN:
                    shape = self._const(iframe, ctx.arg(init_expr, spec.shape))
            else:
                init = init_from_expr(ctx, init_expr)
        elif init_expr is not None:
            init = init_from_expr(ctx, init_expr)
        elif q == "tensorflow.get_variable":
            spec = K.VARIABLE_DEFAULT_INIT
            init = init_from_spec(ctx, spec, None, "default glorot_uniform", None)
            init.mean = 0.0
        fan_in = fan_out = None
        if isinstance(shape, tuple) and shape and all(_is_num(d) for d in shape):
            fan_out = int(shape[-1])
            fan_in = int(math.prod(int(d) for d in shape[:-1])) if len(shape) > 1 else None
        return _Weight(init, ctx.origin(call), fan_in, fan_out)

    def _init(self, frame: Frame, spec: InitSpec, call: cst.Call) -> Init:
        """init_from_spec, with arguments that are helper parameters (stddev=std) resolved first."""
        init = init_from_spec(self.ctx, spec, call, self.ctx.text(call), self.ctx.origin(call))
        if frame.params:
            for attr, ref in (("mean", spec.mean), ("std", spec.std)):
                expr = self.ctx.arg(call, ref) if ref is not None else None
                if expr is not None and getattr(init, attr) is None:
                    v = self._const(frame, expr)
                    if _is_num(v):
                        setattr(init, attr, float(v))
        return init

    def _subscript(self, frame: Frame, sub: cst.Subscript) -> tuple[cst.BaseExpression | None, Frame]:
        container, cframe = self._value(frame, sub.value)
        if not isinstance(container, cst.Dict) or len(sub.slice) != 1 or not isinstance(sub.slice[0].slice, cst.Index):
            return None, frame
        key = self._const(frame, sub.slice[0].slice.value)
        for el in container.elements:
            if isinstance(el, cst.DictElement) and self._const(cframe, el.key) == key:
                return self._value(cframe, el.value)
        return None, frame

    # ---------------------------------------------------------------- values across helper parameters

    def _value(self, frame: Frame, expr: cst.BaseExpression | None) -> tuple[cst.BaseExpression | None, Frame]:
        """Follow an expression to the value it stands for, through the caller's arguments when it is a
        parameter of an inlined helper, else through the file's assignments (`ctx.resolve`)."""
        for _ in range(_MAX_STEPS):
            if isinstance(expr, cst.Name) and expr.value in frame.params and expr.value not in frame.env:
                expr, frame = frame.params[expr.value]
                continue
            resolved = self.ctx.resolve(expr)
            if resolved is expr or resolved is None:
                return expr, frame
            expr = resolved
            if not (isinstance(expr, cst.Name) and expr.value in frame.params):
                return expr, frame
        return expr, frame

    def _const(self, frame: Frame, expr: cst.BaseExpression | None) -> object:
        if expr is None:
            return UNKNOWN
        if isinstance(expr, cst.Name) and expr.value in frame.params:
            arg, caller = frame.params[expr.value]
            return self._const(caller, arg)
        if frame.params and isinstance(expr, (cst.List, cst.Tuple)):
            values = [self._const(frame, e.value) for e in expr.elements]
            return UNKNOWN if any(v is UNKNOWN for v in values) else tuple(values)
        if frame.params and isinstance(expr, cst.BinaryOperation):
            a, b = self._const(frame, expr.left), self._const(frame, expr.right)
            if _is_num(a) and _is_num(b) and isinstance(expr.operator, (cst.Multiply, cst.Add, cst.Subtract)):
                return {cst.Multiply: a * b, cst.Add: a + b, cst.Subtract: a - b}[type(expr.operator)]
            return UNKNOWN
        value = self.ctx.const(expr)
        if value is UNKNOWN and is_self_attr(expr) is None and isinstance(expr, cst.Name):
            resolved, rframe = self._value(frame, expr)
            if resolved is not expr and rframe is not frame:
                return self._const(rframe, resolved)
        return value

    def _int(self, frame: Frame, expr: cst.BaseExpression | None) -> int | None:
        v = self._const(frame, expr)
        return int(v) if _is_num(v) and float(v).is_integer() else None

    # ---------------------------------------------------------------- placeholders

    def _is_placeholder(self, call: cst.Call) -> bool:
        return self.ctx.call_qname(call) in K.PLACEHOLDERS

    def _placeholder(self, frame: Frame, call: cst.Call) -> Tensor:
        if call in frame.memo and frame.memo[call] is not None:
            return frame.memo[call]
        shape = self._const(frame, self.ctx.arg(call, K.PLACEHOLDERS[self.ctx.call_qname(call)]))
        channels = int(shape[-1]) if isinstance(shape, tuple) and shape and _is_num(shape[-1]) else None
        tensor = Tensor(op=None, prev=None, frame=frame, channels=channels)
        frame.memo[call] = tensor
        return tensor

    # ---------------------------------------------------------------- losses and networks

    def _losses(self) -> None:
        """Every loss call with the tensors it reads, evaluated in the frame where it is written."""
        for node in self._all_calls():
            q = self.ctx.call_qname(node)
            if q is None or not q.startswith(_ROOTS):
                continue
            loss: Loss | None = None
            operands: list[cst.BaseExpression] = []
            if q in L.ESTIMATORS:  # tflearn: regression(net, loss="mean_square") is the loss on net
                incoming, loss_arg = L.ESTIMATORS[q]
                expr = self.ctx.arg(node, loss_arg)
                name = self.ctx.const(expr) if expr is not None else loss_arg.default
                kind = L.LOSS_STRINGS.get(name) if isinstance(name, str) else None
                if kind is None or (net := self.ctx.arg(node, incoming)) is None:
                    continue
                loss = Loss(kind, self.ctx.text(node), self.ctx.origin(node))
                operands = [net]
            elif q in K.LOG_LOSSES:
                if not node.args or not self._inside_reduction(node) or not _multiplied(self.ctx, node):
                    continue
                loss = Loss(K.LOG_LOSSES[q], self.ctx.text(self._statement_value(node)), self.ctx.origin(node))
                operands = [node.args[0].value]
            elif q in K.DIFFERENCE_LOSSES:
                kind, needs_reduce = K.DIFFERENCE_LOSSES[q]
                diff = _difference(node.args[0].value) if node.args else None
                if diff is None or (needs_reduce and not self._inside_reduction(node)):
                    continue
                loss = Loss(kind, self.ctx.text(node), self.ctx.origin(node))
                operands = [diff.left, diff.right]
            elif q in self.t.losses:
                loss = loss_from_call(self.ctx, node, q)
                operands = [e for ref in K.LOSS_TENSOR_ARGS if (e := self.ctx.arg(node, ref)) is not None]
                for e in list(operands):
                    diff = _difference(e)
                    if diff is not None:
                        operands += [diff.left, diff.right]
            if loss is None:
                continue
            frame = self._frame_of(node)
            tensors = [t for e in operands if frame is not None and (t := self._tensor(frame, e)) is not None]
            self.loss_uses.append((loss, tensors))

    def _statement_value(self, node: cst.CSTNode) -> cst.CSTNode:
        """The outermost expression around node within its statement (the whole hand-written loss)."""
        top = node
        for anc in self.ctx.ancestors(node):
            if isinstance(anc, (cst.BaseStatement, cst.BaseSmallStatement)):
                break
            if isinstance(anc, cst.BaseExpression):
                top = anc
        return top

    def _inside_reduction(self, node: cst.CSTNode) -> bool:
        for anc in self.ctx.ancestors(node):
            if isinstance(anc, (cst.BaseStatement, cst.BaseSmallStatement)):
                return False
            if isinstance(anc, cst.Call) and self.ctx.call_qname(anc) in K.REDUCERS:
                return True
        return False

    def _frame_of(self, node: cst.CSTNode) -> Frame | None:
        return self._standalone(self.ctx.enclosing(node, cst.FunctionDef))

    def _emit(self) -> None:
        """One network per output: first each loss's input, then each frame's returned tensor and sinks.

        Networks never share ops: a softmax or argmax applied to a loss's logits elsewhere, or a
        builder's output extended by a caller, is part of a network already taken.
        """
        self._losses()
        all_tensors = [t for frame in self.frames.values() for t in frame.tensors]
        used = {id(t.prev) for t in all_tensors if t.prev is not None}
        feeds_affine: set[int] = set()
        for t in all_tensors:
            if t.op is not None and t.op.kind == "affine":
                p = t.prev
                while p is not None and id(p) not in feeds_affine:
                    feeds_affine.add(id(p))
                    p = p.prev
        taken: set[int] = set()
        outputs: dict[int, Network] = {}  # id(output tensor) -> network
        named: dict[str, int] = {}

        def add(out: Tensor, frame: Frame) -> None:
            ops = out.chain()
            if not any(op.kind == "affine" for op in ops) or any(id(op) in taken for op in ops):
                return
            taken.update(id(op) for op in ops)
            # named after the function that built the output layer (a model function inlined at
            # module level is still `deepnn`)
            maker = out.frame if out.frame.fn is not None else frame
            named[maker.name] = named.get(maker.name, 0) + 1
            count = named[maker.name]
            origin = self.ctx.origin(maker.fn.name) if maker.fn is not None else ops[0].origin
            net = Network(name=maker.name if count == 1 else f"{maker.name}.{count}", framework="tf1",
                          origin=origin, ops=ops)
            outputs[id(out)] = net
            self.facts.networks.append(net)

        for _, tensors in self.loss_uses:
            for t in tensors:
                add(t, t.frame.root)
        for frame in self.frames.values():
            if id(frame) in self.absorbed:
                continue
            if frame.returned is not None and id(frame.returned) not in feeds_affine:
                add(frame.returned, frame)
            sinks = [t for t in frame.tensors if id(t) not in used]
            # deepest first; at equal depth the shortest path (logits before softmax(logits))
            sinks.sort(key=lambda t: (-sum(op.kind == "affine" for op in t.chain()), len(t.chain())))
            for t in sinks:
                add(t, frame)
        for loss, tensors in self.loss_uses:
            bound = next((outputs[id(t)] for t in tensors if id(t) in outputs), None)
            if bound is not None and bound.loss is None:
                bound.loss = loss
            elif bound is None:
                self.facts.losses.append(loss)


# ------------------------------------------------------------------------------------ helpers


_ROOTS = ("tensorflow.", "tflearn.")  # graph-building libraries this frontend follows

def _multiplied(ctx: SourceContext, node: cst.CSTNode) -> bool:
    """`labels * tf.log(p)`: the log is a factor of a product (not a log-likelihood written otherwise)."""
    for anc in ctx.ancestors(node):
        if isinstance(anc, cst.BinaryOperation) and isinstance(anc.operator, cst.Multiply):
            return True
        if not isinstance(anc, (cst.BinaryOperation, cst.UnaryOperation)):
            return False
    return False


def _within(inner: Origin, outer: Origin) -> bool:
    return outer.line <= inner.line <= (outer.end_line or outer.line)


def _difference(expr: cst.BaseExpression) -> cst.BinaryOperation | None:
    return expr if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Subtract) else None


def _return_value(fn: cst.FunctionDef) -> cst.BaseExpression | None:
    for stmt in fn.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Return):
                    return small.value
    return None


def _assigned_name(ctx: SourceContext, call: cst.CSTNode) -> str | None:
    parent = ctx.parent(call)
    if isinstance(parent, cst.Assign) and isinstance(parent.targets[0].target, cst.Name):
        return parent.targets[0].target.value
    return None


def lower(ctx: SourceContext, facts: ModuleFacts) -> None:
    TF1Lowering(ctx, facts).run()


"""Keras / tf.keras frontend: Sequential (list and `.add`), the functional API, subclassed Models,
`compile(loss=...)` and stand-alone loss objects.

Keras never names a layer's fan-in, so it is inferred by carrying the (batch-less) input shape
through the layers: `input_shape=` / `input_dim=` / `Input(shape=...)`, then each Dense's `units`,
each Conv's `filters` and spatial arithmetic, Flatten's product. Whatever cannot be followed
statically becomes unknown (None), which keeps the rules silent rather than wrong.

The functional API is a graph: the network is found by walking back from `Model(..., outputs)`
through the variables that feed it, and its ops are listed in evaluation order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import libcst as cst

from relulint.ir import Activation, ModuleFacts, Network, Op
from relulint.knowledge import Arg, LayerSpec, tables
from relulint.knowledge import keras as K
from relulint.source.common import UNKNOWN, SourceContext, _is_num, is_self_attr, walk
from relulint.source.lowering import loss_from_call, loss_from_expr, op_from_layer_call
from relulint.source.subclass import activation_op, class_networks, composed_ops, find_method

Shape = tuple | None  # batch-less dims (int or None); a leading Ellipsis means "unknown leading dims"
_MAX_INLINE = 4
_MAX_GRAPH_DEPTH = 200


@dataclass
class _Node:
    """A tensor in a functional graph: the ops that produced it from its inputs."""

    expr: cst.CSTNode
    ops: list[Op] = field(default_factory=list)
    inputs: list[_Node] = field(default_factory=list)
    shape: Shape = None
    rule: tuple | None = None  # merge rule (add / concat) when the node merges several inputs
    done: bool = False  # shape propagated


class KerasLowering:
    def __init__(self, ctx: SourceContext, facts: ModuleFacts) -> None:
        self.ctx = ctx
        self.facts = facts
        self.t = tables()
        self.classes: dict[str, cst.ClassDef] = {}
        self.model_classes: set[str] = set()
        self.class_networks: dict[str, Network] = {}
        self.claimed: set[cst.Call] = set()  # Sequential calls inlined into another network
        self.op_calls: dict[int, tuple[cst.Call, str]] = {}  # id(op) -> (layer call, qname): shapes
        self.adds: dict[cst.Call, list[cst.Call]] = {}  # Sequential() call -> its model.add(...) calls
        self.by_call: dict[cst.Call, Network] = {}  # construction call -> network
        self.by_function: dict[str, Network] = {}  # def build_model(): ... return model
        self.loss_calls: set[cst.Call] = set()  # loss objects bound by compile()
        self._functions: dict[str, cst.FunctionDef] = {}  # module-level helpers the functional walk inlines
        self._frames: dict[int, dict[str, tuple[cst.BaseExpression, int]]] = {}
        self._op_frames: dict[int, int] = {}  # id(op) -> the inlined helper call it was built in
        self.calls: list[cst.Call] = []
        self.classdefs: list[cst.ClassDef] = []
        self.assigns: list[cst.Assign] = []

    # ---------------------------------------------------------------- entry

    def run(self) -> None:
        for stmt in self.ctx.module.body:
            if isinstance(stmt, cst.FunctionDef):
                self._functions[stmt.name.value] = stmt
        # one walk (libcst's `children` is costly): every later pass reads these lists
        for node in walk(self.ctx.module):
            if isinstance(node, cst.Call):
                self.calls.append(node)
            elif isinstance(node, cst.ClassDef):
                self.classdefs.append(node)
            elif isinstance(node, cst.Assign):
                self.assigns.append(node)
        self._find_classes()
        self._index_adds()
        self.class_networks, models = class_networks(
            self.ctx, self.classes, self.model_classes, "keras", lambda cls: self._class_ops(cls, depth=0, prefix=""))
        self.facts.networks.extend(models)
        self._functional_models()
        self._sequentials()
        self._compile()
        self._standalone_losses()

    # ---------------------------------------------------------------- classes

    def _find_classes(self) -> None:
        for node in self.classdefs:
            self.classes.setdefault(node.name.value, node)
        for name, cls in list(self.classes.items()):
            kind = self._class_kind(cls)
            if kind is None:
                del self.classes[name]
            elif kind == "model":
                self.model_classes.add(name)

    def _class_kind(self, cls: cst.ClassDef, seen: int = 0) -> str | None:
        """'model' for keras.Model subclasses, 'layer' for keras.layers.Layer ones, else None."""
        for base in cls.bases:
            q = self.ctx.qname(base.value)
            if q in K.MODEL_BASES:
                return "model"
            if q in K.LAYER_BASES:
                return "layer"
            if isinstance(base.value, cst.Name) and seen < 3:
                local = self._find_class(base.value.value)
                if local is not None and local is not cls:
                    kind = self._class_kind(local, seen + 1)
                    if kind:
                        return kind
        return None

    def _find_class(self, name: str) -> cst.ClassDef | None:
        for node in self.classdefs:
            if node.name.value == name:
                return node
        return None

    def _method(self, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        return find_method(cls, name, self._find_class)

    def _class_ops(self, cls: cst.ClassDef, depth: int, prefix: str) -> list[Op]:
        attrs: dict[str, list[Op]] = {}
        for attr, values in self.ctx.self_attrs(cls).items():
            ops = self._layer_ops(values[-1], depth, prefix + attr)
            if ops is not None:
                attrs[attr] = ops
        call = self._method(cls, "call")
        if call is None:  # a container of layers: declaration order
            ops = [op for attr_ops in attrs.values() for op in attr_ops]
        else:
            ops = self._call_ops(call, attrs)
        self._infer_fans(ops, None)
        return ops

    def _call_ops(self, fn: cst.FunctionDef, attrs: dict[str, list[Op]]) -> list[Op]:
        """The ops call() applies, in evaluation order (like torch's forward)."""
        return composed_ops(self.ctx, fn, attrs, self._call_site_ops, copy=self._copy)

    def _call_site_ops(self, call: cst.Call) -> list[Op]:
        """Calls in call() that are not attribute layers: activations and layers applied inline."""
        ctx = self.ctx
        func = call.func
        if isinstance(func, cst.Call):  # layers.Dense(4)(x) inside call(): the constructor was the op
            return []
        q = ctx.call_qname(call)
        if q is None:
            return []
        kind = self.t.activations.get(q)
        if kind:
            return [self._activation_op(kind, ctx.text(call), call)]
        spec = self.t.layers.get(q)
        if spec is not None and q.startswith("keras."):
            return [self._op(call, q, spec, None)]
        return []

    # ---------------------------------------------------------------- layer objects

    def _layer_ops(self, expr: cst.BaseExpression | None, depth: int, name: str | None) -> list[Op] | None:
        """The ops a layer-valued expression stands for: a layer, a Sequential, a local Layer/Model
        class, a list of those, or an activation function used as a layer. None when unknown."""
        if expr is None:
            return None
        value = self.ctx.resolve(expr)
        if isinstance(value, (cst.List, cst.Tuple)):
            ops: list[Op] = []
            for i, el in enumerate(value.elements):
                ops.extend(self._layer_ops(el.value, depth, f"{name}.{i}" if name else str(i)) or [])
            return ops
        if isinstance(value, cst.ListComp):  # [Dense(64) for _ in range(n)]: one representative
            return self._layer_ops(value.elt, depth, name)
        if isinstance(value, (cst.Name, cst.Attribute)):
            q = self.ctx.qname(value)
            kind = self.t.activations.get(q) if q else None
            if kind:
                return [Op("activation", self.ctx.text(value), self.ctx.origin(value), name=name,
                           activation=Activation(kind, self.ctx.text(value), self.ctx.origin(value)))]
            return None
        if not isinstance(value, cst.Call):
            return None
        q = self.ctx.call_qname(value)
        if q in K.SEQUENTIAL:
            self.claimed.add(value)
            return self._sequential_ops(value, depth)[0]
        spec = self.t.layers.get(q) if q else None
        if spec is not None and q.startswith("keras."):
            return [self._op(value, q, spec, name)]
        if isinstance(value.func, cst.Name) and value.func.value in self.classes and depth < _MAX_INLINE:
            cls = self.classes[value.func.value]
            ops = self._class_ops(cls, depth + 1, (name + ".") if name else "")
            frame = self._bind_call(self._method(cls, "__init__"), value, 0, skip_self=True)
            for op in ops:  # Block(64): the class's layers read their sizes from this call's arguments
                self._op_frames.setdefault(id(op), frame)
            return ops
        if q is not None and q.startswith("keras.layers."):  # a layer the table does not know
            return [self._op(value, q, LayerSpec("other"), name)]
        return None

    def _op(self, call: cst.Call, q: str, spec: LayerSpec, name: str | None) -> Op:
        label = self.ctx.const(self.ctx.arg(call, Arg(None, "name")))
        op = op_from_layer_call(self.ctx, call, spec, name=label if isinstance(label, str) else name)
        if op.kind == "affine" and op.activation is not None and op.activation.kind == "linear":
            op.activation = None  # activation=None / "linear" is the identity
        self.op_calls[id(op)] = (call, q)
        return op

    def _copy(self, op: Op) -> Op:
        new = Op(op.kind, op.display, op.origin, name=op.name, activation=op.activation, fan_in=op.fan_in,
                 fan_out=op.fan_out, weight_init=op.weight_init, init_site=op.init_site)
        if id(op) in self.op_calls:
            self.op_calls[id(new)] = self.op_calls[id(op)]
        if id(op) in self._op_frames:
            self._op_frames[id(new)] = self._op_frames[id(op)]
        return new

    def _activation_op(self, kind: str, display: str, at: cst.CSTNode, name: str | None = None) -> Op:
        return activation_op(self.ctx, kind, display, at, name)

    # ---------------------------------------------------------------- Sequential

    def _index_adds(self) -> None:
        for node in self.calls:
            if isinstance(node.func, cst.Attribute) and \
                    node.func.attr.value == "add" and node.args:
                target = self.ctx.resolve(node.func.value)
                if isinstance(target, cst.Call) and self.ctx.call_qname(target) in K.SEQUENTIAL:
                    self.adds.setdefault(target, []).append(node)

    def _sequential_ops(self, call: cst.Call, depth: int) -> tuple[list[Op], Shape]:
        """Ops of Sequential([...]) plus its later .add(...) calls, and the declared input shape."""
        items: list[cst.BaseExpression] = []
        layers_expr = self.ctx.resolve(self.ctx.arg(call, K.SEQUENTIAL_LAYERS))
        if isinstance(layers_expr, (cst.List, cst.Tuple)):
            items.extend(el.value for el in layers_expr.elements if not isinstance(el, cst.StarredElement))
        elif layers_expr is not None:
            items.append(layers_expr)
        items.extend(add.args[0].value for add in self.adds.get(call, []))
        ops: list[Op] = []
        input_shape: Shape = None
        for i, item in enumerate(items):
            value = self.ctx.resolve(item)
            if isinstance(value, cst.Call):
                q = self.ctx.call_qname(value)
                if q in K.INPUTS or q == "keras.layers.InputLayer":
                    input_shape = self._declared_shape(value, input_layer=True)
                    continue
                if not ops and input_shape is None:
                    input_shape = self._declared_shape(value, input_layer=False)
            ops.extend(self._layer_ops(item, depth, str(i)) or [])
        self._infer_fans(ops, input_shape)
        return ops, input_shape

    def _sequentials(self) -> None:
        for node in self.calls:
            if self.ctx.call_qname(node) not in K.SEQUENTIAL:
                continue
            if node in self.claimed or self._inside_model_class(node) or self._nested_in_layer_list(node):
                continue
            ops, _ = self._sequential_ops(node, 0)
            net = Network(name=self._model_name(node, "Sequential"), framework="keras", origin=self.ctx.origin(node))
            net.ops = ops
            self.by_call[node] = net
            self._register_function(node, net)
            if ops:
                self.facts.networks.append(net)

    def _inside_model_class(self, node: cst.CSTNode) -> bool:
        cls = self.ctx.enclosing(node, cst.ClassDef)
        return cls is not None and cls.name.value in self.classes

    def _nested_in_layer_list(self, node: cst.CSTNode) -> bool:
        return any(isinstance(a, cst.Call) and self.ctx.call_qname(a) in K.SEQUENTIAL for a in self.ctx.ancestors(node))

    # ---------------------------------------------------------------- functional API

    def _functional_models(self) -> None:
        for node in self.calls:
            if self.ctx.call_qname(node) not in K.FUNCTIONAL_MODEL:
                continue
            outputs = None
            for ref in K.MODEL_OUTPUTS:
                outputs = self.ctx.arg(node, ref)
                if outputs is not None:
                    break
            if outputs is None:
                continue
            memo: dict[tuple[int, int], _Node] = {}
            elements = [e.value for e in outputs.elements] if isinstance(outputs, (cst.List, cst.Tuple)) else [outputs]
            order: list[_Node] = []
            for element in elements:
                root = self._tensor(element, memo, 0, 0)
                if root is not None:
                    self._shape_of(root, set(), order)
            net = Network(name=self._model_name(node, "Model"), framework="keras", origin=self.ctx.origin(node))
            net.ops = [op for n in order for op in n.ops]
            self.by_call[node] = net
            self._register_function(node, net)
            if net.ops:
                self.facts.networks.append(net)

    def _end(self, node: cst.CSTNode) -> tuple[int, int]:
        pos = self.ctx.positions[node]
        return pos.end.line, pos.end.column

    def _prior_value(self, name: cst.Name) -> cst.BaseExpression | None:
        """The value last assigned to `name` by a statement that ends before this use.

        Unlike `ctx.resolve`, `x = Dense(4)(x)` must see the *previous* x on its right-hand side.
        """
        scope = self.ctx.scopes.get(name)
        scope = scope() if callable(scope) and type(scope).__name__ == "LazyValue" else scope
        if scope is None:
            return None
        use = self.ctx.positions[name].start
        best: tuple[tuple[int, int], cst.BaseExpression] | None = None
        for assignment in scope[name.value]:
            target = getattr(assignment, "node", None)
            value = self.ctx.assigned_value(target) if target is not None else None
            if value is None:
                continue
            stmt = self.ctx.enclosing(target, (cst.Assign, cst.AnnAssign))
            if stmt is None:
                continue
            end = self._end(stmt)
            if end <= (use.line, use.column) and (best is None or end > best[0]):
                best = (end, value)
        return best[1] if best else None

    def _tensor(self, expr: cst.BaseExpression, memo: dict, depth: int, frame: int) -> _Node | None:
        """The graph node producing a tensor expression (following variables back to the inputs).

        `frame` numbers one inlined call of a helper function (`x = conv_block(x, 64)`), so the
        same helper called twice gives two sets of nodes; its parameters bind to the caller's args.
        """
        if depth > _MAX_GRAPH_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False", "None"):
                return None
            value = self._prior_value(expr)
            if value is not None:
                return self._tensor(value, memo, depth + 1, frame)
            bound = self._frames.get(frame, {}).get(expr.value)
            if bound is not None:  # a helper's parameter: continue in the caller
                return self._tensor(bound[0], memo, depth + 1, bound[1])
            # a parameter or something unseen: an input of unknown shape
            return memo.setdefault((frame, id(expr)), _Node(expr))
        key = (frame, id(expr))
        if key in memo:
            return memo[key]
        if isinstance(expr, cst.Call):
            inlined = self._inline_helper(expr, memo, depth, frame)
            if inlined is not None:
                memo[key] = inlined
                return inlined
        node = _Node(expr)
        memo[key] = node
        if isinstance(expr, cst.Call):
            self._call_node(expr, node, memo, depth, frame)
        elif isinstance(expr, cst.BinaryOperation):
            self._binop_node(expr, node, memo, depth, frame)
        elif isinstance(expr, cst.Subscript):
            inner = self._tensor(expr.value, memo, depth + 1, frame)
            node.inputs = [inner] if inner else []
            node.ops = [Op("shape", self.ctx.text(expr), self.ctx.origin(expr))]
        else:
            del memo[key]
            return None
        return node

    def _inline_helper(self, call: cst.Call, memo: dict, depth: int, frame: int) -> _Node | None:
        """x = conv_block(x, 64) with `def conv_block(x, filters): ... return x`: follow its return."""
        if not isinstance(call.func, cst.Name) or self.ctx.qname(call.func) is not None:
            return None
        fn = self._functions.get(call.func.value)
        if fn is None or len(self._frames) > 64 or self.ctx.enclosing(call, cst.FunctionDef) is fn:
            return None
        returns = [n for n in walk(fn.body) if isinstance(n, cst.Return) and n.value is not None
                   and self.ctx.enclosing(n, cst.FunctionDef) is fn]
        if not returns:
            return None
        new_frame = self._bind_call(fn, call, frame)
        return self._tensor(returns[-1].value, memo, depth + 1, new_frame)

    def _bind_call(self, fn: cst.FunctionDef | None, call: cst.Call, frame: int, skip_self: bool = False) -> int:
        """A new frame binding fn's parameters to the call's arguments (evaluated in `frame`)."""
        if fn is None:
            return 0
        params = [p.name.value for p in fn.params.params][1 if skip_self else 0:]
        bindings: dict[str, tuple[cst.BaseExpression, int]] = {}
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        for pname, value in zip(params, positional, strict=False):
            bindings[pname] = (value, frame)
        for a in call.args:
            if a.keyword is not None:
                bindings[a.keyword.value] = (a.value, frame)
        new_frame = len(self._frames) + 1
        self._frames[new_frame] = bindings
        return new_frame

    def _call_node(self, call: cst.Call, node: _Node, memo: dict, depth: int, frame: int) -> None:
        ctx = self.ctx
        q = ctx.call_qname(call)
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if q in K.INPUTS:
            node.shape = self._declared_shape(call, input_layer=True)
            return
        kind = self.t.activations.get(q) if q else None
        if kind:  # tf.nn.relu(x), keras.activations.softmax(x), keras.ops.relu(x)
            node.ops = [self._activation_op(kind, ctx.text(call), call)]
            node.inputs = self._tensors(positional[:1], memo, depth, frame)
            return
        layer = ctx.resolve(call.func)
        if isinstance(layer, cst.Call) or q in self.t.layers:
            # Dense(4)(x), d(x) with d = Dense(4), base(x) with base = Sequential([...]), layers.add([a, b])
            lq = ctx.call_qname(layer) if isinstance(layer, cst.Call) else q
            if isinstance(layer, cst.Call):
                node.ops = self._layer_ops(layer, 0, self._var_name(call)) or []
            else:
                node.ops = [self._op(call, q, self.t.layers[q], self._var_name(call))]
            if not node.ops:
                node.ops = [Op("other", ctx.text(call), ctx.origin(call))]
            for op in node.ops:
                self._op_frames.setdefault(id(op), frame)
            node.rule = K.SHAPE_RULES.get(lq) if lq else None
            node.inputs = self._tensors(positional[:1], memo, depth, frame)
            return
        # any other function of tensors (tf.reshape, tf.concat, an unknown helper): breaks adjacency
        node.ops = [Op("other", ctx.text(call), ctx.origin(call))]
        node.inputs = self._tensors(positional, memo, depth, frame)

    def _binop_node(self, expr: cst.BinaryOperation, node: _Node, memo: dict, depth: int, frame: int) -> None:
        left, right = self.ctx.number(expr.left), self.ctx.number(expr.right)
        if isinstance(expr.operator, (cst.Multiply, cst.Divide)) and (left is None) != (right is None):
            # x / 255.0, x * (1 / 255): a scaling step
            node.ops = [Op("scale", self.ctx.text(expr), self.ctx.origin(expr))]
            node.inputs = self._tensors([expr.left if left is None else expr.right], memo, depth, frame)
            node.rule = ("add",)
        elif isinstance(expr.operator, (cst.Add, cst.Subtract)):  # residual: x + f(x)
            node.inputs = self._tensors([e for e, v in ((expr.left, left), (expr.right, right)) if v is None],
                                        memo, depth, frame)
            node.rule = ("add",)
        else:
            node.ops = [Op("other", self.ctx.text(expr), self.ctx.origin(expr))]
            node.inputs = self._tensors([expr.left, expr.right], memo, depth, frame)

    def _tensors(self, exprs: list[cst.BaseExpression], memo: dict, depth: int, frame: int) -> list[_Node]:
        out = []
        for e in exprs:
            value = e
            if isinstance(e, cst.Name):
                prior = self._prior_value(e)
                value = prior if isinstance(prior, (cst.List, cst.Tuple)) else e
            if isinstance(value, (cst.List, cst.Tuple)):
                out.extend(self._tensors([el.value for el in value.elements], memo, depth, frame))
                continue
            if self.ctx.number(value) is not None or isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
                continue
            n = self._tensor(value, memo, depth + 1, frame)
            if n is not None:
                out.append(n)
        return out

    def _shape_of(self, node: _Node, visiting: set[int], order: list[_Node]) -> Shape:
        """Propagate shapes from the inputs to `node` (DFS), setting each affine op's fan-in on the
        way; `order` collects the nodes in a topological (evaluation) order."""
        if id(node) in visiting or node.done:
            return node.shape
        visiting.add(id(node))
        in_shapes = [self._shape_of(i, visiting, order) for i in node.inputs]
        visiting.discard(id(node))
        node.done = True
        order.append(node)
        if not node.inputs and not node.ops:
            return node.shape
        rule = node.rule
        if rule and rule[0] == "add":
            shape = next((s for s in in_shapes if s is not None), None)  # also x / 255: same shape
        elif rule and rule[0] == "concat":
            lasts = [s[-1] if s else None for s in in_shapes]
            shape = None
            if in_shapes and all(isinstance(v, int) for v in lasts):
                shape = (..., sum(lasts))
        else:
            shape = self._infer_fans(node.ops, in_shapes[0] if in_shapes else None)
        node.shape = shape
        return shape

    # ---------------------------------------------------------------- shapes and fan-in

    def _declared_shape(self, call: cst.Call, input_layer: bool) -> Shape:
        """Input(shape=(784,)), InputLayer(input_shape=...), Dense(64, input_shape=(784,)) / input_dim=784."""
        ctx = self.ctx
        refs = [K.INPUT_SHAPE] if input_layer else []
        refs += [Arg(None, kw) for kw in K.INPUT_SHAPE_KWS]
        for ref in refs:
            v = ctx.const(ctx.arg(call, ref))
            if isinstance(v, tuple):
                return tuple(_dim(d) for d in v)
            if _is_num(v):
                return (_dim(v),)
        for kw in K.BATCH_SHAPE_KWS:
            v = ctx.const(ctx.arg(call, Arg(None, kw)))
            if isinstance(v, tuple) and len(v) >= 2:
                return tuple(_dim(d) for d in v[1:])
        dim = ctx.int_value(ctx.arg(call, Arg(None, K.INPUT_DIM_KW)))
        return (dim,) if dim else None

    def _infer_fans(self, ops: list[Op], shape: Shape) -> Shape:
        """Carry the shape through `ops`; set each affine op's fan_in (and Keras' fan_out)."""
        for op in ops:
            shape = self._advance(op, shape)
        return shape

    def _advance(self, op: Op, shape: Shape) -> Shape:
        call, q = self.op_calls.get(id(op), (None, None))
        if op.kind in K.SHAPE_KEEPING_KINDS:
            return shape
        rule = K.SHAPE_RULES.get(q) if q else None
        if call is None or rule is None:
            return None
        frame = self._op_frames.get(id(op), 0)

        def const(ref: Arg | None) -> object:
            return self._arg_const(call, ref, frame)

        last = shape[-1] if shape else None
        last = last if isinstance(last, int) else None
        kind = rule[0]
        spec = self.t.layers.get(q)
        if kind == "dense":
            op.fan_in = last
            units = _dim(const(spec.fan_out)) if spec else None
            op.fan_out = op.fan_out or units
            return ((*shape[:-1], units) if shape else (..., units)) if units else None
        if kind == "conv":
            if const(Arg(None, "data_format")) == "channels_first":
                return None  # channels are not the last axis: leave the fan-in unknown
            dims = rule[1]
            spatial = _spatial(shape, dims)
            k = _tuple(const(spec.kernel_size if spec else None), dims)
            filters = _dim(const(spec.fan_out if spec else None))
            if last is not None and k is not None:
                op.fan_in = last * math.prod(k)
            if filters is None:
                return None
            if op.fan_out is None and k is not None:
                op.fan_out = filters * math.prod(k)
            strides = _tuple(const(K.CONV_STRIDES), dims)
            padding = const(K.CONV_PADDING)
            dilation = _tuple(const(K.CONV_DILATION), dims)
            if spatial is None or k is None or strides is None or dilation != (1,) * dims:
                return (..., filters)
            return (*_window(spatial, k, strides, padding), filters)
        if kind == "pool":
            dims = rule[1]
            spatial = _spatial(shape, dims)
            size = _tuple(const(K.POOL_SIZE), dims)
            strides_v = const(K.POOL_STRIDES)
            strides = size if strides_v is None else _tuple(strides_v, dims)
            if spatial is None or size is None or strides is None:
                return (..., last) if last else None
            return (*_window(spatial, size, strides, const(K.POOL_PADDING)), last)
        if kind == "keep":
            return shape
        if kind == "global":
            return (last,) if last else None
        if kind == "flatten":
            if shape and all(isinstance(d, int) for d in shape):
                return (math.prod(shape),)
            return (None,)
        if kind == "reshape":
            v = const(rule[1])
            return tuple(_dim(d) for d in v) if isinstance(v, tuple) else None
        if kind == "embedding":
            dim = _dim(const(rule[1]))
            return ((*shape, dim) if shape else (..., dim)) if dim else None
        return None

    def _arg_const(self, call: cst.Call, ref: Arg | None, frame: int) -> object:
        """ctx.arg_const, but a helper's parameter reads the argument its inlined call passed."""
        if ref is None:
            return UNKNOWN
        expr = self.ctx.arg(call, ref)
        return ref.default if expr is None else self._const(expr, frame, 0)

    def _const(self, expr: cst.BaseExpression, frame: int, depth: int) -> object:
        if isinstance(expr, cst.Name) and depth < 8 and self._prior_value(expr) is None:
            bound = self._frames.get(frame, {}).get(expr.value)
            if bound is not None:
                return self._const(bound[0], bound[1], depth + 1)
        if isinstance(expr, (cst.Tuple, cst.List)):
            values = [self._const(e.value, frame, depth + 1) for e in expr.elements]
            return UNKNOWN if any(v is UNKNOWN for v in values) else tuple(values)
        return self.ctx.const(expr)

    # ---------------------------------------------------------------- names

    def _var_name(self, node: cst.CSTNode) -> str | None:
        parent = self.ctx.parent(node)
        if isinstance(parent, cst.Assign) and isinstance(parent.targets[0].target, cst.Name):
            return parent.targets[0].target.value
        return None

    def _model_name(self, call: cst.Call, fallback: str) -> str:
        """The variable the model is bound to; for `return Model(...)` in a builder, the variable the
        builder's result is bound to (`model = build_model()`), else the builder's name."""
        name = self._var_name(call)
        fn = self.ctx.enclosing(call, cst.FunctionDef)
        if fn is not None and self._returned(fn, call, name):
            bound = self._bound_results(fn.name.value)
            return bound[0] if bound else fn.name.value
        return name or fallback

    def _returned(self, fn: cst.FunctionDef, call: cst.Call, name: str | None) -> bool:
        for node in walk(fn):
            if isinstance(node, cst.Return) and node.value is not None:
                if node.value is call or (name and isinstance(node.value, cst.Name) and node.value.value == name):
                    return True
        return False

    def _bound_results(self, fn_name: str) -> list[str]:
        out = []
        for node in self.assigns:
            if isinstance(node.value, cst.Call) and \
                    isinstance(node.value.func, cst.Name) and node.value.func.value == fn_name and \
                    isinstance(node.targets[0].target, cst.Name):
                out.append(node.targets[0].target.value)
        return out

    def _register_function(self, call: cst.Call, net: Network) -> None:
        fn = self.ctx.enclosing(call, cst.FunctionDef)
        if fn is not None and self._returned(fn, call, self._var_name(call)):
            self.by_function.setdefault(fn.name.value, net)

    # ---------------------------------------------------------------- losses

    def _network_of(self, expr: cst.BaseExpression) -> Network | None:
        if is_self_attr(expr) is None and isinstance(expr, cst.Name) and expr.value == "self":
            cls = self.ctx.enclosing(expr, cst.ClassDef)
            return self.class_networks.get(cls.name.value) if cls is not None else None
        value = self.ctx.resolve(expr)
        if not isinstance(value, cst.Call):
            return None
        if value in self.by_call:
            return self.by_call[value]
        if isinstance(value.func, cst.Name):
            name = value.func.value
            return self.class_networks.get(name) or self.by_function.get(name)
        return None

    def _compile(self) -> None:
        for node in self.calls:
            if not (isinstance(node.func, cst.Attribute) and node.func.attr.value == "compile"):
                continue
            expr = self.ctx.arg(node, K.COMPILE_LOSS)
            loss = loss_from_expr(self.ctx, expr)
            if loss is None:
                continue
            resolved = self.ctx.resolve(expr)
            if isinstance(resolved, cst.Call):
                self.loss_calls.add(resolved)
            net = self._network_of(node.func.value)
            if net is not None and net in self.facts.networks:
                net.loss = loss
            else:  # the model is built elsewhere: the loss is context for the engine to join
                self.facts.losses.append(loss)

    def _standalone_losses(self) -> None:
        for node in self.calls:
            if node not in self.loss_calls:
                q = self.ctx.call_qname(node)
                if q and q.startswith("keras.") and q in self.t.losses:
                    loss = loss_from_call(self.ctx, node, q)
                    if loss is not None:
                        self.facts.losses.append(loss)


def _dim(v: object) -> int | None:
    return int(v) if _is_num(v) and float(v).is_integer() else None


def _tuple(v: object, dims: int) -> tuple[int, ...] | None:
    if v is UNKNOWN or v is None:
        return None
    if _is_num(v) and float(v).is_integer():
        return (int(v),) * dims
    if isinstance(v, tuple) and len(v) == dims and all(_is_num(x) for x in v):
        return tuple(int(x) for x in v)
    return None


def _spatial(shape: Shape, dims: int) -> tuple[int, ...] | None:
    if not shape or len(shape) != dims + 1 or shape[0] is Ellipsis:
        return None
    spatial = shape[:-1]
    return spatial if all(isinstance(d, int) for d in spatial) else None


def _window(spatial: tuple[int, ...], k: tuple[int, ...], strides: tuple[int, ...], padding: object) -> tuple:
    if any(s <= 0 for s in strides) or any(kk <= 0 for kk in k):
        return tuple(None for _ in spatial)  # not a valid layer: unknown, not a crash
    if padding == "same":
        return tuple(-(-n // s) for n, s in zip(spatial, strides, strict=False))
    if padding == "valid":
        return tuple(max((n - kk) // s + 1, 0) for n, kk, s in zip(spatial, k, strides, strict=False))
    return tuple(None for _ in spatial)


def lower(ctx: SourceContext, facts: ModuleFacts) -> None:
    KerasLowering(ctx, facts).run()

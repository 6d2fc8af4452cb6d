"""PyTorch frontend: nn.Module subclasses, nn.Sequential, nn.init calls, losses.

`QualifiedNameProvider` cannot follow `self.act = nn.ReLU()` from `__init__` into `self.act(x)` in
`forward`, so this frontend keeps its own map of `self.<attr>` assignments per class.
"""

from __future__ import annotations

import libcst as cst

from relulint.knowledge import tables
from relulint.knowledge.torch import TENSOR_METHOD_INITS
from relulint.model import Loss, ModuleFacts, Network, Op
from relulint.source.common import SourceContext, _is_num, is_self_attr, walk
from relulint.source.lowering import default_init, init_from_spec, loss_from_call, op_from_layer_call
from relulint.source.subclass import activation_op, class_networks, composed_ops, find_method

_MODULE_BASES = ("torch.nn.Module", "pytorch_lightning.LightningModule", "lightning.LightningModule",
                 "lightning.pytorch.LightningModule")
_TENSOR_ACT_METHODS = {"relu": "relu", "relu_": "relu", "sigmoid": "sigmoid", "sigmoid_": "sigmoid",
                       "softmax": "softmax", "log_softmax": "log_softmax", "tanh": "tanh"}
_SHAPE_METHODS = {"view", "reshape", "flatten", "squeeze", "unsqueeze", "permute", "transpose"}
_MAX_INLINE = 4


class TorchLowering:
    def __init__(self, ctx: SourceContext, facts: ModuleFacts) -> None:
        self.ctx = ctx
        self.facts = facts
        self.t = tables()
        self.classes: dict[str, cst.ClassDef] = {}
        self.class_networks: dict[str, Network] = {}
        self.claimed: set[cst.Call] = set()  # Sequential calls already part of a class network
        self._expanding: set[int] = set()  # module expressions being expanded (cycle guard)

    # ---------------------------------------------------------------- entry

    def run(self) -> None:
        for node in walk(self.ctx.module):
            if isinstance(node, cst.ClassDef) and self._is_module_class(node):
                self.classes[node.name.value] = node
        self.class_networks, models = class_networks(
            self.ctx, self.classes, list(self.classes), "torch", lambda cls: self._class_ops(cls, depth=0, prefix=""))
        self.facts.networks.extend(models)
        self._module_level_sequentials()
        self._module_level_inits()
        self._losses()

    def _is_module_class(self, cls: cst.ClassDef, seen: int = 0) -> bool:
        for base in cls.bases:
            q = self.ctx.qname(base.value)
            if q in _MODULE_BASES:
                return True
            if isinstance(base.value, cst.Name) and seen < 3:
                local = self._find_class(base.value.value)
                if local is not None and self._is_module_class(local, seen + 1):
                    return True
        return False

    def _find_class(self, name: str) -> cst.ClassDef | None:
        for stmt in self.ctx.module.body:
            if isinstance(stmt, cst.ClassDef) and stmt.name.value == name:
                return stmt
        return None

    # ---------------------------------------------------------------- a Module class

    def _method(self, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        return find_method(cls, name, self._find_class)

    def _class_ops(self, cls: cst.ClassDef, depth: int, prefix: str) -> list[Op]:
        attrs = self._attr_ops(cls, depth, prefix)
        forward = self._method(cls, "forward")
        if forward is not None:
            ops = self._forward_ops(forward, attrs, depth)
        else:  # containers: declaration order
            ops = [op for attr_ops in attrs.values() for op in attr_ops]
        self._apply_inits(cls, attrs, ops)
        return ops

    def _attr_ops(self, cls: cst.ClassDef, depth: int, prefix: str) -> dict[str, list[Op]]:
        """self.<attr> = <module expr> in any method -> the ops that attribute stands for."""
        attrs: dict[str, list[Op]] = {}
        for attr, values in self.ctx.self_attrs(cls).items():
            ops = self._module_expr_ops(values[-1], depth, prefix + attr)
            if ops is not None:
                attrs[attr] = ops
        return attrs

    def _module_expr_ops(self, expr: cst.BaseExpression, depth: int, name: str) -> list[Op] | None:
        """The ops a module-valued expression builds (a layer, a Sequential, a local Module class)."""
        value = self.ctx.resolve(expr)
        if id(value) in self._expanding:  # self.blocks = nn.Sequential(self.blocks, ...): a cycle, not a model
            return None
        self._expanding.add(id(value))
        try:
            return self._expand_module_value(expr, value, depth, name)
        finally:
            self._expanding.discard(id(value))

    def _expand_module_value(self, expr: cst.BaseExpression, value: cst.BaseExpression, depth: int,
                             name: str) -> list[Op] | None:
        if isinstance(value, (cst.List, cst.Tuple)):  # ModuleList([..]) argument or plain list
            ops: list[Op] = []
            elements = [el.value for el in value.elements]
            if isinstance(expr, cst.Name):  # layers = [...]; layers.append(...); layers += [...]
                elements += self._list_growth(expr)
            for i, el in enumerate(elements):
                sub = self._module_expr_ops(el, depth, f"{name}.{i}")
                ops.extend(sub or [])
            return ops
        if isinstance(value, cst.ListComp):  # [Block(dim) for _ in range(depth)]: one representative
            return self._module_expr_ops(value.elt, depth, name)
        if not isinstance(value, cst.Call):
            return None
        q = self.ctx.call_qname(value)
        method = self._self_method_return(value) if depth < _MAX_INLINE else None
        if method is not None:  # self._make_layer(...) -> what that method returns
            return self._module_expr_ops(method, depth + 1, name)
        if q in ("torch.nn.Sequential", "torch.nn.ModuleList"):
            self.claimed.add(value)
            return self._sequential_ops(value, depth, name)
        spec = self.t.layers.get(q) if q else None
        if spec is not None:
            op = op_from_layer_call(self.ctx, value, spec, name=name)
            if op.kind == "affine":
                op.weight_init = default_init("torch", f"default {_short(q)} init")
            return [op]
        if isinstance(value.func, cst.Name) and value.func.value in self.classes and depth < _MAX_INLINE:
            return self._class_ops(self.classes[value.func.value], depth + 1, name + ".")
        return None

    def _list_growth(self, name: cst.Name) -> list[cst.BaseExpression]:
        """Elements appended later in the same function: .append(x), .extend([..]), += [..]."""
        scope_node = self.ctx.enclosing(name, cst.FunctionDef) or self.ctx.module
        out: list[cst.BaseExpression] = []
        for node in walk(scope_node):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and \
                    isinstance(node.func.value, cst.Name) and node.func.value.value == name.value and node.args:
                if node.func.attr.value == "append":
                    out.append(node.args[0].value)
                elif node.func.attr.value == "extend" and isinstance(node.args[0].value, (cst.List, cst.Tuple)):
                    out.extend(e.value for e in node.args[0].value.elements)
            elif isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name) and \
                    node.target.value == name.value and isinstance(node.value, (cst.List, cst.Tuple)):
                out.extend(e.value for e in node.value.elements)
        return out

    def _self_method_return(self, call: cst.Call) -> cst.BaseExpression | None:
        func = call.func
        target = None
        if isinstance(func, cst.Attribute) and is_self_attr(func) is not None:
            cls = self.ctx.enclosing(call, cst.ClassDef)
            target = self._method(cls, func.attr.value) if cls is not None else None
        elif isinstance(func, cst.Name) and func.value not in self.classes:
            for stmt in self.ctx.module.body:
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value == func.value:
                    target = stmt
        if target is None:
            return None
        for node in walk(target.body):
            if isinstance(node, cst.Return) and node.value is not None:
                return node.value
        return None

    def _sequential_ops(self, call: cst.Call, depth: int, name: str) -> list[Op]:
        ops: list[Op] = []
        idx = 0
        for a in call.args:
            if a.keyword is not None:
                continue
            value = self.ctx.resolve(a.value)
            if a.star:  # nn.Sequential(*layers)
                sub = self._module_expr_ops(a.value, depth + 1, name) if depth < 2 * _MAX_INLINE else None
                ops.extend(sub or [])
                continue
            if isinstance(value, cst.Call) and self.ctx.call_qname(value) == "collections.OrderedDict":
                ops.extend(self._ordered_dict_ops(value, depth, name))
                continue
            sub = self._module_expr_ops(a.value, depth, f"{name}.{idx}" if name else str(idx))
            ops.extend(sub or [])
            idx += 1
        return ops

    def _ordered_dict_ops(self, call: cst.Call, depth: int, name: str) -> list[Op]:
        ops: list[Op] = []
        if not call.args:
            return ops
        items = self.ctx.resolve(call.args[0].value)
        if not isinstance(items, (cst.List, cst.Tuple)):
            return ops
        for el in items.elements:
            pair = el.value
            if isinstance(pair, cst.Tuple) and len(pair.elements) == 2:
                key = self.ctx.const(pair.elements[0].value)
                label = f"{name}.{key}" if name else str(key)
                ops.extend(self._module_expr_ops(pair.elements[1].value, depth, label) or [])
        return ops

    # ---------------------------------------------------------------- forward()

    def _forward_ops(self, forward: cst.FunctionDef, attrs: dict[str, list[Op]], depth: int) -> list[Op]:
        # ops are shared, not copied: nn.init calls applied to attributes afterwards must reach them
        return composed_ops(self.ctx, forward, attrs, self._forward_call_ops)

    def _forward_call_ops(self, call: cst.Call) -> list[Op]:
        """Calls in forward() that are not attribute modules: F.relu, torch.flatten, x.relu(), x.view()."""
        ctx = self.ctx
        func = call.func
        q = ctx.call_qname(call)
        origin = ctx.origin(call)
        if q is not None:
            kind = self.t.activations.get(q)
            if kind == "clamp":
                kind = _clamp_kind(ctx, call)
            if kind:
                return [activation_op(ctx, kind, ctx.text(call), call)]
            spec = self.t.layers.get(q)
            if spec is not None and spec.kind in ("dropout", "alpha_dropout", "shape", "norm"):
                return [Op(spec.kind, ctx.text(call), origin)]
            return []
        if isinstance(func, cst.Attribute):  # tensor methods: x.relu(), x.clamp(min=0), x.view(...)
            method = func.attr.value
            if method in _TENSOR_ACT_METHODS:
                kind = _TENSOR_ACT_METHODS[method]
                return [activation_op(ctx, kind, ctx.text(call), call)]
            if method in ("clamp", "clamp_", "clamp_min", "clip"):
                kind = _clamp_kind(ctx, call, method=True)
                if kind:
                    return [activation_op(ctx, kind, ctx.text(call), call)]
            if method in _SHAPE_METHODS:
                return [Op("shape", ctx.text(call), origin)]
        return []

    # ---------------------------------------------------------------- nn.init

    def _apply_inits(self, cls: cst.ClassDef, attrs: dict[str, list[Op]], ops: list[Op]) -> None:
        """nn.init.*_(self.fc.weight, ...), m.weight in self.modules() loops and self.apply(fn)."""
        for call in walk(cls):
            if isinstance(call, cst.Call):
                self._init_call(call, attrs, ops)

    def _init_call(self, call: cst.Call, attrs: dict[str, list[Op]], all_ops: list[Op],
                   generic_targets: list[Op] | None = None) -> None:
        ctx = self.ctx
        q = ctx.call_qname(call)
        spec = self.t.initializers.get(q) if q else None
        target: cst.BaseExpression | None
        if spec is not None and q and q.startswith("torch.nn.init."):
            target = ctx.arg(call, spec.target)
        elif isinstance(call.func, cst.Attribute) and call.func.attr.value in TENSOR_METHOD_INITS:
            spec = TENSOR_METHOD_INITS[call.func.attr.value]
            target = call.func.value
        else:
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "apply" and call.args:
                self._apply_fn(call, all_ops)
            return
        target = _strip_data(target)
        if not (isinstance(target, cst.Attribute) and target.attr.value == "weight"):
            return
        layer_ops = self._target_ops(target.value, attrs, all_ops, generic_targets)
        if not layer_ops:
            return
        # nn.init.normal_(w, 0.1) and w.normal_(0.1): the spec's Args index the call's own arguments either way
        init = init_from_spec(ctx, spec, call, ctx.text(call), ctx.origin(call))
        for op in layer_ops:
            op.weight_init = init
            op.init_site = ctx.origin(call)

    def _target_ops(self, owner: cst.BaseExpression, attrs: dict[str, list[Op]], all_ops: list[Op],
                    generic: list[Op] | None) -> list[Op]:
        attr = is_self_attr(owner)
        if attr is not None:
            return [op for op in attrs.get(attr, []) if op.kind == "affine"][:1]
        if isinstance(owner, cst.Subscript):  # self.layers[0].weight
            attr = is_self_attr(owner.value)
            idx = self.ctx.int_value(owner.slice[0].slice.value) if attr and isinstance(owner.slice[0].slice, cst.Index) else None
            sub = attrs.get(attr, []) if attr else []
            return [sub[idx]] if idx is not None and 0 <= idx < len(sub) and sub[idx].kind == "affine" else []
        if isinstance(owner, cst.Name) and (listed := self._loop_over_attrs(owner)) is not None:
            # for fc in (self.fc1, self.fc2): nn.init...(fc.weight)
            return [op for attr in listed for op in attrs.get(attr, []) if op.kind == "affine"][:len(listed)]
        if isinstance(owner, cst.Name):
            # `for m in self.modules(): ... m.weight` or `def init(m): ... m.weight`
            kinds = self._isinstance_filter(owner)
            pool = generic if generic is not None else all_ops
            if self._is_module_iteration(owner) or generic is not None:
                return [op for op in pool if op.kind == "affine" and (kinds is None or _short_display(op) in kinds)]
        return []

    def _loop_over_attrs(self, name: cst.Name) -> list[str] | None:
        for anc in self.ctx.ancestors(name):
            if isinstance(anc, cst.For) and isinstance(anc.target, cst.Name) and anc.target.value == name.value:
                if isinstance(anc.iter, (cst.Tuple, cst.List)):
                    listed = [is_self_attr(e.value) for e in anc.iter.elements]
                    return [a for a in listed if a] or None
                return None
        return None

    def _is_module_iteration(self, name: cst.Name) -> bool:
        for anc in self.ctx.ancestors(name):
            if isinstance(anc, cst.For) and isinstance(anc.target, cst.Name) and anc.target.value == name.value:
                it = anc.iter
                if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value in (
                        "modules", "children"):
                    return True
        return False

    def _isinstance_filter(self, name: cst.Name) -> set[str] | None:
        """Class names in an enclosing `if isinstance(m, (nn.Linear, nn.Conv2d))`, or None for no filter."""
        for anc in self.ctx.ancestors(name):
            if isinstance(anc, cst.If) and isinstance(anc.test, cst.Call):
                test = anc.test
                if isinstance(test.func, cst.Name) and test.func.value == "isinstance" and len(test.args) == 2:
                    t = test.args[1].value
                    elems = [e.value for e in t.elements] if isinstance(t, cst.Tuple) else [t]
                    names = {(self.ctx.qname(e) or "").rsplit(".", 1)[-1] for e in elems}
                    return {n for n in names if n}
        return None

    def _apply_fn(self, call: cst.Call, ops: list[Op]) -> None:
        """model.apply(init_fn): run init_fn's nn.init calls over every affine op."""
        fn_expr = call.args[0].value
        if not isinstance(fn_expr, cst.Name):
            return
        fn = None
        for node in walk(self.ctx.module):
            if isinstance(node, cst.FunctionDef) and node.name.value == fn_expr.value:
                fn = node
        if fn is None:
            return
        for inner in walk(fn):
            if isinstance(inner, cst.Call):
                self._init_call(inner, {}, ops, generic_targets=ops)

    # ---------------------------------------------------------------- module level

    def _module_level_sequentials(self) -> None:
        for node in walk(self.ctx.module):
            if not (isinstance(node, cst.Call) and self.ctx.call_qname(node) == "torch.nn.Sequential"):
                continue
            if node in self.claimed or self._inside_module_class(node) or self._nested_in_sequential(node) \
                    or self._is_part_factory(node):
                continue
            name = self._assigned_name(node) or "Sequential"
            net = Network(name=name, framework="torch", origin=self.ctx.origin(node))
            net.ops = self._sequential_ops(node, 0, "")
            if net.ops:
                self.facts.networks.append(net)

    def _is_part_factory(self, node: cst.CSTNode) -> bool:
        """`def make_layers(): return nn.Sequential(...)` used as `VGG(make_layers(cfg))`: a part, not a model."""
        fn = self.ctx.enclosing(node, cst.FunctionDef)
        if fn is None:
            return False
        for other in walk(self.ctx.module):
            if isinstance(other, cst.Call) and isinstance(other.func, cst.Name) and other.func.value == fn.name.value:
                parent = self.ctx.parent(self.ctx.parent(other))  # Arg -> Call
                if isinstance(parent, cst.Call):
                    return True
        return False

    def _inside_module_class(self, node: cst.CSTNode) -> bool:
        cls = self.ctx.enclosing(node, cst.ClassDef)
        return cls is not None and cls.name.value in self.classes

    def _nested_in_sequential(self, node: cst.CSTNode) -> bool:
        return any(isinstance(a, cst.Call) and self.ctx.call_qname(a) == "torch.nn.Sequential"
                   for a in self.ctx.ancestors(node))

    def _assigned_name(self, node: cst.CSTNode) -> str | None:
        parent = self.ctx.parent(node)
        if isinstance(parent, cst.Assign) and isinstance(parent.targets[0].target, cst.Name):
            return parent.targets[0].target.value
        return None

    def _module_level_inits(self) -> None:
        """`model = Net(); model.apply(init)` or `nn.init.normal_(model.fc1.weight, ...)` outside classes."""
        for node in walk(self.ctx.module):
            if not isinstance(node, cst.Call) or self._inside_module_class(node):
                continue
            net = None
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "apply" and node.args:
                net = self._network_of(func.value)
                if net is not None:
                    self._apply_fn(node, net.ops)
                continue
            q = self.ctx.call_qname(node)
            spec = self.t.initializers.get(q) if q else None
            if spec is None or not q.startswith("torch.nn.init."):
                continue
            target = _strip_data(self.ctx.arg(node, spec.target))
            # model.fc1.weight / model[0].weight
            if isinstance(target, cst.Attribute) and target.attr.value == "weight":
                owner = target.value
                layer_name = None
                if isinstance(owner, cst.Name):  # for m in model / model.modules(): ... m.weight
                    net = self._iterated_network(owner)
                    if net is not None:
                        kinds = self._isinstance_filter(owner)
                        init = init_from_spec(self.ctx, spec, node, self.ctx.text(node), self.ctx.origin(node))
                        for op in net.ops:
                            if op.kind == "affine" and (kinds is None or _short_display(op) in kinds):
                                op.weight_init, op.init_site = init, self.ctx.origin(node)
                    continue
                if isinstance(owner, cst.Attribute):
                    layer_name, base = owner.attr.value, owner.value
                elif isinstance(owner, cst.Subscript) and isinstance(owner.slice[0].slice, cst.Index):
                    layer_name, base = str(self.ctx.const(owner.slice[0].slice.value)), owner.value
                else:
                    continue
                net = self._network_of(base)
                if net is None:
                    continue
                for op in net.ops:
                    if op.kind == "affine" and op.name == layer_name:
                        op.weight_init = init_from_spec(self.ctx, spec, node, self.ctx.text(node), self.ctx.origin(node))
                        op.init_site = self.ctx.origin(node)

    def _iterated_network(self, name: cst.Name) -> Network | None:
        for anc in self.ctx.ancestors(name):
            if isinstance(anc, cst.For) and isinstance(anc.target, cst.Name) and anc.target.value == name.value:
                it = anc.iter
                if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and \
                        it.func.attr.value in ("modules", "children"):
                    it = it.func.value
                return self._network_of(it)
        return None

    def _network_of(self, expr: cst.BaseExpression) -> Network | None:
        value = self.ctx.resolve(expr)
        if isinstance(value, cst.Call):
            if isinstance(value.func, cst.Name) and value.func.value in self.class_networks:
                return self.class_networks[value.func.value]
            for net in self.facts.networks:
                if net.origin == self.ctx.origin(value):
                    return net
        return None

    # ---------------------------------------------------------------- losses

    def _losses(self) -> None:
        for node in walk(self.ctx.module):
            if isinstance(node, cst.Call):
                q = self.ctx.call_qname(node)
                if q and q.startswith("torch.") and q in self.t.losses:
                    loss = loss_from_call(self.ctx, node, q)
                    if loss:
                        self.facts.losses.append(loss)
                elif isinstance(node.func, cst.Attribute) and node.func.attr.value in ("mean", "sum") and \
                        _is_squared_difference(node.func.value):
                    self.facts.losses.append(Loss("mse", self.ctx.text(node), self.ctx.origin(node)))
                elif q in ("torch.mean", "torch.sum") and node.args and _is_squared_difference(node.args[0].value):
                    self.facts.losses.append(Loss("mse", self.ctx.text(node), self.ctx.origin(node)))


def _is_squared_difference(expr: cst.BaseExpression) -> bool:
    """(a - b) ** 2 or (a - b).pow(2)."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Power):
        return isinstance(expr.left, cst.BinaryOperation) and isinstance(expr.left.operator, cst.Subtract) and \
            isinstance(expr.right, cst.Integer) and expr.right.value == "2"
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("pow", "square"):
        base = expr.func.value
        return isinstance(base, cst.BinaryOperation) and isinstance(base.operator, cst.Subtract)
    return False


def _clamp_kind(ctx: SourceContext, call: cst.Call, method: bool = False) -> str | None:
    """torch.clamp(x, min=0) is a ReLU; clamp(x, 0, 6) a ReLU6."""
    from relulint.knowledge import Arg

    off = 0 if method else 1
    lo = ctx.const(ctx.arg(call, Arg(off, "min")))
    hi = ctx.const(ctx.arg(call, Arg(off + 1, "max")))
    if call.func and isinstance(call.func, cst.Attribute) and call.func.attr.value == "clamp_min":
        hi = None
    if _is_num(lo) and lo == 0:
        if hi is None or not _is_num(hi):
            return "relu"
        return "relu6" if hi == 6 else "hardtanh"
    return None


def _strip_data(expr: cst.BaseExpression | None) -> cst.BaseExpression | None:
    if isinstance(expr, cst.Attribute) and expr.attr.value == "data":
        return expr.value
    return expr


def _short(q: str | None) -> str:
    return (q or "").rsplit(".", 1)[-1]


def _short_display(op: Op) -> str:
    return op.display.split("(", 1)[0].rsplit(".", 1)[-1]


def lower(ctx: SourceContext, facts: ModuleFacts) -> None:
    TorchLowering(ctx, facts).run()

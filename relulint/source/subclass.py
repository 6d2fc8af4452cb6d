"""Composition of a subclassed model's forward()/call(): the same in PyTorch and Keras.

`__init__` assigns layers to `self.<attr>`; the forward method applies them. Calls are read in
evaluation order; `self.fc(x)`, `self.blocks[0](x)` and `layer(x)` in `for layer in self.blocks`
stand for the ops of that attribute. Anything else is left to the framework's own callback.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from relulint.ir import Activation, Network, Op
from relulint.source.common import SourceContext, is_self_attr, postorder_calls, walk

OtherCallOps = Callable[[cst.Call], list[Op]]
CopyOp = Callable[[Op], Op]


def composed_ops(ctx: SourceContext, fn: cst.FunctionDef, attrs: dict[str, list[Op]],
                 other_call_ops: OtherCallOps, copy: CopyOp = lambda op: op) -> list[Op]:
    """The ops fn applies, in evaluation order. `copy` decides whether repeated uses share op objects."""
    loop_vars: dict[str, str] = {}  # for layer in self.layers: -> layer -> layers
    for node in walk(fn.body):
        if isinstance(node, cst.For) and isinstance(node.target, cst.Name):
            attr = is_self_attr(node.iter)
            if attr in attrs:
                loop_vars[node.target.value] = attr
    ops: list[Op] = []
    for call in postorder_calls(fn.body):
        attr_ops = _attr_call_ops(ctx, call, attrs, loop_vars, copy)
        ops.extend(attr_ops if attr_ops is not None else other_call_ops(call))
    return ops


def _attr_call_ops(ctx: SourceContext, call: cst.Call, attrs: dict[str, list[Op]], loop_vars: dict[str, str],
                   copy: CopyOp) -> list[Op] | None:
    func = call.func
    attr = is_self_attr(func)
    if attr is not None:
        found = attrs.get(attr, [])
        if len(found) == 1 and found[0].kind == "activation" and found[0].activation is not None:
            # a shared activation module (self.act) is judged where it is applied
            return [activation_op(ctx, found[0].activation.kind, found[0].display, call, found[0].name)]
        return [copy(op) for op in found]
    if isinstance(func, cst.Subscript):  # self.layers[0](x)
        attr = is_self_attr(func.value)
        return [copy(op) for op in attrs.get(attr, [])[:1]] if attr else []
    if isinstance(func, cst.Name) and func.value in loop_vars:
        return [copy(op) for op in attrs.get(loop_vars[func.value], [])]
    return None


def activation_op(ctx: SourceContext, kind: str, display: str, at: cst.CSTNode, name: str | None = None) -> Op:
    origin = ctx.origin(at)
    return Op("activation", display, origin, name=name, activation=Activation(kind, display, origin))


def find_method(cls: cst.ClassDef, name: str, find_class: Callable[[str], cst.ClassDef | None],
                seen: int = 0) -> cst.FunctionDef | None:
    """`cls.<name>`, or the first local base class's (bounded: base chains of 3)."""
    for stmt in cls.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
            return stmt
    for base in cls.bases:
        if isinstance(base.value, cst.Name) and seen < 3:
            local = find_class(base.value.value)
            if local is not None and local is not cls:
                found = find_method(local, name, find_class, seen + 1)
                if found is not None:
                    return found
    return None


def instantiated_classes(cls: cst.ClassDef, class_names) -> set[str]:
    """Names of other local model/layer classes that `cls` constructs (those are its parts)."""
    out = set()
    for node in walk(cls):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in class_names:
            if node.func.value != cls.name.value:
                out.add(node.func.value)
    return out


def class_networks(ctx: SourceContext, classes: dict[str, cst.ClassDef], model_names, framework: str,
                   class_ops: Callable[[cst.ClassDef], list[Op]]) -> tuple[dict[str, Network], list[Network]]:
    """One Network per model class, and those that are models of their own: classes constructed inside
    other classes are parts (a ResNet's BasicBlock), not models."""
    nets: dict[str, Network] = {}
    for name in model_names:
        cls = classes[name]
        net = Network(name=name, framework=framework, origin=ctx.origin(cls.name))
        net.ops = class_ops(cls)
        nets[name] = net
    used_as_part = {n for cls in classes.values() for n in instantiated_classes(cls, classes)}
    return nets, [net for name, net in nets.items() if net.ops and name not in used_as_part]

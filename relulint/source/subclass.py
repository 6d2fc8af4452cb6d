"""Composition of a subclassed model's forward()/call(): the same in PyTorch and Keras.

`__init__` assigns layers to `self.<attr>`; the forward method applies them. Calls are read in
evaluation order; `self.fc(x)`, `self.blocks[0](x)` and `layer(x)` in `for layer in self.blocks`
stand for the ops of that attribute. Anything else is left to the framework's own callback.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from relulint.model import Activation, Op
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

"""One aten op call -> one GNode (and the file's facts), shared by the TorchScript and `.pt2` frontends.

Both frontends read their archive as data and hand each op on the data path over as
`(kind, args)`: `kind` is `aten::linear`, args are `Data` (a tensor on the data path), `TensorRef`
(a weight in the archive), or plain constants (ints, floats, lists). Arguments are normalised to
positions with `ATEN_ARGS` first, since TorchScript code omits trailing defaults and `.pt2` names
its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relulint.graph.archive import TensorRef
from relulint.graph.lowering import GNode, GraphInput, build_network, graph_loss
from relulint.ir import ModuleFacts, Origin
from relulint.knowledge.graph_ops import ATEN_ARGS, aten_op, clip_kind


@dataclass(frozen=True, slots=True)
class Data:
    """A value on the data path, by key (the GNode input/output name)."""

    key: str


def data_keys(values) -> list[str]:
    """The data-path keys among call arguments, looking one level into lists (aten::cat)."""
    out: list[str] = []
    for v in values:
        if isinstance(v, Data):
            if v.key not in out:
                out.append(v.key)
        elif isinstance(v, (list, tuple)):
            out += [x.key for x in v if isinstance(x, Data) and x.key not in out]
    return out


def normalise(kind: str, args: list, kwargs: dict) -> list:
    """Positional arguments with keywords placed by the op's schema; missing ones are None."""
    names = ATEN_ARGS.get(_base(kind))
    args = list(args)
    if names:
        for name in names[len(args):]:
            args.append(kwargs.get(name))
    return args


def _base(kind: str) -> str:
    return kind[:-1] if kind.endswith("_") and not kind.endswith("__") else kind


def _const(v):
    return None if isinstance(v, (Data, TensorRef)) else v


def _num(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def aten_node(kind: str, args: list, outs: list[str], name: str, origin: Origin,
              param_name: dict[int, str]) -> GNode:
    """`args` already normalised. `param_name` maps id(TensorRef) -> dotted name (`fc1.weight`)."""
    op_kind, act = aten_op(kind)
    base = _base(kind)
    data_in = data_keys(args)

    def at(i: int):
        return args[i] if i < len(args) else None

    g = GNode(op_type=kind, name=name, kind=op_kind, origin=origin, inputs=data_in, outputs=outs, activation=act)
    if op_kind == "affine":
        _affine(base, g, args, param_name)
    elif act == "clip":
        lo, hi = _num(at(1)), _num(at(2))
        if base == "aten::hardtanh":
            lo = -1.0 if at(1) is None else lo
            hi = 1.0 if at(2) is None else hi
        g.activation = clip_kind(lo, hi)
        g.params = {"min": lo, "max": hi}
    elif base == "aten::leaky_relu":
        slope = _num(at(1))
        g.params = {"alpha": 0.01 if slope is None else slope}
    elif base == "aten::elu":
        alpha = _num(at(1))
        g.params = {"alpha": 1.0 if alpha is None else alpha}
    elif base == "aten::batch_norm":
        _batch_norm(g, args)
    elif op_kind == "norm":
        g.interval = "unknown"
    elif op_kind == "arith":
        _arith(base, g, args)
    elif base == "aten::flatten":
        start = 0 if at(1) is None else _const(at(1))
        end = -1 if at(2) is None else _const(at(2))
        g.interval = "flatten" if start == 1 and end == -1 else "hull"
    elif base in ("aten::view", "aten::reshape"):
        shape = _const(at(1))
        g.interval = "flatten" if isinstance(shape, (list, tuple)) and len(shape) == 2 else "hull"
    elif base in ("aten::permute", "aten::transpose", "aten::squeeze", "aten::unsqueeze"):
        g.interval = "hull"
    elif base == "aten::avg_pool2d":
        pad = _const(at(3))
        inc = True if at(5) is None else _const(at(5))
        g.zero_pad = bool(inc) and bool(pad) and isinstance(pad, (list, tuple)) and any(pad)
    elif base == "aten::cat":
        dim = 0 if at(1) is None else _const(at(1))
        g.interval = "concat" if dim == 1 else "concat_hull"
        g.kind = "other"
    elif op_kind == "other":
        g.interval = "unknown"
    return g


def _affine(base: str, g: GNode, args: list, param_name: dict[int, str]) -> None:
    if base == "aten::addmm":  # addmm(bias, x, W^T, beta, alpha)
        b, x, w = args[0], args[1] if len(args) > 1 else None, args[2] if len(args) > 2 else None
    else:
        x, w = args[0], args[1] if len(args) > 1 else None
        has_bias = base in ("aten::linear", "aten::_convolution") or base.startswith("aten::conv")
        b = args[2] if has_bias and len(args) > 2 else None
    if not isinstance(w, TensorRef) or not isinstance(x, Data):
        g.kind, g.interval = "other", "unknown"  # weights computed at run time
        return
    pname = param_name.get(id(w), g.name)
    g.weight_name = pname
    g.name = pname.rsplit(".", 1)[0] if "." in pname else pname
    g.inputs = [x.key]
    if base in ("aten::addmm", "aten::matmul", "aten::mm"):
        if w.ndim != 2:
            g.kind, g.interval = "other", "unknown"
            return
        g.weight = lambda: _float(w.array()).T
    elif base == "aten::linear":
        g.weight = lambda: _float(w.array())
    else:
        g.conv = True
        padding = _const(args[4]) if len(args) > 4 else None
        gi = 8 if base == "aten::_convolution" else 6
        groups = _const(args[gi]) if len(args) > gi else 1
        g.group = groups if isinstance(groups, int) and not isinstance(groups, bool) and groups > 0 else 1
        g.zero_pad = padding == "same" or (isinstance(padding, (list, tuple)) and any(padding))
        transposed = base == "aten::_convolution" and len(args) > 6 and bool(_const(args[6]))
        if transposed:
            g.params["no_bounds"] = True
            g.weight = lambda: np.swapaxes(_float(w.array()), 0, 1)
        else:
            g.weight = lambda: _float(w.array())
    if isinstance(b, TensorRef):
        g.bias = lambda: _float(b.array()).reshape(-1)


def _batch_norm(g: GNode, args: list) -> None:
    weight, bias, mean, var = (args[i] if i < len(args) else None for i in range(1, 5))
    eps = _const(args[7]) if len(args) > 7 else 1e-5
    if not isinstance(mean, TensorRef) or not isinstance(var, TensorRef) or not isinstance(eps, float):
        g.interval = "unknown"
        return

    def affine() -> tuple[np.ndarray, np.ndarray]:
        m = mean.array().astype(np.float64)
        v = var.array().astype(np.float64)
        s = weight.array().astype(np.float64) if isinstance(weight, TensorRef) else np.ones_like(m)
        c = bias.array().astype(np.float64) if isinstance(bias, TensorRef) else np.zeros_like(m)
        a = s / np.sqrt(v + eps)
        return a, c - a * m

    g.norm_affine = affine


def _arith(base: str, g: GNode, args: list) -> None:
    g.arith = base.split("::")[1]
    if len(args) < 2:
        g.arith = None
        return
    x, c = args[0], args[1]
    alpha = _const(args[2]) if len(args) > 2 and g.arith in ("add", "sub") and args[2] is not None else 1
    if isinstance(x, Data) and not isinstance(c, Data):
        if isinstance(c, TensorRef):
            arr = c.array()
        elif _num(c) is not None:
            arr = np.array([float(c)])
        else:
            arr = None
        if arr is None or _num(alpha) is None:
            g.arith = None
            return
        arr = arr * float(alpha)
        g.const = lambda: arr
        shape = arr.shape
        squeezed = [d for d in shape if d != 1]
        if arr.size == 1:
            g.const_per = "scalar"
        elif len(squeezed) == 1 and len(shape) >= 3 and shape[-1] == 1:
            g.const_per = "channels"
        elif len(squeezed) == 1 and shape[-1] == arr.size:
            g.const_per = "flat"
        else:
            g.const_per = "unknown"
    elif not (isinstance(x, Data) and isinstance(c, Data) and alpha == 1):
        g.arith = None


def _float(a: np.ndarray) -> np.ndarray:
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float32)


def archive_facts(path: str, framework: str, name: str, label: str, nodes: list[GNode],
                  inputs: list[GraphInput], settings, outputs: list[str] | None = None) -> ModuleFacts:
    """The file's facts: one network (a DAG) from the nodes the outputs need, with the loss setting."""
    net = build_network(name=name, framework=framework, origin=Origin(path, 1, node=f"{label} {name}"),
                        nodes=nodes, inputs=inputs, input_range=getattr(settings, "input_range", None),
                        outputs=outputs)
    net.loss = graph_loss(getattr(settings, "graph_loss", None), "graph-loss setting", None)
    facts = ModuleFacts(path=path, frameworks={framework})
    facts.networks.append(net)
    return facts


def needed(nodes: list[GNode], outputs: set[str]) -> list[GNode]:
    """Only the nodes that contribute to the module's outputs, in order."""
    want = set(outputs)
    keep = []
    for g in reversed(nodes):
        if any(o in want for o in g.outputs):
            keep.append(g)
            want.update(g.inputs)
    return list(reversed(keep))

"""TorchScript frontend: a saved `torch.jit` module -> GNodes on the data path -> the IR.

The file must be a TorchScript archive (a zip with `code/` and `constants.pkl`). A plain
`torch.save` pickle (a state dict or a pickled module) is refused without unpickling it: loading a
pickle can run arbitrary code, and a state dict has no graph to lint anyway.

The module's `inlined_graph` is walked once: `prim::GetAttr` chains give the parameters (and their
names, `fc1.weight`), constant `prim::If`s (the `inplace` switch in `F.relu`) are followed into the
branch taken, and each node's `sourceRange()` points at the user's Python line when it has one.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from relulint.graph.lowering import GNode, GraphInput, build_network, graph_loss
from relulint.graph.onnx_frontend import source_frame
from relulint.knowledge.graph_ops import aten_op, clip_kind
from relulint.model import ModuleFacts, Origin

_SKIP = {"prim::Constant", "prim::GetAttr", "prim::ListConstruct", "prim::TupleConstruct", "prim::If",
         "prim::ListUnpack", "prim::TupleUnpack"}


class GraphError(Exception):
    """The file cannot be read as TorchScript; shown to the user as RL002."""


def check_archive(path: str) -> None:
    """Refuse anything that is not a TorchScript zip, without unpickling it."""
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as fh:
            head = fh.read(2)
        if head[:1] == b"\x80":
            raise GraphError("a legacy torch.save pickle, not TorchScript: relulint does not unpickle files "
                             "(that can run code). Export with torch.jit.script(model).save(path) or "
                             "torch.onnx.export")
        raise GraphError("not a TorchScript archive (not a zip file); truncated or not a model?")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise GraphError(f"corrupt TorchScript archive: {exc}") from None
    has_code = any("/code/" in n or n.startswith("code/") for n in names)
    has_consts = any(n.endswith("constants.pkl") or n.endswith("bytecode.pkl") for n in names)
    if not (has_code and has_consts):
        raise GraphError("a torch.save checkpoint (state dict or pickled module), not TorchScript: it holds "
                         "weights but no graph, and relulint does not unpickle it. Export with "
                         "torch.jit.script(model).save(path) or torch.onnx.export")


def lower(path: str, settings) -> ModuleFacts:
    check_archive(path)
    try:
        import torch
    except ImportError:
        raise GraphError("TorchScript files need torch: pip install 'relulint[torch]'") from None
    try:
        module = torch.jit.load(path, map_location="cpu")
        graph = module.inlined_graph
    except Exception as exc:  # RuntimeError from the deserializer: version skew, truncated entries
        raise GraphError(f"torch.jit.load failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
    walker = _Walker(path, module)
    nodes, inputs = walker.walk(graph)
    name = getattr(module, "original_name", None) or os.path.basename(path)
    net = build_network(name=name, framework="torchscript", origin=Origin(path, 1, node=f"module {name}"),
                        nodes=nodes, inputs=inputs, input_range=getattr(settings, "input_range", None))
    net.loss = graph_loss(getattr(settings, "graph_loss", None), "graph-loss setting", None)
    facts = ModuleFacts(path=path, frameworks={"torchscript"})
    facts.networks.append(net)
    return facts


class _Walker:
    def __init__(self, path: str, module) -> None:
        self.path = path
        self.base_dir = os.path.dirname(os.path.abspath(path))
        self.module = module
        self.env: dict[str, object] = {}  # constants and parameters by value id
        self.attr_name: dict[str, str] = {}  # value id -> dotted attribute path ("fc1.weight")
        self.alias: dict[str, str] = {}  # prim::If outputs -> the taken branch's value
        self.lists: dict[str, list[str]] = {}  # ListConstruct of data tensors (aten::cat)
        self.data: set[str] = set()
        self.nodes: list[GNode] = []

    def key(self, v) -> str:
        k = str(v.unique())
        while k in self.alias:
            k = self.alias[k]
        return k

    def walk(self, graph) -> tuple[list[GNode], list[GraphInput]]:
        inputs: list[GraphInput] = []
        for i, v in enumerate(graph.inputs()):
            if i == 0 and "__torch__" in str(v.type()):
                self.env[self.key(v)] = self.module
                continue
            k = self.key(v)
            self.data.add(k)
            inputs.append(GraphInput(k, _dtype(v), Origin(self.path, 1, node=f"input {v.debugName()}")))
        self.block(graph.nodes())
        outs = {self.key(v) for v in graph.outputs()}
        return _needed(self.nodes, outs), inputs

    def block(self, nodes) -> None:
        for n in nodes:
            self.node(n)

    def node(self, n) -> None:
        kind = n.kind()
        ins = list(n.inputs())
        outs = list(n.outputs())
        if kind == "prim::Constant":
            try:
                self.env[self.key(outs[0])] = outs[0].toIValue()
            except Exception:  # functions and other non-value constants
                pass
            return
        if kind == "prim::GetAttr":
            owner = self.key(ins[0])
            if owner in self.env:
                attr = n.s("name")
                try:
                    self.env[self.key(outs[0])] = getattr(self.env[owner], attr)
                except AttributeError:
                    return
                prefix = self.attr_name.get(owner)
                self.attr_name[self.key(outs[0])] = f"{prefix}.{attr}" if prefix else attr
            return
        if kind in ("prim::ListConstruct", "prim::TupleConstruct"):
            keys = [self.key(v) for v in ins]
            if all(k in self.env for k in keys):
                self.env[self.key(outs[0])] = [self.env[k] for k in keys]
            elif any(k in self.data for k in keys):
                self.lists[self.key(outs[0])] = [k for k in keys if k in self.data]
            return
        if kind == "prim::If":
            cond = self.key(ins[0])
            blocks = list(n.blocks())
            if cond in self.env and len(blocks) == 2:
                taken = blocks[0] if self.env[cond] else blocks[1]
                self.block(taken.nodes())
                for o, r in zip(outs, taken.outputs(), strict=False):
                    self.alias[str(o.unique())] = self.key(r)
                return
        keys = [self.key(v) for v in ins]
        data_in = [k for k in keys if k in self.data]
        for k in keys:
            data_in += [m for m in self.lists.get(k, []) if m not in data_in]
        if not data_in:
            return  # shape arithmetic on constants: not on the data path
        out_keys = [self.key(o) for o in outs]
        self.data.update(out_keys)
        self.nodes.append(self.lower(n, kind, keys, data_in, out_keys))

    # ---------------------------------------------------------------- one op

    def const(self, k: str):
        return self.env.get(k)

    def tensor(self, k: str):
        import torch

        t = self.env.get(k)
        return t if isinstance(t, torch.Tensor) else None

    def lower(self, n, kind: str, keys: list[str], data_in: list[str], outs: list[str]) -> GNode:
        op_kind, act = aten_op(kind)
        base = kind[:-1] if kind.endswith("_") and not kind.endswith("__") else kind
        name = n.outputsAt(0).debugName() if n.outputsSize() else kind
        g = GNode(op_type=kind, name=name, kind=op_kind, origin=Origin(self.path, 1), inputs=data_in,
                  outputs=outs, activation=act)
        if op_kind == "affine":
            self.affine(base, g, keys)
        elif act == "clip":
            lo, hi = (self.const(keys[1]), self.const(keys[2])) if len(keys) >= 3 else (None, None)
            if base == "aten::hardtanh":
                lo = -1.0 if lo is None else lo
                hi = 1.0 if hi is None else hi
            lo = float(lo) if isinstance(lo, (int, float)) else None
            hi = float(hi) if isinstance(hi, (int, float)) else None
            g.activation = clip_kind(lo, hi)
            g.params = {"min": lo, "max": hi}
        elif base == "aten::leaky_relu":
            slope = self.const(keys[1]) if len(keys) > 1 else 0.01
            g.params = {"alpha": float(slope) if isinstance(slope, (int, float)) else 0.01}
        elif base == "aten::elu":
            alpha = self.const(keys[1]) if len(keys) > 1 else 1.0
            g.params = {"alpha": float(alpha) if isinstance(alpha, (int, float)) else 1.0}
        elif base == "aten::batch_norm":
            self.batch_norm(g, keys)
        elif op_kind == "norm":
            g.interval = "unknown"
        elif op_kind == "arith":
            self.arith(base, g, keys)
        elif base == "aten::flatten":
            start = self.const(keys[1]) if len(keys) > 1 else 0
            end = self.const(keys[2]) if len(keys) > 2 else -1
            g.interval = "flatten" if start == 1 and end == -1 else "hull"
        elif base in ("aten::view", "aten::reshape"):
            shape = self.const(keys[1]) if len(keys) > 1 else None
            g.interval = "flatten" if isinstance(shape, list) and len(shape) == 2 else "hull"
        elif base in ("aten::permute", "aten::transpose", "aten::squeeze", "aten::unsqueeze"):
            g.interval = "hull"
        elif base == "aten::avg_pool2d":
            pad = self.const(keys[3]) if len(keys) > 3 else None
            inc = self.const(keys[5]) if len(keys) > 5 else True
            g.zero_pad = bool(inc) and bool(pad) and any(pad)
        elif base == "aten::to":
            pass
        elif base == "aten::cat":
            dim = self.const(keys[1]) if len(keys) > 1 else 0
            g.interval = "concat" if dim == 1 else "concat_hull"
            g.kind = "other"
        elif op_kind == "other":
            g.interval = "unknown"
        g.origin = self.origin(n, g.name, kind)
        return g

    def affine(self, base: str, g: GNode, keys: list[str]) -> None:
        if base == "aten::addmm":  # addmm(bias, x, W^T, beta, alpha)
            w_key, b_key, x_key = keys[2], keys[0], keys[1]
        else:
            w_key, x_key = keys[1], keys[0]
            has_bias = base in ("aten::linear", "aten::_convolution") or base.startswith("aten::conv")
            b_key = keys[2] if has_bias and len(keys) > 2 else None
        w = self.tensor(w_key)
        if w is None or x_key not in self.data:
            g.kind, g.interval = "other", "unknown"  # weights computed at run time
            return
        pname = self.attr_name.get(w_key, w_key)
        g.weight_name = pname
        g.name = pname.rsplit(".", 1)[0] if "." in pname else pname
        g.inputs = [x_key]
        b = self.tensor(b_key) if b_key else None
        if base in ("aten::addmm", "aten::matmul", "aten::mm"):
            if w.dim() != 2:
                g.kind, g.interval = "other", "unknown"
                return
            g.weight = lambda: _np(w).T
        elif base == "aten::linear":
            g.weight = lambda: _np(w)
        else:
            g.conv = True
            padding = self.const(keys[4]) if len(keys) > 4 else None
            groups = self.const(keys[8] if base == "aten::_convolution" else keys[6]) if len(keys) > 6 else 1
            g.group = int(groups) if isinstance(groups, int) else 1
            g.zero_pad = padding == "same" or (isinstance(padding, list) and any(padding))
            transposed = base == "aten::_convolution" and bool(self.const(keys[6]))
            if transposed:
                g.params["no_bounds"] = True
                g.weight = lambda: np.swapaxes(_np(w), 0, 1)
            else:
                g.weight = lambda: _np(w)
        if b is not None:
            g.bias = lambda: _np(b).reshape(-1)

    def batch_norm(self, g: GNode, keys: list[str]) -> None:
        ts = [self.tensor(k) for k in keys[1:5]]
        eps = self.const(keys[7]) if len(keys) > 7 else 1e-5
        weight, bias, mean, var = ts
        if mean is None or var is None or not isinstance(eps, float):
            g.interval = "unknown"
            return

        def affine() -> tuple[np.ndarray, np.ndarray]:
            m = _np(mean).astype(np.float64)
            v = _np(var).astype(np.float64)
            s = _np(weight).astype(np.float64) if weight is not None else np.ones_like(m)
            b = _np(bias).astype(np.float64) if bias is not None else np.zeros_like(m)
            a = s / np.sqrt(v + eps)
            return a, b - a * m

        g.norm_affine = affine

    def arith(self, base: str, g: GNode, keys: list[str]) -> None:
        g.arith = base.split("::")[1]
        if len(keys) < 2:
            g.arith = None
            return
        x, c = keys[0], keys[1]
        alpha = self.const(keys[2]) if len(keys) > 2 and g.arith in ("add", "sub") else 1
        if x in self.data and c not in self.data:
            cv = self.env.get(c)
            arr = _np(cv) if self.tensor(c) is not None else (np.array([float(cv)])
                                                                if isinstance(cv, (int, float)) else None)
            if arr is None or not isinstance(alpha, (int, float)):
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
        elif not (x in self.data and c in self.data and alpha == 1):
            g.arith = None

    def origin(self, n, name: str, kind: str) -> Origin:
        label = f"{name} ({kind})"
        try:
            text = str(n.sourceRange())
        except Exception:
            text = ""
        loc = source_frame(text, self.base_dir)
        if loc is not None:
            return Origin(loc[0], loc[1], 0, loc[1], 0, node=label)
        return Origin(self.path, 1, 0, 1, 0, node=label)


def _np(t) -> np.ndarray:
    """A parameter as numpy without a copy where possible (CPU, float32)."""
    t = t.detach()
    if t.dtype.is_floating_point and str(t.dtype) != "torch.float32" and str(t.dtype) != "torch.float64":
        t = t.float()
    return t.cpu().numpy()


def _dtype(v) -> str | None:
    try:
        st = v.type().scalarType()
    except Exception:
        return None
    return {"Byte": "uint8", "Float": "float32", "Double": "float64", "Half": "float16"}.get(st or "", None)


def _needed(nodes: list[GNode], outputs: set[str]) -> list[GNode]:
    """Only the nodes that contribute to the module's outputs, in order."""
    needed = set(outputs)
    keep = []
    for g in reversed(nodes):
        if any(o in needed for o in g.outputs):
            keep.append(g)
            needed.update(g.inputs)
    return list(reversed(keep))

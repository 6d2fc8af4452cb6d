"""`.pt2` frontend: a `torch.export.save`d ExportedProgram read as data -> GNodes -> the IR.

The archive (`<root>/models/<name>.json`, `<root>/data/weights/...`) is read like TorchScript's
(`relulint.graph.archive`): nothing is unpickled or run, and torch is not imported.
`torch.export.load` would `torch.load(..., weights_only=False)` any weight stored with
`use_pickle`; relulint leaves such weights unread (the layer's weights count as unknown).

- The graph is the serialized JSON: each node's `target` (`torch.ops.aten.linear.default`) maps
  onto the same `aten::*` kinds as TorchScript, arguments are matched by name.
- Weights are raw storage bytes described by `model_weights_config.json` (dtype, sizes, strides,
  offset), read with `np.frombuffer` after the same size checks.
- Positions come from each node's `metadata.stack_trace`, through `source_frame`.
"""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from relulint.graph.archive import Archive, ArchiveError, StorageRef, TensorRef, read_archive
from relulint.graph.atenops import Data, archive_facts, aten_node, data_keys, needed, normalise
from relulint.graph.lowering import GNode, GraphInput
from relulint.graph.onnx_frontend import source_frame
from relulint.ir import ModuleFacts, Origin

MAX_GRAPH_BYTES = 1 << 30  # the graph JSON; the archive-wide read budget applies as well

# torch/_export/serde/schema.py ScalarType -> dtype name
_SCALAR = {1: "uint8", 2: "int8", 3: "int16", 4: "int32", 5: "int64", 6: "float16", 7: "float32", 8: "float64",
           12: "bool", 13: "bfloat16"}
_UNKNOWN = object()


class GraphError(Exception):
    """The file cannot be read as a `.pt2`; shown to the user as RL002."""


def lower(path: str, settings) -> ModuleFacts:
    if not zipfile.is_zipfile(path):
        raise GraphError("not a .pt2 archive (not a zip file); truncated or not a model?")
    return read_archive(path, ".pt2", GraphError, _lower, settings)


def _lower(path: str, archive: Archive, settings) -> ModuleFacts:
    models = sorted(n for n in archive.names() if n.startswith(archive.member("models/")) and n.endswith(".json"))
    if not models:
        raise GraphError("a .pt2 without a serialized ExportedProgram (models/*.json); an AOTInductor "
                         "package or another format, which relulint does not load")
    member = next((m for m in models if m.endswith("/model.json")), models[0])
    try:
        doc = json.loads(archive.read(member, limit=MAX_GRAPH_BYTES))
        gm = doc["graph_module"]
        graph, sig = gm["graph"], gm["signature"]
        nodes_json, input_specs, output_specs = graph["nodes"], sig["input_specs"], sig["output_specs"]
    except ArchiveError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphError(f"{member}: not an ExportedProgram graph ({type(exc).__name__}: {str(exc)[:80]})") from None
    model = member.rsplit("/", 1)[-1][:-5]
    weights = _payloads(archive, f"data/weights/{model}_weights_config.json", "data/weights/")
    weights.update(_payloads(archive, f"data/constants/{model}_constants_config.json", "data/constants/"))
    walker = _Walker(path, graph.get("tensor_values") or {})
    inputs = walker.bind(input_specs, weights)
    for n in nodes_json:
        walker.node(n)
    outs: list[str] = []
    for spec in output_specs:
        arg = (spec.get("user_output") or {}).get("arg") if isinstance(spec, dict) else None
        outs += data_keys([walker.value(arg)]) if isinstance(arg, dict) else []
    nodes = needed(walker.nodes, set(outs))
    name = model or os.path.basename(path)
    return archive_facts(path, "torch.export", name, "program", nodes, inputs, settings, outs)


def _payloads(archive: Archive, config: str, folder: str) -> dict[str, TensorRef | None]:
    """Fully-qualified weight name -> tensor (None: stored as a pickle, left unread)."""
    if not archive.has(config):
        return {}
    try:
        entries = json.loads(archive.read(archive.member(config)))["config"]
    except (ValueError, KeyError, TypeError):
        raise GraphError(f"{archive.member(config)}: malformed weights config") from None
    out: dict[str, TensorRef | None] = {}
    if not isinstance(entries, dict):
        return out
    for fqn, meta in entries.items():
        try:
            if meta.get("use_pickle"):
                out[fqn] = None
                continue
            tm = meta["tensor_meta"]
            dtype = _SCALAR.get(tm["dtype"])
            member = archive.member(folder + str(meta["path_name"]))
            shape = tuple(int(s["as_int"]) for s in tm["sizes"])
            stride = tuple(int(s["as_int"]) for s in tm["strides"])
            offset = int(tm["storage_offset"]["as_int"])
        except (KeyError, TypeError, ValueError, AttributeError):
            out[fqn] = None  # symbolic sizes or an unexpected layout: unknown weights
            continue
        info = archive.infos.get(member)
        if dtype is None or info is None or "/" in str(meta["path_name"]):
            raise GraphError(f"weight {fqn}: missing or unsupported payload {member}")
        item = 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize
        storage = StorageRef(archive, member, dtype, info.file_size // item)
        if len(shape) != len(stride) or offset < 0 or any(s < 0 for s in shape + stride):
            raise GraphError(f"weight {fqn}: invalid shape {shape} / stride {stride}")
        out[fqn] = TensorRef(storage, offset, shape, stride)
    return out


class _Walker:
    def __init__(self, path: str, tensor_values: dict) -> None:
        self.path = path
        self.base_dir = os.path.dirname(os.path.abspath(path))
        self.tensor_values = tensor_values if isinstance(tensor_values, dict) else {}
        self.env: dict[str, object] = {}
        self.param_name: dict[int, str] = {}
        self.nodes: list[GNode] = []
        self._frames: dict[str, tuple[str, int] | None] = {}

    def bind(self, specs: list, weights: dict[str, TensorRef | None]) -> list[GraphInput]:
        inputs: list[GraphInput] = []
        for spec in specs:
            if not isinstance(spec, dict) or len(spec) != 1:
                continue
            (kind, body), = spec.items()
            arg = body.get("arg") if isinstance(body, dict) else None
            if not isinstance(arg, dict):
                continue
            if kind == "user_input":
                name = (arg.get("as_tensor") or {}).get("name")
                if isinstance(name, str):
                    self.env[name] = Data(name)
                    meta = self.tensor_values.get(name)
                    dtype = _SCALAR.get(meta.get("dtype")) if isinstance(meta, dict) else None
                    inputs.append(GraphInput(name, dtype, Origin(self.path, 1, node=f"input {name}")))
                continue
            fqn = body.get("parameter_name") or body.get("buffer_name") or body.get("tensor_constant_name")
            name = arg.get("name")
            if isinstance(fqn, str) and isinstance(name, str):
                t = weights.get(fqn)
                self.env[name] = t if t is not None else _UNKNOWN
                if t is not None:
                    self.param_name.setdefault(id(t), fqn)
        return inputs

    def value(self, arg: dict):
        if not isinstance(arg, dict) or len(arg) != 1:
            return _UNKNOWN
        (kind, v), = arg.items()
        if kind == "as_tensor":
            return self.env.get(v.get("name"), _UNKNOWN) if isinstance(v, dict) else _UNKNOWN
        if kind in ("as_tensors", "as_optional_tensors"):
            return [self.value(x) if "name" not in x else self.env.get(x["name"], _UNKNOWN)
                    for x in v if isinstance(x, dict)] if isinstance(v, list) else _UNKNOWN
        if kind == "as_none":
            return None
        if kind in ("as_int", "as_float", "as_bool", "as_string", "as_ints", "as_floats", "as_bools",
                    "as_strings", "as_scalar_type"):
            return v
        if kind in ("as_sym_int", "as_sym_float"):
            return v.get("as_int", v.get("as_float", _UNKNOWN)) if isinstance(v, dict) else _UNKNOWN
        if kind == "as_sym_ints" and isinstance(v, list):
            return [x.get("as_int", _UNKNOWN) if isinstance(x, dict) else _UNKNOWN for x in v]
        return _UNKNOWN

    def node(self, n: dict) -> None:
        if not isinstance(n, dict):
            return
        target = n.get("target")
        kind = _kind(target) if isinstance(target, str) else "prim::unknown"
        named: dict[str, object] = {}
        ordered: list = []
        for inp in n.get("inputs") or []:
            if isinstance(inp, dict):
                v = self.value(inp.get("arg"))
                ordered.append(v)
                if isinstance(inp.get("name"), str):
                    named[inp["name"]] = v
        outs = _output_names(n.get("outputs") or [])
        if kind in ("aten::t", "aten::permute", "aten::transpose", "aten::numpy_T") and ordered \
                and isinstance(ordered[0], TensorRef) and ordered[0].ndim == 2 and len(outs) == 1:
            w = ordered[0]  # a transposed weight (linear decomposed to addmm): a view, no copy
            t = TensorRef(w.storage, w.offset, w.shape[::-1], w.stride[::-1])
            self.param_name.setdefault(id(t), self.param_name.get(id(w), outs[0]))
            self.env[outs[0]] = t
            return
        if kind == "aten::_native_batch_norm_legit_no_training":  # (x, w, b, mean, var, momentum, eps)
            kind, named = "aten::batch_norm", {**named, "training": False}
        if not data_keys(ordered) or not outs:
            for o in outs:
                self.env[o] = _UNKNOWN
            return
        args = normalise(kind, [], named) if _has_schema(kind) else ordered
        name = n.get("name") if isinstance(n.get("name"), str) else outs[0]
        g = aten_node(kind, args, list(outs), name, Origin(self.path, 1), self.param_name)
        g.origin = self.origin(n.get("metadata"), g.name, kind)
        self.nodes.append(g)
        for o in outs:
            self.env[o] = Data(o)

    def origin(self, meta, name: str, kind: str) -> Origin:
        label = f"{name} ({kind})"
        text = meta.get("stack_trace") if isinstance(meta, dict) else None
        if isinstance(text, str) and text:
            if text not in self._frames:
                self._frames[text] = source_frame(text, self.base_dir)
            loc = self._frames[text]
            if loc is not None:
                return Origin(loc[0], loc[1], 0, loc[1], 0, node=label)
        return Origin(self.path, 1, 0, 1, 0, node=label)


def _kind(target: str) -> str:
    """`torch.ops.aten.linear.default` -> `aten::linear`; anything else keeps its name as `other`."""
    parts = target.split(".")
    if len(parts) >= 4 and parts[0] == "torch" and parts[1] == "ops":
        kind = f"{parts[2]}::{parts[3]}"
        return "aten::_convolution" if kind == "aten::convolution" else kind
    return f"prim::{target}"


def _has_schema(kind: str) -> bool:
    from relulint.knowledge.graph_ops import ATEN_ARGS

    return (kind[:-1] if kind.endswith("_") else kind) in ATEN_ARGS


def _output_names(outputs: list) -> list[str]:
    names: list[str] = []
    for o in outputs:
        if not isinstance(o, dict):
            continue
        t = o.get("as_tensor")
        if isinstance(t, dict) and isinstance(t.get("name"), str):
            names.append(t["name"])
        for t in o.get("as_tensors") or []:
            if isinstance(t, dict) and isinstance(t.get("name"), str):
                names.append(t["name"])
    return names

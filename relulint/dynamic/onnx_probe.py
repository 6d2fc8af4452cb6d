"""ONNX probe: run the graph with onnxruntime, the intermediate ReLU / Softmax / Sigmoid outputs
added as graph outputs. There is no backward pass in onnxruntime: dead shares and activation
statistics only, no gradients (the report says so)."""

from __future__ import annotations

import math

from relulint.dynamic.stats import LayerStats, ProbeReport, numpy_summary
from relulint.dynamic.torch_probe import SATURATED_SIGMOID, SATURATED_SOFTMAX, ProbeError
from relulint.ir import Origin

_ACTS = {"Relu": "relu", "Softmax": "softmax", "Sigmoid": "sigmoid", "LogSoftmax": "log_softmax"}
DEFAULT_BATCH = 64


def _batch(np, session, inputs_npz: str | None, input_range) -> dict:
    feeds = {}
    metas = session.get_inputs()
    if inputs_npz:
        try:
            data = dict(np.load(inputs_npz))
        except Exception as exc:
            raise ProbeError(f"cannot read --inputs {inputs_npz}: {type(exc).__name__}: {exc}") from exc
        for meta in metas:
            if meta.name in data:
                feeds[meta.name] = data[meta.name]
            elif len(metas) == 1 and len(data) == 1:
                feeds[meta.name] = next(iter(data.values()))
            else:
                raise ProbeError(f"--inputs {inputs_npz} has no array named {meta.name!r} (has {sorted(data)})")
        return feeds
    if input_range is None:
        raise ProbeError("an ONNX model needs a batch: --inputs batch.npz, or --input-range LOW,HIGH to "
                         "synthesise a uniform one")
    lo, hi = input_range
    rng = np.random.default_rng(0)
    for meta in metas:
        shape = [d if isinstance(d, int) and d > 0 else (DEFAULT_BATCH if i == 0 else 1)
                 for i, d in enumerate(meta.shape)]
        dtype = "float32" if "float" in meta.type else ("uint8" if "uint8" in meta.type else "int64")
        feeds[meta.name] = (lo + (hi - lo) * rng.random(shape)).astype(dtype)
    return feeds


def probe_onnx(path: str, inputs_npz: str | None = None, input_range=None, device: str | None = None
               ) -> tuple[ProbeReport, dict[str, Origin]]:
    """(report, layer key -> Origin(path, node=name)) for one batch through onnxruntime."""
    try:
        import numpy as np
        import onnx
        import onnxruntime as ort
    except ImportError as exc:
        raise ProbeError(f"probing ONNX needs onnx and onnxruntime ({exc.name} is missing): "
                         "pip install 'relulint[onnx]'") from exc
    try:
        model = onnx.load(path)
    except Exception as exc:
        raise ProbeError(f"cannot load {path} as ONNX: {type(exc).__name__}: {exc}") from exc
    nodes = [(n, _ACTS[n.op_type]) for n in model.graph.node if n.op_type in _ACTS]
    existing = {o.name for o in model.graph.output}
    for node, _ in nodes:
        if node.output[0] not in existing:
            model.graph.output.append(onnx.ValueInfoProto(name=node.output[0]))
    providers = ["CPUExecutionProvider"]
    if device == "cuda":
        if "CUDAExecutionProvider" not in ort.get_available_providers():
            raise ProbeError("--device cuda: this onnxruntime has no CUDAExecutionProvider")
        providers.insert(0, "CUDAExecutionProvider")
    try:
        session = ort.InferenceSession(model.SerializeToString(), providers=providers)
    except Exception as exc:
        raise ProbeError(f"onnxruntime cannot load {path}: {type(exc).__name__}: {exc}") from exc
    feeds = _batch(np, session, inputs_npz, input_range)
    first = next(iter(feeds.values()))
    report = ProbeReport(framework="onnx", device=providers[0].replace("ExecutionProvider", "").lower(),
                         gradients=False, loss_desc="no loss: onnxruntime runs forward only")
    report.inputs = numpy_summary(first, 1)  # exported from torch: channels first
    if report.inputs.nonfinite:
        raise ProbeError(f"the batch inputs contain {report.inputs.nonfinite} NaN/inf value(s)")
    names = [o.name for o in session.get_outputs()]
    try:
        values = dict(zip(names, session.run(names, feeds), strict=True))
    except Exception as exc:
        raise ProbeError(f"onnxruntime failed on the batch: {type(exc).__name__}: {exc}") from exc
    report.notes.append("ONNX: no gradients in onnxruntime, so dead shares and activation statistics only "
                        "(RL402 and the gradient checks of RL403 are not judged)")
    origins: dict[str, Origin] = {}
    graph_outputs = {o.name for o in model.graph.output if o.name in existing}
    for node, kind in nodes:
        a = np.asarray(values[node.output[0]], dtype="float64")
        key = node.name or node.output[0]
        stats = LayerStats(key=key, kind="activation", module=node.op_type, name=key, activation=kind)
        n = max(a.size, 1)
        stats.mean, stats.rms = float(a.mean()), float(math.sqrt((a * a).sum() / n))
        stats.std, stats.max_abs = float(a.std()), float(np.abs(a).max()) if a.size else 0.0
        stats.zero = float((a == 0).mean())
        stats.nonfinite = not bool(np.isfinite(a).all())
        if kind == "relu" and a.ndim >= 1:
            unit_axis = 1 if a.ndim >= 3 else a.ndim - 1  # NCHW channels, or dense features
            fired = np.moveaxis(a > 0, unit_axis, 0).reshape(a.shape[unit_axis], -1).any(axis=1)
            stats.units, stats.dead = int(fired.size), float(1.0 - fired.mean())
        elif kind in ("softmax", "log_softmax"):
            thresh = SATURATED_SOFTMAX if kind == "softmax" else math.log(SATURATED_SOFTMAX)
            stats.saturated = float((a.max(axis=-1) > thresh).mean())
        elif kind == "sigmoid":
            stats.saturated = float(((a < SATURATED_SIGMOID) | (a > 1 - SATURATED_SIGMOID)).mean())
        report.layers.append(stats)
        origins[key] = Origin(path=path, line=1, col=0, node=key)
        if node.output[0] in graph_outputs:
            report.output_layer = key
    out_name = next(iter(graph_outputs), None)
    report.output = numpy_summary(values[out_name], None) if out_name in values else None
    return report, origins


"""What one probed batch measured, framework-free: torch, Keras and onnxruntime probes all fill these.

Numbers only (plain floats): the probes reduce tensors to these on the fly and never keep
activations, so a report is small enough to log, print, plot or ship across processes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


@dataclass
class LayerStats:
    """One layer call (a module, a Keras layer, an ONNX node, or a functional activation)."""

    key: str  # unique in the report: "fc1", "net.1", "fc1+relu", "act#1"
    kind: str  # affine | activation | other
    module: str  # class or op name: Linear, ReLU, relu(), Relu
    name: str | None = None  # module path as named_modules() spells it; None for functional calls
    producer: str | None = None  # functional activation: the module whose output it consumed
    call: int = 0  # k-th call of the same module in one forward
    activation: str | None = None  # canonical activation kind when this record is (or fuses) one
    units: int | None = None
    dead: float | None = None  # share of units that never fired (> 0) on any sample of the batch
    zero: float | None = None  # share of output entries exactly 0
    mean: float | None = None
    std: float | None = None
    rms: float | None = None
    max_abs: float | None = None
    in_rms: float | None = None  # RMS of the layer's input: gain = rms / in_rms
    grad_norm: float | None = None  # ||dL/d output||
    grad_rms: float | None = None
    weight_grad_norm: float | None = None  # ||dL/d weight|| of this layer's own weight
    weight_norm: float | None = None
    weight_numel: int | None = None
    saturated: float | None = None  # softmax: share of rows with max > 0.99; sigmoid: share within 1e-3 of 0/1
    input_grad_rms: float | None = None  # softmax/sigmoid: RMS of dL/d(logits), the signal that gets through
    nonfinite: bool = False
    # Source spans of this layer (where it is built, where its weight is initialised, its activation),
    # filled by whoever maps probed modules to source; `ProbeReport.layer_at` reads them.
    sites: list = field(default_factory=list)

    @property
    def label(self) -> str:
        """How messages name the layer: its module path and class, "fc1 (Linear)", "1 (ReLU)"."""
        return self.key if self.module.endswith("()") else f"{self.key} ({self.module})"

    @property
    def gain(self) -> float | None:
        if self.rms is None or not self.in_rms:
            return None
        return self.rms / self.in_rms

    @property
    def relative_weight_grad(self) -> float | None:
        """||dL/dW|| / ||W||: the size of a gradient step relative to the weights it moves."""
        if self.weight_grad_norm is None or not self.weight_norm:
            return None
        return self.weight_grad_norm / self.weight_norm


@dataclass
class TensorSummary:
    """min / max / mean / std / dtype of a batch tensor (inputs, targets, model output)."""

    shape: tuple[int, ...] = ()
    dtype: str = ""
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    nonfinite: int = 0  # count of NaN / inf entries
    zero: float | None = None  # share exactly 0
    # per feature (axis 1 of a torch batch: tabular columns, image channels; the last axis of a Keras
    # batch): {"min": [...], "max": [...], "mean": [...], "std": [...]}; None for 1-D or very wide data
    features: dict[str, list[float]] | None = None
    feature_axis: int | None = None

    def feature_rms(self) -> list[float]:
        """Each feature's RMS (sqrt(mean^2 + std^2)): its scale as the first layer sees it."""
        if not self.features:
            return []
        return [math.sqrt(m * m + s * s) for m, s in zip(self.features["mean"], self.features["std"], strict=True)]


@dataclass
class ProbeReport:
    framework: str  # torch | keras | onnx
    device: str = "cpu"
    layers: list[LayerStats] = field(default_factory=list)
    param_grad_norms: dict[str, float] = field(default_factory=dict)
    loss: float | None = None
    loss_desc: str = ""
    inputs: TensorSummary | None = None
    targets: TensorSummary | None = None
    output: TensorSummary | None = None
    output_layer: str | None = None  # key of the activation that produced the model output, if any
    gradients: bool = True  # False for onnxruntime: no backward pass exists
    step: int = 0
    notes: list[str] = field(default_factory=list)
    histograms: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # only when asked (TensorBoard)

    def layer(self, key: str) -> LayerStats | None:
        for layer in self.layers:
            if layer.key == key:
                return layer
        return None

    @property
    def relu_layers(self) -> list[LayerStats]:
        return [layer for layer in self.layers if layer.dead is not None]

    @property
    def affine_layers(self) -> list[LayerStats]:
        """Layers with a weight gradient, in forward order."""
        return [layer for layer in self.layers if layer.kind == "affine" and layer.weight_grad_norm is not None]

    @property
    def output_stats(self) -> LayerStats | None:
        return self.layer(self.output_layer) if self.output_layer else None

    def layer_at(self, origin) -> tuple[LayerStats | None, LayerStats | None]:
        """(weighted layer, its activation) whose source sites include `origin`'s line: how a static
        finding that points at a layer, its init or its activation finds what the batch measured."""
        pairs = [(layer, self.activation_of(layer)) for layer in self.layers
                 if layer.kind == "affine" and any(_same_line(s, origin) for s in layer.sites)]
        if not pairs:
            return None, None
        # a class used at several module paths (two Blocks): the worst one confirms or dismisses
        return max(pairs, key=lambda p: ((p[1].dead or 0.0) if p[1] else 0.0, p[0].gain or 0.0))

    def activation_of(self, affine: LayerStats) -> LayerStats | None:
        """The ReLU-like record fed by a weighted layer (or the layer itself when the activation is fused)."""
        act = next((x for x in self.relu_layers if x.producer == affine.key), None)
        if act is None and affine.dead is not None:
            act = affine  # a fused activation (Keras Dense(activation="relu"))
        return act

    @property
    def grad_ratio(self) -> float | None:
        """First / last weighted layer's weight-gradient norm (None without two layers or a gradient)."""
        layers = self.affine_layers
        if len(layers) < 2 or not layers[-1].weight_grad_norm:
            return None
        return layers[0].weight_grad_norm / layers[-1].weight_grad_norm

    @property
    def batch_size(self) -> int | str:
        return self.inputs.shape[0] if self.inputs is not None and self.inputs.shape else "?"

    def nonfinite_where(self) -> list[str]:
        out = []
        if self.loss is not None and not math.isfinite(self.loss):
            out.append("loss")
        out += [f"layer {layer.key}" for layer in self.layers if layer.nonfinite]
        out += [f"grad of {name}" for name, g in self.param_grad_norms.items() if not math.isfinite(g)]
        return out

    def to_dict(self) -> dict:
        return asdict(self)


def _same_line(site, origin) -> bool:
    import os

    if site is None or site.line != origin.line:
        return False
    return site.path == origin.path or os.path.abspath(site.path) == os.path.abspath(origin.path)


MAX_FEATURES = 4096  # wider batches (a flattened image) get no per-feature figures: one summary is enough


def numpy_summary(x, feature_axis: int | None = -1) -> TensorSummary:
    """TensorSummary of an array-like (Keras and ONNX batches); NaN/inf are counted, then ignored.

    Per-feature figures along `feature_axis` (channels-last for Keras) when the batch is 2-D or more."""
    import numpy as np

    a = np.asarray(x)
    f = a.astype("float64") if a.size else np.zeros(1)
    finite = np.isfinite(f)
    clean = np.where(finite, f, 0.0)
    out = TensorSummary(shape=tuple(a.shape), dtype=str(a.dtype), min=float(clean.min()), max=float(clean.max()),
                        mean=float(clean.mean()), std=float(clean.std()), nonfinite=int((~finite).sum()),
                        zero=float((clean == 0).mean()))
    if feature_axis is not None and a.ndim >= 2 and a.size and a.shape[feature_axis] <= MAX_FEATURES:
        cols = np.moveaxis(clean, feature_axis, -1).reshape(-1, a.shape[feature_axis])
        out.features = {"min": cols.min(0).tolist(), "max": cols.max(0).tolist(), "mean": cols.mean(0).tolist(),
                        "std": cols.std(0).tolist()}
        out.feature_axis = feature_axis % a.ndim
    return out

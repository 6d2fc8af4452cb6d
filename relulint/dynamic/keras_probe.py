"""Keras probe: one forward + backward of a compiled Keras model under a GradientTape.

A model with a graph (functional, or a Sequential that knows its input) is run as
`keras.Model(model.inputs, [every layer's output, each weighted layer's input, model.outputs])`, so
branching models (residual `Add`, `Concatenate`, several inputs) are measured layer by layer in one
forward; a model without a graph (a Sequential never built on an input) has its layers called one
after the other. Dense/Conv layers with a fused `activation="relu"` are judged on their
post-activation output. Gradients come from the model's compiled loss (`model.compute_loss`), or
`sum(outputs)` when it has none.
"""

from __future__ import annotations

import math

from relulint.dynamic.stats import LayerStats, ProbeReport, numpy_summary
from relulint.dynamic.torch_probe import SATURATED_SIGMOID, SATURATED_SOFTMAX, ProbeError

_AFFINE = ("Dense", "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D")


def _activation_kind(layer) -> str | None:
    name = type(layer).__name__
    if name == "ReLU":
        return "relu"
    if name == "Softmax":
        return "softmax"
    fn = getattr(layer, "activation", None)
    return getattr(fn, "__name__", None) if fn is not None else None


def probe_keras(model, x, y=None) -> ProbeReport:
    import numpy as np
    import tensorflow as tf

    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    report = ProbeReport(framework="keras", device="cpu" if not tf.config.list_physical_devices("GPU") else "gpu")
    report.inputs = numpy_summary(x)
    report.targets = numpy_summary(y) if y is not None else None
    if report.inputs.nonfinite or (report.targets is not None and report.targets.nonfinite):
        raise ProbeError("the batch contains NaN/inf values: measure on clean data")
    xt = tf.nest.map_structure(tf.convert_to_tensor, x)
    try:
        graph = _graph_model(model, layers)
        with tf.GradientTape() as tape:
            if graph is not None:
                probe_model, layers, n_in = graph
                results = probe_model(xt, training=True)
                outs = list(results[:len(layers)])
                ins = dict(zip(n_in, results[len(layers):len(layers) + len(n_in)], strict=True))
                final = results[len(layers) + len(n_in):]
                h = final[0] if len(final) == 1 else list(final)
            else:
                outs, ins, h = [], {}, xt
                for i, layer in enumerate(layers):
                    ins[i] = h
                    h = layer(h, training=True)
                    outs.append(h)
            if y is not None and getattr(model, "loss", None) is not None:
                loss = model.compute_loss(x=xt, y=tf.nest.map_structure(tf.convert_to_tensor, y), y_pred=h)
                report.loss_desc = f"compiled loss {model.loss}"
            else:
                loss = tf.add_n([tf.reduce_sum(tf.cast(t, tf.float32)) for t in tf.nest.flatten(h)])
                report.loss_desc = "sum of outputs (no compiled loss / targets)"
        weights = [w for layer in layers for w in layer.trainable_weights]
        grads = tape.gradient(loss, outs + weights)
    except Exception as exc:
        raise ProbeError(f"the Keras model failed on the batch: {type(exc).__name__}: {exc}") from exc
    report.loss = float(loss)
    out_grads, w_grads = grads[:len(outs)], grads[len(outs):]
    grad_of = {id(w): g for w, g in zip(weights, w_grads, strict=True)}
    for w, g in zip(weights, w_grads, strict=True):
        report.param_grad_norms[w.path if hasattr(w, "path") else w.name] = float(tf.norm(g)) if g is not None else 0.0
    for i, (layer, out, g) in enumerate(zip(layers, outs, out_grads, strict=True)):
        a = np.asarray(out, dtype="float64")
        cls = type(layer).__name__
        act = _activation_kind(layer)
        kind = "affine" if cls in _AFFINE else ("activation" if cls in ("ReLU", "Activation", "Softmax") else "other")
        stats = LayerStats(key=layer.name, kind=kind, module=cls, name=layer.name, activation=act)
        n = max(a.size, 1)
        stats.mean, stats.rms = float(a.mean()), float(math.sqrt((a * a).sum() / n))
        stats.std, stats.max_abs = float(a.std()), float(np.abs(a).max()) if a.size else 0.0
        stats.zero = float((a == 0).mean())
        stats.nonfinite = not bool(np.isfinite(a).all())
        if kind == "affine" and i in ins:
            p = np.asarray(ins[i], dtype="float64")
            stats.in_rms = float(math.sqrt((p * p).sum() / max(p.size, 1)))
        if g is not None:
            ga = np.asarray(g, dtype="float64")
            stats.grad_norm = float(np.linalg.norm(ga))
            stats.grad_rms = stats.grad_norm / math.sqrt(max(ga.size, 1))
        kernel = getattr(layer, "kernel", None)
        if kind == "affine" and kernel is not None:
            kg = grad_of.get(id(kernel))
            stats.weight_grad_norm = float(tf.norm(kg)) if kg is not None else 0.0
            stats.weight_norm = float(tf.norm(kernel))
            stats.weight_numel = int(np.prod(kernel.shape))
        if act in ("relu", "relu6") and a.ndim >= 2:
            fired = (a > 0).reshape(-1, a.shape[-1]).any(axis=0)  # channels-last: units are the last axis
            stats.units = int(fired.size)
            stats.dead = float(1.0 - fired.mean())
        elif act == "softmax":
            stats.saturated = float((a.max(axis=-1) > SATURATED_SOFTMAX).mean())
        elif act == "sigmoid":
            stats.saturated = float(((a < SATURATED_SIGMOID) | (a > 1 - SATURATED_SIGMOID)).mean())
        report.layers.append(stats)
        if i == len(layers) - 1 and act in ("softmax", "sigmoid", "relu", "relu6"):
            report.output_layer = stats.key
    final_out = h if not isinstance(h, list) else (outs[-1] if outs else None)
    report.output = numpy_summary(final_out, None) if final_out is not None else None
    return report


def _graph_model(model, layers):
    """(keras.Model over every layer's output + each weighted layer's single input + the model's
    outputs, the layers it covers, indices of the weighted layers whose input it returns), or None
    when the model has no graph to read them from (then its layers are chained by hand)."""
    import keras

    try:
        inputs, outputs = model.inputs, model.outputs
    except (AttributeError, ValueError):
        return None
    if not inputs or not outputs:
        return None
    covered, outs, n_in, ins = [], [], [], []
    for layer in layers:
        try:
            out = layer.output  # raises for a layer called at several places (shared layers)
        except (AttributeError, ValueError):
            continue
        if isinstance(out, (list, tuple)):
            continue  # multi-output layers: not one figure per layer
        covered.append(layer)
        outs.append(out)
    for i, layer in enumerate(covered):
        if type(layer).__name__ in _AFFINE:
            try:
                inp = layer.input
            except (AttributeError, ValueError):
                continue
            if not isinstance(inp, (list, tuple)):
                n_in.append(i)
                ins.append(inp)
    if not covered:
        return None
    return keras.Model(inputs, outs + ins + list(outputs)), covered, n_in

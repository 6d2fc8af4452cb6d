"""The dynamic pass: one real batch through the real model confirms or dismisses what the static
passes suspect, and finds what only a batch shows (RL401 dead ReLUs, RL402 vanishing gradients,
RL403 exploding signals, RL404 saturated outputs).

Nothing here imports torch, TensorFlow or onnx at import time; each probe imports its framework
when it runs. Public API:

    probe(model, batch, loss_fn=None, targets=None, device=None, settings=None) -> Findings
        PyTorch model or compiled Keras model; returns the findings (a list) with `.report`.
    LightningProbe(...), KerasProbe(...)     callbacks that probe the first training batch
    run_dynamic(args, results, settings)     the CLI's `--dynamic` (relulint.dynamic.cli)
"""

from __future__ import annotations

from typing import Any

__all__ = ["Findings", "KerasProbe", "LightningProbe", "ProbeError", "probe", "probe_report"]


class Findings(list):
    """The probe's findings; `.report` is the ProbeReport (per-layer figures) they were judged on."""

    report: Any = None

    def table(self) -> str:
        from relulint.dynamic.table import render_table

        return render_table(self.report) if self.report is not None else ""


def probe_report(model, batch, loss_fn=None, targets=None, device: str | None = None):
    """Measure one forward + backward and return the ProbeReport (no judging)."""
    from relulint.dynamic.entry import framework_of

    fw = framework_of(model)
    pair = targets is None and isinstance(batch, (tuple, list)) and len(batch) == 2
    if pair and (loss_fn is not None or (fw == "keras" and getattr(model, "loss", None) is not None
                                         and len(getattr(model, "inputs", None) or [None]) == 1)):
        batch, targets = batch  # a (inputs, targets) training batch, as DataLoaders and model.fit take them
    if fw == "keras":
        from relulint.dynamic.keras_probe import probe_keras

        return probe_keras(model, batch, targets)
    if fw != "torch":
        from relulint.dynamic.torch_probe import ProbeError

        raise ProbeError(f"cannot probe a {type(model).__name__}: expected a torch.nn.Module or a Keras model")
    from relulint.dynamic.torch_probe import probe_torch

    return probe_torch(model, batch, targets, loss_fn, device)


def probe(model, batch, loss_fn=None, targets=None, device: str | None = None, settings=None,
          source: str | None = None) -> Findings:
    """Probe one batch and return the dynamic findings (RL401-RL404), located in the model's source.

    `batch` is the model's input (a tensor, a tuple of positional inputs, or a dict of keyword
    inputs); with a `loss_fn` and no `targets`, a 2-tuple batch is read as (inputs, targets).
    Without a loss the gradients are those of `sum(outputs)`: enough for ratios between layers.
    `source` is an extra file to map layers back to; by default the first user file on the call stack
    (the model's classes' own files are always tried).
    """
    from relulint.dynamic.judge import judge, locator_for
    from relulint.ir import Origin

    report = probe_report(model, batch, loss_fn, targets, device)
    fallback = Origin(path=f"<{type(model).__name__}>", line=1, node=type(model).__name__)
    names = {n for n, _ in model.named_modules()} if hasattr(model, "named_modules") else \
        {layer.name for layer in getattr(model, "layers", [])}
    from relulint.dynamic.scale import input_scale_finding
    from relulint.dynamic.sourcemap import caller_file

    source = source or caller_file()  # the script that called probe() (or whose fit() ran the callback)
    locator = locator_for(model, [source] if source else [], fallback, names)
    out = Findings(judge(report, locator, settings))
    measured = input_scale_finding(report, locator, settings)  # raw-scale input the static pass could not see
    if measured is not None:
        out.append(measured)
    out.report = report
    return out


def __getattr__(name: str):
    if name in ("LightningProbe", "KerasProbe"):
        from relulint.dynamic import callbacks

        return getattr(callbacks, name)
    if name == "ProbeError":
        from relulint.dynamic.torch_probe import ProbeError

        return ProbeError
    raise AttributeError(f"module 'relulint.dynamic' has no attribute {name!r}")

"""Training callbacks that probe the first real training batch and log the report.

- `LightningProbe(loss_fn=...)`: a Lightning `Callback` (lightning / pytorch_lightning imported
  only when this module is). It probes the unwrapped LightningModule, not the DDP wrapper, so its
  backward triggers no all-reduce; under DDP only global rank 0 probes and reports.
- `KerasProbe(x, y)`: a Keras `Callback`. Keras does not hand batches to callbacks, so it is given
  the training data and probes its first `batch_size` rows before the first step.

Both keep `.findings` (with `.report`) and log through the `relulint` logger. The probe restores
the parameters' gradients and the buffers (BatchNorm statistics) it touched, so training proceeds
exactly as it would have.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("relulint")


def distributed_rank(trainer=None) -> int:
    """This process's rank: the trainer's global rank, torch.distributed's when initialised, else 0."""
    rank = getattr(trainer, "global_rank", None)
    if rank is not None:
        return int(rank)
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return int(dist.get_rank())
    except ImportError:
        pass
    return int(os.environ.get("RANK", "0") or 0)


def format_findings(findings) -> str:
    from relulint.dynamic.table import render_table

    lines = [render_table(findings.report)] if getattr(findings, "report", None) is not None else []
    for f in findings:
        lines.append(f"{f.origin.path}:{f.origin.line}: {f.code} [{f.name}] {f.message}")
    if not findings:
        lines.append("relulint: no dynamic findings on the first batch")
    return "\n".join(lines)


class _ProbeOnce:
    def __init__(self, loss_fn=None, settings=None, device: str | None = None) -> None:
        self.loss_fn = loss_fn
        self.settings = settings
        self.device = device
        self.findings = None
        self.done = False

    def _probe(self, model, batch, targets=None, rank: int = 0, device: str | None = None):
        if self.done:
            return None
        self.done = True  # once, even if it fails: a probe must never disturb training twice
        if rank != 0:
            return None
        from relulint.dynamic import probe
        from relulint.dynamic.torch_probe import ProbeError

        try:
            self.findings = probe(model, batch, loss_fn=self.loss_fn, targets=targets,
                                  device=self.device or device, settings=self.settings)
        except ProbeError as exc:
            log.warning("relulint: dynamic probe failed: %s", exc)
            return None
        log.warning("%s", format_findings(self.findings)) if self.findings else \
            log.info("%s", format_findings(self.findings))
        return self.findings


def _lightning_base():
    try:
        from lightning.pytorch import Callback
    except ImportError:
        try:
            from pytorch_lightning import Callback
        except ImportError:
            return object  # without Lightning the hook logic still works for anything that calls it
    return Callback


def _bases(base) -> tuple:
    return (_ProbeOnce,) if base is object else (_ProbeOnce, base)


class LightningProbe(*_bases(_lightning_base())):  # type: ignore[misc]
    def __init__(self, loss_fn=None, settings=None, device: str | None = None) -> None:
        _ProbeOnce.__init__(self, loss_fn, settings, device)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx, *args) -> None:
        device = str(getattr(pl_module, "device", "")) or None
        self._probe(pl_module, batch, rank=distributed_rank(trainer), device=device)


def _keras_base():
    try:
        import keras

        return keras.callbacks.Callback
    except ImportError:
        return object


_KERAS_PROBE = None


def _keras_probe_class():
    """Built on first use: importing Keras (TensorFlow) costs seconds a Lightning user should not pay."""
    global _KERAS_PROBE
    if _KERAS_PROBE is not None:
        return _KERAS_PROBE
    base = _keras_base()

    class KerasProbe(*_bases(base)):  # type: ignore[misc]
        def __init__(self, x, y=None, batch_size: int = 32, settings=None) -> None:
            _ProbeOnce.__init__(self, None, settings)
            if base is not object:
                base.__init__(self)
            self.x, self.y, self.batch_size = x, y, batch_size

        def on_train_batch_begin(self, batch, logs=None) -> None:
            if self.done:
                return
            x = self.x[: self.batch_size]
            y = self.y[: self.batch_size] if self.y is not None else None
            self._probe(self.model, x, targets=y, rank=distributed_rank())

    _KERAS_PROBE = KerasProbe
    return KerasProbe


def __getattr__(name: str):
    if name == "KerasProbe":
        return _keras_probe_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""PyTorch probe: one forward + backward of a real batch, measured by hooks that reduce on the fly.

Three kinds of hooks, none of which keeps an activation alive:
- forward hooks on every leaf module reduce its output to a few 0-d tensors (mean, RMS, max |a|,
  share of zeros) and register a tensor hook that reduces the output's gradient to its norm;
- a `TorchFunctionMode` sees every ReLU / softmax / sigmoid call, whether it is an `nn.ReLU`
  module or `F.relu(...)` / `x.relu()` / `x.clamp(min=0)` inside `forward`, and reduces the
  activation to a per-unit "fired at least once" vector (the dead share), saturation shares and the
  gradient that reaches its input;
- after backward, the norm of every parameter's gradient.
Everything stays on the device until one synchronisation at the end turns it into floats.
"""

from __future__ import annotations

import math
import weakref
from collections import Counter
from collections.abc import Callable
from typing import Any

from relulint.dynamic.stats import LayerStats, ProbeReport, TensorSummary

SATURATED_SOFTMAX = 0.99  # a row whose top probability exceeds this passes almost no gradient
SATURATED_SIGMOID = 1e-3  # a sigmoid output this close to 0 or 1 has derivative < 1e-3


class ProbeError(Exception):
    """The probe could not run: becomes one RL003 diagnostic, never a traceback."""


# --------------------------------------------------------------------------------- device


def choose_device(requested: str | None) -> tuple[str, str | None]:
    """(device, notice): CUDA when available, else the CPU with a one-line notice."""
    import torch

    if requested:
        if requested.startswith("cuda") and not torch.cuda.is_available():
            raise ProbeError(f"--device {requested} requested but torch.cuda.is_available() is False")
        return requested, None
    if torch.cuda.is_available():
        return "cuda", None
    return "cpu", "no CUDA device available: probing on the CPU"


def move(obj: Any, device: str) -> Any:
    """Move tensors (and tensors in tuples, lists, dicts) to the device; numpy arrays become tensors."""
    import torch

    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if type(obj).__module__ == "numpy" and hasattr(obj, "dtype"):
        return torch.as_tensor(obj).to(device)
    if isinstance(obj, (list, tuple)):
        return type(obj)(move(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: move(v, device) for k, v in obj.items()}
    return obj


def first_tensor(obj: Any):
    import torch

    if isinstance(obj, torch.Tensor):
        return obj
    if isinstance(obj, (list, tuple)):
        for o in obj:
            t = first_tensor(o)
            if t is not None:
                return t
    if isinstance(obj, dict):
        for o in obj.values():
            t = first_tensor(o)
            if t is not None:
                return t
    return None


# --------------------------------------------------------------------------------- tables


def _activation_functions() -> dict[Callable, str]:
    import torch
    import torch.nn.functional as F

    table = {
        F.relu: "relu", torch.relu: "relu", torch.relu_: "relu", torch.Tensor.relu: "relu",
        torch.Tensor.relu_: "relu", F.relu6: "relu6",
        F.softmax: "softmax", torch.softmax: "softmax", torch.Tensor.softmax: "softmax",
        F.log_softmax: "log_softmax", torch.log_softmax: "log_softmax", torch.Tensor.log_softmax: "log_softmax",
        torch.sigmoid: "sigmoid", torch.Tensor.sigmoid: "sigmoid", F.sigmoid: "sigmoid",
        torch.clamp: "clamp", torch.Tensor.clamp: "clamp", torch.Tensor.clamp_: "clamp",
        torch.clamp_min: "clamp_min", torch.Tensor.clamp_min: "clamp_min",
    }
    return table


INTERCEPTED = {"relu", "relu6", "softmax", "log_softmax", "sigmoid"}
RELU_LIKE = {"relu", "relu6"}


def _module_kind(module) -> tuple[str, str | None]:
    """(kind, activation kind) of a leaf module, from the knowledge tables (never by name guessing)."""
    from relulint.knowledge import tables

    cls = type(module)
    spec = tables().layers.get(f"torch.nn.{cls.__name__}") if cls.__module__.startswith("torch.nn") else None
    if spec is not None:
        return spec.kind, spec.activation_kind
    weight = getattr(module, "weight", None)
    if weight is not None and getattr(weight, "ndim", 0) >= 2:
        return "affine", None  # a user-defined or unlisted layer with a weight matrix
    return "other", None


# --------------------------------------------------------------------------------- the probe


class _Rec:
    __slots__ = ("stats", "pending", "fired")

    def __init__(self, stats: LayerStats) -> None:
        self.stats = stats
        self.pending: dict[str, Any] = {}  # field -> 0-d tensor, resolved at the one final sync
        self.fired = None  # bool vector: unit fired at least once on the batch


class TorchProbe:
    """Install on a model, run `measure(...)`, get a ProbeReport; hooks are removed afterwards."""

    def __init__(self, model, device: str = "cpu", samples: int = 0) -> None:
        import torch

        self.torch = torch
        self.model = model
        self.device = device
        self.samples = samples  # >0: keep that many values per layer for TensorBoard histograms
        self.names = {m: n for n, m in model.named_modules()}
        self.kinds = {m: _module_kind(m) for m in self.names}
        self.leaves = {m for m in self.names if next(iter(m.children()), None) is None}
        self.records: list[_Rec] = []
        self.keys: set[str] = set()
        self.calls: Counter = Counter()
        self.stack: list = []
        self.produced: dict[int, tuple[Any, str, str | None]] = {}  # id(tensor) -> (weakref, key, module name)
        self.histograms: dict[str, dict[str, Any]] = {}
        self.busy = False
        self.acts = _activation_functions()

    # ---- bookkeeping

    def _new(self, stats: LayerStats) -> _Rec:
        key, n = stats.key, 1
        while key in self.keys:
            key, n = f"{stats.key}#{n}", n + 1
        stats.key = key
        self.keys.add(key)
        rec = _Rec(stats)
        self.records.append(rec)
        return rec

    def _remember(self, tensor, key: str, name: str | None) -> None:
        try:
            self.produced[id(tensor)] = (weakref.ref(tensor), key, name)
        except TypeError:  # pragma: no cover - tensors always support weak references
            pass

    def _producer(self, tensor) -> tuple[str, str | None] | None:
        hit = self.produced.get(id(tensor))
        if hit is not None and hit[0]() is tensor:
            return hit[1], hit[2]
        return None

    def _reduce(self, rec: _Rec, out, inp=None) -> None:
        """Reduce a layer's output to 0-d tensors without materialising a copy of it."""
        torch = self.torch
        x = out.detach()
        if not x.is_floating_point():
            x = x.float()
        n = max(x.numel(), 1)
        p = rec.pending
        p["mean"] = x.mean() if x.numel() else torch.zeros((), device=x.device)
        p["rms"] = torch.linalg.vector_norm(x) / math.sqrt(n)
        lo, hi = torch.aminmax(x) if x.numel() else (x.new_zeros(()), x.new_zeros(()))
        p["max_abs"] = torch.maximum(-lo, hi)
        p["zero"] = 1.0 - torch.count_nonzero(x) / n
        p["finite"] = torch.isfinite(p["rms"]) & torch.isfinite(p["max_abs"])
        if inp is not None and inp.is_floating_point() and inp.numel():
            p["in_rms"] = torch.linalg.vector_norm(inp.detach()) / math.sqrt(inp.numel())
        if out.requires_grad:
            out.register_hook(self._grad_hook(rec, "grad"))
        if self.samples:
            self._sample(rec.stats.key, "activation", x)

    def _grad_hook(self, rec: _Rec, field: str):
        probe = self

        def hook(g):
            gf = g.detach().float()
            rec.pending[f"{field}_norm"] = probe.torch.linalg.vector_norm(gf)
            rec.pending[f"{field}_rms"] = rec.pending[f"{field}_norm"] / math.sqrt(max(gf.numel(), 1))
            if probe.samples and field == "grad":
                probe._sample(rec.stats.key, "gradient", gf)
            return None

        return hook

    def _sample(self, key: str, what: str, x) -> None:
        flat = x.reshape(-1)
        step = max(flat.numel() // self.samples, 1)
        self.histograms.setdefault(key, {})[what] = flat[::step][: self.samples].detach().cpu()

    # ---- hooks

    def _pre(self, module, args) -> None:
        self.stack.append(module)

    def _post(self, module, args, output) -> None:
        if self.stack and self.stack[-1] is module:
            self.stack.pop()
        if module not in self.leaves:
            return  # containers: their leaves are measured
        kind, act = self.kinds.get(module, ("other", None))
        if kind == "activation" and act in INTERCEPTED:
            return  # the function mode measures it, with the activation's own semantics
        out = first_tensor(output)
        if out is None:
            return
        self.busy = True
        try:
            with self.torch._C.DisableTorchFunction():  # our own reductions skip the function mode
                self._record_module(module, kind, act, args, out)
        finally:
            self.busy = False

    def _record_module(self, module, kind: str, act: str | None, args, out) -> None:
        name = self.names.get(module, "")
        self.calls[name] += 1
        stats = LayerStats(key=name or "model", kind=kind if kind in ("affine", "activation") else "other",
                           module=type(module).__name__, name=name, call=self.calls[name] - 1,
                           activation=act)
        rec = self._new(stats)
        inp = first_tensor(args) if kind == "affine" else None
        self._reduce(rec, out, inp)
        weight = getattr(module, "weight", None)
        if kind == "affine" and weight is not None:
            stats.weight_numel = weight.numel()
            rec.pending["weight_norm"] = self.torch.linalg.vector_norm(weight.detach().float())
            rec.pending["_weight"] = weight  # the parameter itself; its grad is read after backward
        self._remember(out, stats.key, name)

    def on_function(self, func, args, kwargs, out) -> None:
        """Called by the function mode for every torch function; measures the activations."""
        if self.busy:
            return
        kind = self.acts.get(func)
        if kind is None or not args or not isinstance(args[0], self.torch.Tensor):
            return
        if kind in ("clamp", "clamp_min"):
            lo = args[1] if len(args) > 1 else kwargs.get("min")
            hi = None if kind == "clamp_min" else (args[2] if len(args) > 2 else kwargs.get("max"))
            if not (isinstance(lo, (int, float)) and lo == 0 and hi is None):
                return
            kind = "relu"
        if not isinstance(out, self.torch.Tensor):
            return
        self.busy = True
        try:
            self._activation(kind, args, kwargs, out)
        finally:
            self.busy = False

    def _activation(self, kind: str, args, kwargs, out) -> None:
        x = args[0]
        top = self.stack[-1] if self.stack else None
        produced = self._producer(x) if x is not out else None
        producer_name = produced[1] if produced else None
        if top is not None and self.kinds.get(top, ("", None))[0] == "activation":
            name = self.names.get(top, "")
            self.calls[name] += 1
            stats = LayerStats(key=name, kind="activation", module=type(top).__name__, name=name,
                               call=self.calls[name] - 1, producer=producer_name, activation=kind)
        elif producer_name is not None:
            stats = LayerStats(key=f"{producer_name}+{kind}", kind="activation", module=f"{kind}()",
                               producer=producer_name, activation=kind)
        else:
            where = self.names.get(top, "") if top is not None else ""
            stats = LayerStats(key=f"{where or 'model'}:{kind}", kind="activation", module=f"{kind}()",
                               activation=kind)
        rec = self._new(stats)
        self._reduce(rec, out)
        y = out.detach()
        if kind in RELU_LIKE and y.ndim >= 1:
            unit_dim = y.ndim - 1 if y.ndim == 2 or self._from_linear(produced) else 1
            dims = [d for d in range(y.ndim) if d != unit_dim]
            fired = (y.amax(dim=dims) > 0) if dims else (y > 0)
            rec.fired = fired.reshape(-1)
        elif kind in ("softmax", "log_softmax"):
            dim = kwargs.get("dim", args[1] if len(args) > 1 else -1)
            dim = -1 if dim is None else dim
            thresh = SATURATED_SOFTMAX if kind == "softmax" else math.log(SATURATED_SOFTMAX)
            rec.pending["saturated"] = (y.amax(dim=dim) > thresh).float().mean()
        elif kind == "sigmoid":
            rec.pending["saturated"] = ((y < SATURATED_SIGMOID) | (y > 1 - SATURATED_SIGMOID)).float().mean()
        if kind not in RELU_LIKE and x is not out and x.requires_grad:
            x.register_hook(self._grad_hook(rec, "input_grad"))
        self._remember(out, stats.key, stats.name)

    def _from_linear(self, produced) -> bool:
        if not produced or produced[1] is None:
            return False
        for module, name in self.names.items():
            if name == produced[1]:
                return type(module).__name__ in ("Linear", "LazyLinear", "Bilinear")
        return False

    # ---- one measured step

    def measure(self, inputs, targets=None, loss_fn: Callable | None = None, step: int = 0,
                keep_grads: bool = False) -> ProbeReport:
        torch = self.torch
        model = self.model
        report = ProbeReport(framework="torch", device=str(self.device), step=step)
        pending_in = _summary_pending(first_tensor(inputs))
        pending_tg = _summary_pending(first_tensor(targets)) if targets is not None else None

        saved_grads = {} if keep_grads else {n: p.grad for n, p in model.named_parameters()}
        saved_buffers = {n: b.detach().clone() for n, b in model.named_buffers()} if not keep_grads else {}
        was_training = model.training
        if not keep_grads:
            for p in model.parameters():
                p.grad = None
        handles = []
        for m in self.names:
            handles.append(m.register_forward_pre_hook(self._pre))
            handles.append(m.register_forward_hook(self._post))
        mode = _mode_class()(self)
        try:
            model.train()
            with mode:
                try:
                    output = _call(model, inputs)
                except torch.cuda.OutOfMemoryError:
                    raise
                except Exception as exc:
                    raise ProbeError(f"the model's forward failed on the batch: {type(exc).__name__}: {exc}") from exc
            out = first_tensor(output)
            if out is None:
                raise ProbeError("the model's forward returned no tensor")
            hit = self._producer(out)
            if hit is not None and any(r.stats.key == hit[0] and r.stats.kind == "activation" for r in self.records):
                report.output_layer = hit[0]
            pending_out = _summary_pending(out)
            if loss_fn is not None:
                try:
                    loss = loss_fn(output, targets) if targets is not None else loss_fn(output)
                except Exception as exc:
                    raise ProbeError(f"the loss function failed: {type(exc).__name__}: {exc}") from exc
                report.loss_desc = f"{getattr(loss_fn, '__name__', type(loss_fn).__name__)}(outputs, targets)"
            else:
                loss = out.float().sum()  # gradient of ones at the output: relative grad figures stay meaningful
                report.loss_desc = "sum of outputs (no loss function given)"
            if not isinstance(loss, torch.Tensor):
                raise ProbeError(f"the loss function returned {type(loss).__name__}, not a tensor")
            if loss.numel() != 1:
                loss = loss.float().mean()
                report.notes.append("the loss was not a scalar: its mean was back-propagated")
            if loss.requires_grad:
                try:
                    loss.backward()
                except torch.cuda.OutOfMemoryError:
                    raise
                except Exception as exc:
                    raise ProbeError(f"backward failed: {type(exc).__name__}: {exc}") from exc
            else:
                report.gradients = False
                report.notes.append("the loss does not require grad: no gradients measured")
            self._finish(report, loss, pending_in, pending_tg, pending_out)
        except torch.cuda.OutOfMemoryError as exc:
            raise ProbeError(f"CUDA out of memory on {self.device} while probing one batch "
                             f"({str(exc).splitlines()[0]}); the CPU is not tried silently: use a smaller "
                             "batch or --device cpu") from exc
        finally:
            for h in handles:
                h.remove()
            model.train(was_training)
            if not keep_grads:
                for n, p in model.named_parameters():
                    p.grad = saved_grads.get(n)
                with torch.no_grad():
                    for n, b in model.named_buffers():
                        if n in saved_buffers:
                            b.copy_(saved_buffers[n])
        _check_batch(report)
        return report

    def _finish(self, report: ProbeReport, loss, pending_in, pending_tg, pending_out) -> None:
        """The one synchronisation: every pending 0-d tensor becomes a float in a single transfer."""
        torch = self.torch
        params = [(n, p) for n, p in self.model.named_parameters() if p.grad is not None]
        flat: list = [loss.detach().float().reshape(())]
        slots: list[tuple[Any, str]] = []
        for rec in self.records:
            w = rec.pending.pop("_weight", None)
            if w is not None and w.grad is not None:
                rec.pending["weight_grad_norm"] = torch.linalg.vector_norm(w.grad.detach().float())
            if rec.fired is not None:
                rec.stats.units = int(rec.fired.numel())
                rec.pending["dead"] = 1.0 - rec.fired.float().mean()
            for field, value in rec.pending.items():
                slots.append((rec.stats, field))
                flat.append(value.detach().float().reshape(()).to(flat[0].device))
        n_params = len(params)
        flat += [torch.linalg.vector_norm(p.grad.detach().float()).to(flat[0].device) for _, p in params]
        summaries = [s for s in (pending_in, pending_tg, pending_out) if s is not None]
        for s in summaries:
            flat += [v.to(flat[0].device) for v in s["values"]]
        if _is_cuda(flat[0]):
            torch.cuda.synchronize(flat[0].device)  # the one synchronisation of the probe
        values = torch.stack(flat).tolist()
        report.loss = values[0]
        i = 1
        for stats, field in slots:
            v = values[i]
            i += 1
            if field == "finite":
                stats.nonfinite = not bool(v)
            else:
                setattr(stats, field, v)
        for (name, _), v in zip(params, values[i:i + n_params], strict=True):
            report.param_grad_norms[name] = v
        i += n_params
        for stats in (r.stats for r in self.records):
            if stats.rms is not None and stats.mean is not None:
                stats.std = math.sqrt(max(stats.rms ** 2 - stats.mean ** 2, 0.0)) if math.isfinite(stats.rms) else stats.rms
        out_summaries = []
        for s in summaries:
            k = len(s["values"])
            out_summaries.append(_summary_from(s, values[i:i + k]))
            i += k
        it = iter(out_summaries)
        report.inputs = next(it) if pending_in is not None else None
        report.targets = next(it) if pending_tg is not None else None
        report.output = next(it)
        report.layers = [r.stats for r in self.records]
        report.histograms = {k: {w: t.tolist() for w, t in v.items()} for k, v in self.histograms.items()}


def _summary_pending(t) -> dict | None:
    """Summary statistics of a batch tensor as pending 0-d tensors (resolved at the final sync)."""
    if t is None:
        return None
    import torch

    x = t.detach()
    xf = x.float() if x.numel() else torch.zeros(1, device=x.device)
    finite = torch.isfinite(xf)
    nonfinite = xf.numel() - finite.sum() if x.is_floating_point() else torch.zeros((), device=x.device)
    clean = torch.where(finite, xf, torch.zeros((), device=x.device)) if x.is_floating_point() else xf
    n = max(clean.numel(), 1)
    mean = clean.sum() / n
    var = (clean - mean).pow(2).sum() / max(n - 1, 1)
    lo, hi = torch.aminmax(clean)
    zero = 1.0 - torch.count_nonzero(clean) / n
    return {"shape": tuple(x.shape), "dtype": str(x.dtype).replace("torch.", ""),
            "values": [lo.float(), hi.float(), mean.float(), var.sqrt().float(), torch.as_tensor(nonfinite).float(),
                       zero.float()]}


def _summary_from(pending: dict, values: list[float]) -> TensorSummary:
    lo, hi, mean, std, nonfinite, zero = values
    return TensorSummary(shape=pending["shape"], dtype=pending["dtype"], min=lo, max=hi, mean=mean, std=std,
                         nonfinite=int(nonfinite), zero=zero)


def _is_cuda(t) -> bool:
    return t.device.type == "cuda"


def _check_batch(report: ProbeReport) -> None:
    for what, s in (("inputs", report.inputs), ("targets", report.targets)):
        if s is not None and s.nonfinite:
            raise ProbeError(f"the batch {what} contain {s.nonfinite} NaN/inf value(s): measure on clean data")


def _call(model, inputs):
    if isinstance(inputs, dict):
        return model(**inputs)
    if isinstance(inputs, (list, tuple)):
        return model(*inputs)
    return model(inputs)


_MODE = None


def _mode_class():
    """The TorchFunctionMode subclass, built on first use so importing this module needs no torch."""
    global _MODE
    if _MODE is None:
        from torch.overrides import TorchFunctionMode

        class ActivationMode(TorchFunctionMode):
            def __init__(self, probe: TorchProbe) -> None:
                super().__init__()
                self.probe = probe

            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                out = func(*args, **kwargs)
                self.probe.on_function(func, args, kwargs, out)
                return out

        _MODE = ActivationMode
    return _MODE


def probe_torch(model, inputs, targets=None, loss_fn: Callable | None = None, device: str | None = None,
                samples: int = 0) -> ProbeReport:
    """Move model and batch to the device and measure one forward + backward."""
    dev, notice = choose_device(device)
    report = _probe_on(model, inputs, targets, loss_fn, dev, samples)
    if notice:
        report.notes.insert(0, notice)
    return report


def _probe_on(model, inputs, targets, loss_fn, dev, samples=0, step=0, keep_grads=False, probe_holder=None):
    import torch

    try:
        model.to(dev)
        inputs = move(inputs, dev)
        targets = move(targets, dev)
    except torch.cuda.OutOfMemoryError as exc:
        raise ProbeError(f"CUDA out of memory moving the model and batch to {dev}; the CPU is not tried "
                         "silently: use a smaller batch or --device cpu") from exc
    probe = TorchProbe(model, dev, samples)
    report = probe.measure(inputs, targets, loss_fn, step=step, keep_grads=keep_grads)
    if probe_holder is not None:
        probe_holder.append(probe)
    return report


def train_steps(model, inputs, targets, loss_fn, optimizer=None, steps: int = 1, device: str | None = None
                ) -> list[ProbeReport]:
    """Probe, take an optimiser step on the same batch, repeat: reports for steps 0..N.

    The default optimiser is Adam(lr=1e-3). This changes the model's weights: it is what `--steps`
    asks for (a layer that dies during the first updates, as in seed 004).
    """
    import torch

    dev, notice = choose_device(device)
    model.to(dev)
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    reports = []
    for step in range(steps + 1):
        optimizer.zero_grad(set_to_none=True)
        report = _probe_on(model, inputs, targets, loss_fn, dev, step=step, keep_grads=True)
        reports.append(report)
        if step < steps:
            optimizer.step()
    if notice:
        reports[0].notes.insert(0, notice)
    return reports

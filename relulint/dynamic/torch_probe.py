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

from relulint.dynamic.stats import MAX_FEATURES, LayerStats, ProbeReport, TensorSummary

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
NON_NEGATIVE = {"relu", "relu6", "softmax", "sigmoid"}  # outputs >= 0: sign() alone counts the non-zeros


def _count_nonzero(x, non_negative: bool = False):
    """Non-zero entries as a float32 0-d tensor. `torch.count_nonzero` takes ~10 ms on a 2M-entry CPU
    tensor (int64 accumulation); summing signs is ~10x faster, exact below 2**24 entries and within
    1e-7 of the share above."""
    import torch

    signs = x.sign()
    return (signs if non_negative else signs.abs_()).sum(dtype=torch.float32)


_KIND_OF_CLASS: dict[type, tuple[str, str | None]] = {}


def _module_kind(module) -> tuple[str, str | None]:
    """(kind, activation kind) of a leaf module, from the knowledge tables (never by name guessing)."""
    cls = type(module)
    hit = _KIND_OF_CLASS.get(cls)  # a probe is built per step: look each class up once per process
    if hit is not None:
        return hit
    from relulint.knowledge import tables

    spec = tables().layers.get(f"torch.nn.{cls.__name__}") if cls.__module__.startswith("torch.nn") else None
    if spec is not None:
        _KIND_OF_CLASS[cls] = (spec.kind, spec.activation_kind)
        return _KIND_OF_CLASS[cls]
    weight = getattr(module, "weight", None)
    if weight is not None and getattr(weight, "ndim", 0) >= 2:
        return "affine", None  # a user-defined or unlisted layer with a weight matrix
    return "other", None


# --------------------------------------------------------------------------------- the probe


class _Rec:
    __slots__ = ("stats", "pending", "fired", "numel", "in_numel", "grad_numel", "weight")

    def __init__(self, stats: LayerStats) -> None:
        self.stats = stats
        # field -> 0-d tensor, resolved at the one final sync; raw sums and counts, the divisions by
        # the element counts below happen in Python afterwards (a tensor op per figure costs more)
        self.pending: dict[str, Any] = {}
        self.fired = None  # per-unit max of a ReLU output: > 0 where the unit fired at least once
        self.numel = 1
        self.in_numel = 1
        self.grad_numel: dict[str, int] = {}
        self.weight = None  # the layer's weight parameter: its norms come from one batched call


class TorchProbe:
    """Install on a model, run `measure(...)`, get a ProbeReport; hooks are removed afterwards."""

    def __init__(self, model, device: str = "cpu", samples: int = 0) -> None:
        import torch

        self.torch = torch
        self.model = model
        self.device = device
        self.samples = samples  # >0: keep that many values per layer for TensorBoard histograms
        self.names = {m: n for n, m in model.named_modules()}
        self.by_name = {n: m for m, n in self.names.items()}
        self.kinds = {m: _module_kind(m) for m in self.names}
        self.leaves = {m for m in self.names if next(iter(m.children()), None) is None}
        self.records: list[_Rec] = []
        self.keys: set[str] = set()
        self.calls: Counter = Counter()
        self.stack: list = []
        # id(tensor) -> (weakref, key, module name, its norm, its version): a layer's input that another
        # layer produced reuses that norm instead of reducing the tensor again
        self.produced: dict[int, tuple[Any, str, str | None, Any, int]] = {}
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

    def _remember(self, tensor, key: str, name: str | None, norm=None) -> None:
        try:
            self.produced[id(tensor)] = (weakref.ref(tensor), key, name, norm, tensor._version)
        except TypeError:  # pragma: no cover - tensors always support weak references
            pass

    def _producer(self, tensor) -> tuple[str, str | None] | None:
        hit = self.produced.get(id(tensor))
        if hit is not None and hit[0]() is tensor:
            return hit[1], hit[2]
        return None

    def _known_norm(self, tensor):
        """The norm a producing layer already computed, unless the tensor changed in place since."""
        hit = self.produced.get(id(tensor))
        if hit is not None and hit[3] is not None and hit[0]() is tensor and hit[4] == tensor._version:
            return hit[3]
        return None

    def _reduce(self, rec: _Rec, out, kind: str, inp=None):
        """Reduce a layer's output to 0-d tensors without materialising a copy of it; returns its norm.

        Only what some rule, confirmation or the table reads: every layer gets its norm (RMS, and
        non-finite values make it non-finite); weighted layers and activations add mean and max |a|
        (and the input's norm, for the gain); activations also the zero count and the gradient of
        their output. Layers of kind "other" (norms, pooling, dropout) stop at the norm.
        """
        torch = self.torch
        x = out.detach()
        if not x.is_floating_point():
            x = x.float()
        f32 = torch.float32
        rec.numel = n = x.numel()
        p = rec.pending
        norm = p["norm"] = torch.linalg.vector_norm(x, dtype=f32)
        full = bool(self.samples)
        if n and (kind != "other" or full):
            p["sum"] = x.sum(dtype=f32)
            if rec.stats.activation not in RELU_LIKE or x.ndim == 0:  # ReLU: max |a| = max of per-unit maxima
                p["lo"], p["hi"] = torch.aminmax(x)
            if kind == "activation" or full:
                p["nonzero"] = _count_nonzero(x, rec.stats.activation in NON_NEGATIVE)
        if inp is not None and inp.is_floating_point() and inp.numel():
            rec.in_numel = inp.numel()
            known = self._known_norm(inp)
            p["in_norm"] = known if known is not None else torch.linalg.vector_norm(inp.detach(), dtype=f32)
        if out.requires_grad and (kind == "activation" or full):
            out.register_hook(self._grad_hook(rec, "grad"))
        if full:
            self._sample(rec.stats.key, "activation", x)
        return norm

    def _grad_hook(self, rec: _Rec, field: str):
        probe = self

        def hook(g):
            rec.pending[field] = probe.torch.linalg.vector_norm(g.detach(), dtype=probe.torch.float32)
            rec.grad_numel[field] = g.numel()
            if probe.samples and field == "grad":
                probe._sample(rec.stats.key, "gradient", g.detach().float())
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
        norm = self._reduce(rec, out, stats.kind, inp)
        weight = getattr(module, "weight", None)
        if kind == "affine" and isinstance(weight, self.torch.Tensor):
            stats.weight_numel = weight.numel()
            rec.weight = weight  # the parameter itself: its norm and its grad's norm are taken at the end
        self._remember(out, stats.key, name, norm)

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
            with self.torch._C.DisableTorchFunction():  # our own reductions skip the function mode
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
        norm = self._reduce(rec, out, "activation")
        y = out.detach()
        if kind in RELU_LIKE and y.ndim >= 1:
            unit_dim = y.ndim - 1 if y.ndim == 2 or self._from_linear(produced) else 1
            dims = [d for d in range(y.ndim) if d != unit_dim]
            rec.fired = (y.amax(dim=dims) if dims else y).reshape(-1)
        elif kind in ("softmax", "log_softmax"):
            dim = kwargs.get("dim", args[1] if len(args) > 1 else -1)
            dim = -1 if dim is None else dim
            thresh = SATURATED_SOFTMAX if kind == "softmax" else math.log(SATURATED_SOFTMAX)
            rec.pending["saturated"] = (y.amax(dim=dim) > thresh).float().mean()
        elif kind == "sigmoid":
            rec.pending["saturated"] = ((y < SATURATED_SIGMOID) | (y > 1 - SATURATED_SIGMOID)).float().mean()
        if kind not in RELU_LIKE and x is not out and x.requires_grad:
            x.register_hook(self._grad_hook(rec, "input_grad"))
        self._remember(out, stats.key, stats.name, norm)

    def _from_linear(self, produced) -> bool:
        if not produced or produced[1] is None:
            return False
        module = self.by_name.get(produced[1])
        return module is not None and type(module).__name__ in ("Linear", "LazyLinear", "Bilinear")

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
            pending_out = _summary_pending(out, features=False)
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
        """The one synchronisation: every pending tensor becomes a float in a single transfer.

        Norms of parameters and of their gradients are each one batched `_foreach_norm` call; the
        per-unit ReLU maxima travel whole (a few thousand numbers) and are counted in Python.
        """
        torch = self.torch
        f32 = torch.float32
        dev = loss.device
        params = [(n, p) for n, p in self.model.named_parameters() if p.grad is not None]
        grad_norms = _norms(torch, [p.grad.detach() for _, p in params])
        grad_of = {id(p): g for (_, p), g in zip(params, grad_norms, strict=True)}
        weighted = [r for r in self.records if r.weight is not None]
        weight_norms = _norms(torch, [r.weight.detach() for r in weighted])
        scalars: list = [loss.detach().reshape(())]
        slots: list[tuple[_Rec, str]] = []
        for rec, wn in zip(weighted, weight_norms, strict=True):
            rec.pending["weight_norm"] = wn
            g = grad_of.get(id(rec.weight))
            if g is not None:
                rec.pending["weight_grad_norm"] = g
        for rec in self.records:
            for field, value in rec.pending.items():
                slots.append((rec, field))
                scalars.append(value)
        scalars += grad_norms
        summaries = [s for s in (pending_in, pending_tg, pending_out) if s is not None]
        for s in summaries:
            scalars += s["values"]
        scalars = [t if t.dtype is f32 and t.device == dev else t.to(dev, f32) for t in scalars]
        fired = [r for r in self.records if r.fired is not None]
        vectors = [r.fired if r.fired.dtype is f32 and r.fired.device == dev else r.fired.to(dev, f32)
                   for r in fired]
        featured = [s for s in (pending_in, pending_tg) if s is not None and "features" in s]
        vectors += [s["features"].to(dev) for s in featured]
        if _is_cuda(loss):
            torch.cuda.synchronize(dev)  # the one synchronisation of the probe
        values = torch.cat([torch.stack(scalars), *vectors]).tolist()
        report.loss = values[0]
        i = 1
        for rec, field in slots:
            _store(rec, field, values[i])
            i += 1
        for (name, _), v in zip(params, values[i:i + len(params)], strict=True):
            report.param_grad_norms[name] = v
        i += len(params)
        out_summaries = []
        for s in summaries:
            k = len(s["values"])
            out_summaries.append(_summary_from(s, values[i:i + k]))
            i += k
        for rec in fired:
            k = rec.fired.numel()
            unit_max = values[i:i + k]
            i += k
            rec.stats.units = k
            fired_units = sum(map((0.0).__lt__, unit_max))  # NaN never counts as fired, as before
            rec.stats.dead = (k - fired_units) / k if k else 0.0
            if k:
                rec.stats.max_abs = max(unit_max)  # a NaN here also makes the norm NaN: flagged non-finite
        for s in featured:
            k = s["features"].numel()
            s["feature_values"] = values[i:i + k]
            i += k
        for s, summary in zip(summaries, out_summaries, strict=True):
            if "feature_values" in s:
                c = len(s["feature_values"]) // 4
                summary.features = {k: s["feature_values"][j * c:(j + 1) * c]
                                    for j, k in enumerate(("min", "max", "mean", "std"))}
                summary.feature_axis = 1
        for rec in self.records:
            _derive(rec.stats)
        it = iter(out_summaries)
        report.inputs = next(it) if pending_in is not None else None
        report.targets = next(it) if pending_tg is not None else None
        report.output = next(it)
        report.layers = [r.stats for r in self.records]
        report.histograms = {k: {w: t.tolist() for w, t in v.items()} for k, v in self.histograms.items()}


def _norms(torch, tensors: list) -> list:
    """2-norms of many tensors in one batched call (float32 accumulation), one by one if unsupported."""
    if not tensors:
        return []
    try:
        return list(torch._foreach_norm(tensors, dtype=torch.float32))
    except (RuntimeError, TypeError, AttributeError):  # pragma: no cover - older torch / mixed devices
        return [torch.linalg.vector_norm(t, dtype=torch.float32) for t in tensors]


def _store(rec: _Rec, field: str, v: float) -> None:
    """One synced figure into LayerStats: raw sums and counts become means, RMS and shares here."""
    s = rec.stats
    n = max(rec.numel, 1)
    if field == "norm":
        s.rms = v / math.sqrt(n)
    elif field == "sum":
        s.mean = v / n
    elif field == "lo":
        s.max_abs = -v if s.max_abs is None else max(-v, s.max_abs)
    elif field == "hi":
        s.max_abs = v if s.max_abs is None else max(v, s.max_abs)
    elif field == "nonzero":
        s.zero = 1.0 - v / n
    elif field == "in_norm":
        s.in_rms = v / math.sqrt(max(rec.in_numel, 1))
    elif field in ("grad", "input_grad"):
        setattr(s, f"{field}_norm", v)
        setattr(s, f"{field}_rms", v / math.sqrt(max(rec.grad_numel.get(field, 1), 1)))
    else:
        setattr(s, field, v)


def _derive(s: LayerStats) -> None:
    """std from RMS and mean; non-finite when the norm (or max |a|) is NaN/inf."""
    if s.rms is not None and s.mean is not None:
        s.std = math.sqrt(max(s.rms ** 2 - s.mean ** 2, 0.0)) if math.isfinite(s.rms) else s.rms
    s.nonfinite = not (s.rms is None or math.isfinite(s.rms)) or not (s.max_abs is None or math.isfinite(s.max_abs))


def _summary_pending(t, features: bool = True) -> dict | None:
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
    zero = 1.0 - _count_nonzero(clean) / n
    out = {"shape": tuple(x.shape), "dtype": str(x.dtype).replace("torch.", ""),
           "values": [lo.float(), hi.float(), mean.float(), var.sqrt().float(), torch.as_tensor(nonfinite).float(),
                      zero.float()]}
    if features and clean.dim() >= 2 and clean.shape[0] and 0 < clean.shape[1] <= MAX_FEATURES:
        # per feature: columns of a tabular batch, channels of an image batch (N, C, ...)
        cols = clean.transpose(0, 1).reshape(clean.shape[1], -1)
        fmin, fmax = torch.aminmax(cols, dim=1)
        fstd, fmean = torch.std_mean(cols, dim=1, correction=0)
        out["features"] = torch.cat([fmin, fmax, fmean, fstd]).float()
    return out


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
                self.acts = probe.acts

            def __torch_function__(self, func, types, args=(), kwargs=None):
                # every torch call of the forward passes here: only activations cost more than a lookup
                kwargs = kwargs or {}
                out = func(*args, **kwargs)
                if func in self.acts:
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


def train_steps(model, inputs, targets, loss_fn, optimizer=None, steps: int = 1, device: str | None = None,
                samples: int = 0) -> list[ProbeReport]:
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
        report = _probe_on(model, inputs, targets, loss_fn, dev, samples=samples, step=step, keep_grads=True)
        reports.append(report)
        if step < steps:
            optimizer.step()
    if notice:
        reports[0].notes.insert(0, notice)
    return reports

"""The per-layer picture: a compact terminal table, a matplotlib figure, TensorBoard histograms."""

from __future__ import annotations

import math

from relulint.dynamic.stats import ProbeReport
from relulint.rules._support import fmt

BAR_WIDTH = 20


def _bar(share: float | None) -> str:
    if share is None:
        return ""
    n = round(max(0.0, min(1.0, share)) * BAR_WIDTH)
    return "#" * n + "." * (BAR_WIDTH - n)


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    if not math.isfinite(x):
        return str(x)
    return fmt(x)


def render_table(report: ProbeReport) -> str:
    """layer | kind | dead % | act RMS | grad norm | dead-share bar, one row per measured layer."""
    rows = [("layer", "module", "dead", "act rms", "grad norm", "dead share")]
    for layer in report.layers:
        grad = layer.weight_grad_norm if layer.weight_grad_norm is not None else layer.grad_norm
        dead = f"{layer.dead:.0%}" if layer.dead is not None else "-"
        rows.append((layer.key, layer.module, dead, _num(layer.rms), _num(grad) if report.gradients else "n/a",
                     _bar(layer.dead)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    head = f"relulint probe ({report.framework}, {report.device})"
    if report.loss is not None:
        head += f": loss {_num(report.loss)} [{report.loss_desc}]"
    if report.inputs is not None and report.inputs.min is not None:
        s = report.inputs
        head += f"; inputs {s.dtype} min {_num(s.min)} max {_num(s.max)} mean {_num(s.mean)} std {_num(s.std)}"
    out = [head, *lines]
    if not report.gradients:
        out.append("no gradients: this probe has no backward pass (grad norm n/a)")
    out += [f"note: {n}" for n in report.notes]
    return "\n".join(out)


def render_steps(reports: list[ProbeReport]) -> str:
    """How loss, the worst dead share and the first/last gradient ratio moved over --steps."""
    rows = [("step", "loss", "max dead", "grad first/last", "dead share")]
    for r in reports:
        dead = max((x.dead for x in r.relu_layers), default=None)
        layers = r.affine_layers
        ratio = layers[0].weight_grad_norm / layers[-1].weight_grad_norm \
            if len(layers) >= 2 and layers[-1].weight_grad_norm else None
        rows.append((str(r.step), _num(r.loss), f"{dead:.0%}" if dead is not None else "-", _num(ratio), _bar(dead)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def write_plot(report: ProbeReport, path: str) -> str | None:
    """Dead share and gradient norm by layer as a PNG; returns an error message instead of raising."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return f"--plot {path}: matplotlib is not installed (pip install matplotlib); no figure written"
    keys = [x.key for x in report.layers]
    dead = [x.dead if x.dead is not None else 0.0 for x in report.layers]
    grads = [(x.weight_grad_norm if x.weight_grad_norm is not None else x.grad_norm) or 0.0 for x in report.layers]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(max(6, len(keys) * 0.5), 6), sharex=True)
    ax1.bar(range(len(keys)), dead, color="tab:red")
    ax1.set_ylabel("dead share")
    ax1.set_ylim(0, 1)
    ax2.bar(range(len(keys)), [g if g > 0 else float("nan") for g in grads], color="tab:blue")
    ax2.set_yscale("log")
    ax2.set_ylabel("grad norm")
    ax2.set_xticks(range(len(keys)), keys, rotation=60, ha="right")
    fig.suptitle(f"relulint probe: loss {_num(report.loss)}")
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as exc:
        return f"--plot {path}: cannot write: {exc.strerror or exc}"
    finally:
        plt.close(fig)
    return None


def write_tensorboard(reports: list[ProbeReport], logdir: str) -> str | None:
    """Activation and gradient histograms per layer (what seed 004 looked at) plus scalars per step."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return (f"--tensorboard {logdir}: the tensorboard package is not installed (pip install tensorboard); "
                "no event files written")
    import numpy as np

    writer = SummaryWriter(logdir)
    try:
        for r in reports:
            if r.loss is not None and math.isfinite(r.loss):
                writer.add_scalar("loss", r.loss, r.step)
            for layer in r.layers:
                if layer.dead is not None:
                    writer.add_scalar(f"dead_share/{layer.key}", layer.dead, r.step)
                if layer.weight_grad_norm is not None:
                    writer.add_scalar(f"weight_grad_norm/{layer.key}", layer.weight_grad_norm, r.step)
            for key, hists in r.histograms.items():
                for what, values in hists.items():
                    if values:
                        writer.add_histogram(f"{what}/{key}", np.asarray(values), r.step)
    finally:
        writer.close()
    return None

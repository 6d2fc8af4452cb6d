"""Small judgements several rules share (kept here so each rule module stays one decision)."""

from __future__ import annotations

import math

from relulint.ir import Op
from relulint.knowledge import he_std


def init_scale(op: Op) -> tuple[float, float, int] | None:
    """(std, He std, fan_in) for an affine op whose init std and fan-in are both known."""
    if op.kind != "affine" or op.weight_init is None or not op.fan_in:
        return None
    std = op.weight_init.std_for(op.fan_in, op.fan_out)
    if std == 0 and op.weight_init.low == 0 and op.weight_init.high == 0:
        return 0.0, he_std(op.fan_in), op.fan_in  # zeros_, tf.zeros: every unit identical, the signal gone
    if std is None or not 0 < std < math.inf:  # NaN or infinite weights (a corrupt file): no scale to judge
        return None
    return std, he_std(op.fan_in), op.fan_in


def scale_sieve(limit: float, above: bool):
    """A sieve (Network.iter_affines) keeping layers whose init std is above / below `limit` x He's std,
    with slack for rounding: it works on numpy arrays, where knowledge.he_std's math.sqrt does not."""
    if above:
        return lambda a: a.init_std > limit * (2.0 / a.fan_in) ** 0.5 * (1 - 1e-9)
    return lambda a: a.init_std < limit * (2.0 / a.fan_in) ** 0.5 * (1 + 1e-9)


def fmt(x: float) -> str:
    """Compact number for messages: 0.0072, 19.6, 1e-03."""
    if x == 0:
        return "0"
    if abs(x) >= 0.001 and abs(x) < 1e5:
        text = f"{x:.3g}"
        return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text  # 10 stays "10"
    return f"{x:.0e}"


def output_trained_with(ir, kinds, predicate):
    """(output activation, loss) when the network's output activation is one of `kinds` and every loss
    joined to it satisfies `predicate`; None otherwise (unknown loss: stay silent)."""
    out = ir.network.output_activation()
    losses = ir.all_losses
    if out is None or out.origin is None or out.kind not in kinds:
        return None
    if not losses or not all(predicate(loss) for loss in losses):
        return None
    return out, losses[0]


# ------------------------------------------------------------------------------ confirmation figures


def layer_text(affine, act=None) -> str:
    """'layer fc1: 100% of 8 units never fired, signal gain 3.2x, weight grad norm 0.01'."""
    parts = [f"layer {affine.key}"]
    if act is not None and act.dead is not None:
        parts.append(f"{act.dead:.0%} of {act.units} units never fired")
    if affine.gain is not None:
        parts.append(f"signal gain {fmt(affine.gain)}x")
    if affine.weight_grad_norm is not None:
        parts.append(f"weight grad norm {fmt(affine.weight_grad_norm)}")
    return ": ".join(parts[:2]) + (", " + ", ".join(parts[2:]) if len(parts) > 2 else "")


def layer_figures(affine, act=None) -> dict:
    return {"dead_share": act.dead if act else None, "gain": affine.gain, "rms": affine.rms,
            "weight_grad_norm": affine.weight_grad_norm}


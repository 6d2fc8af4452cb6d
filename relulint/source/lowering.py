"""Table-driven pieces the API models share: an initialiser spec to an Init, a framework's default init."""

from __future__ import annotations

import libcst as cst

from relulint.ir import Init, Origin
from relulint.knowledge import SCHEMES, Arg, InitSpec, Scheme, tables, uniform_stats
from relulint.source.common import UNKNOWN, SourceContext, _is_num

# torch kaiming nonlinearity -> gain**2 (torch.nn.init.calculate_gain)
_TORCH_GAIN2 = {"relu": 2.0, "leaky_relu": 2.0, "linear": 1.0, "sigmoid": 1.0, "selu": 1.0,
                "conv2d": 1.0, "conv1d": 1.0, "tanh": 25.0 / 9.0}


def _num(v: object) -> float | None:
    return float(v) if _is_num(v) else None


def init_from_spec(ctx: SourceContext, spec: InitSpec, call: cst.Call | None, display: str,
                   origin: Origin | None) -> Init:
    def get(ref):
        if ref is None:
            return None
        return _num(ctx.arg_const(call, ref)) if call is not None else _num(ref.default)

    init = Init(display=display, origin=origin, distribution=spec.distribution)
    if spec.distribution in ("normal", "truncated_normal") and spec.scheme is None:
        init.mean, init.std = get(spec.mean), get(spec.std)
    elif spec.distribution == "uniform" and spec.scheme is None:
        low, high = get(spec.low), get(spec.high)
        init.low, init.high = low, high
        if low is not None and high is not None:
            init.mean, init.std = uniform_stats(low, high)
    elif spec.distribution == "constant":
        value = ctx.arg_const(call, spec.value) if call is not None else UNKNOWN
        if isinstance(value, tuple) and value and all(_is_num(v) for v in value):
            value = sum(value) / len(value)
        v = _num(value)
        init.mean, init.std, init.low, init.high = v, (0.0 if v is not None else None), v, v
    elif spec.distribution == "zeros":
        init.mean, init.std, init.low, init.high = 0.0, 0.0, 0.0, 0.0
    elif spec.distribution == "ones":
        init.mean, init.std, init.low, init.high = 1.0, 0.0, 1.0, 1.0
    elif spec.scheme is not None:
        init.mean = 0.0
        init.scheme = _scheme(ctx, spec, call)
    return init


def _scheme(ctx: SourceContext, spec: InitSpec, call: cst.Call | None) -> Scheme | None:
    if spec.scheme == "he" and spec.scheme_arg is not None and call is not None:
        # torch kaiming_*_(w, a=0, mode='fan_in', nonlinearity='leaky_relu')
        nonlin = ctx.arg_const(call, spec.scheme_arg)
        mode = ctx.arg_const(call, Arg(2, "mode", "fan_in"))
        a = _num(ctx.arg_const(call, Arg(1, "a", 0.0))) or 0.0
        gain2 = _TORCH_GAIN2.get(nonlin, 2.0) if isinstance(nonlin, str) else None
        if gain2 is None:
            return None
        if nonlin == "leaky_relu":
            gain2 = 2.0 / (1 + a * a)
        return Scheme(gain2, mode if mode in ("fan_in", "fan_out") else "fan_in")
    if spec.scheme == "vs":
        scale = _num(ctx.arg_const(call, spec.scheme_arg)) if call is not None else 1.0
        mode = ctx.arg_const(call, Arg(1, "mode", "fan_in")) if call is not None else "fan_in"
        if scale is None or mode not in ("fan_in", "fan_out", "fan_avg"):
            return None
        return Scheme(scale, mode)
    return SCHEMES.get(spec.scheme) if spec.scheme else None


def default_init(framework: str, display: str) -> Init | None:
    spec = tables().default_init.get(framework)
    if spec is None:
        return None
    return Init(display=display, origin=None, distribution=spec.distribution, mean=0.0,
                scheme=SCHEMES.get(spec.scheme) if spec.scheme else None)

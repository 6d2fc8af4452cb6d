"""Table-driven lowering shared by the frontends: an expression to an Init, Activation, Loss, Op."""

from __future__ import annotations

import libcst as cst

from relulint.ir import Activation, Init, Loss, Op, Origin
from relulint.knowledge import SCHEMES, Arg, InitSpec, LayerSpec, Scheme, tables, uniform_stats
from relulint.source.common import UNKNOWN, SourceContext, _is_num, kernel_volume

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


def init_from_expr(ctx: SourceContext, expr: cst.BaseExpression | None) -> Init | None:
    """An initialiser written as a string ('he_normal'), a call (RandomNormal(0.1)), or a name bound to one."""
    if expr is None:
        return None
    value = ctx.resolve(expr)
    t = tables()
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
        s = ctx.const(value)
        spec = t.init_strings.get(s) if isinstance(s, str) else None
        return init_from_spec(ctx, spec, None, repr(s), ctx.origin(value)) if spec else None
    if isinstance(value, cst.Call):
        q = ctx.call_qname(value)
        spec = t.initializers.get(q) if q else None
        if spec is not None:
            return init_from_spec(ctx, spec, value, ctx.text(value), ctx.origin(value))
    elif isinstance(value, (cst.Name, cst.Attribute)):
        q = ctx.qname(value)
        spec = t.initializers.get(q) if q else None
        if spec is not None:  # kernel_initializer=tf.keras.initializers.he_normal (uncalled)
            return init_from_spec(ctx, spec, None, ctx.text(value), ctx.origin(value))
    return None


def default_init(framework: str, display: str) -> Init | None:
    spec = tables().default_init.get(framework)
    if spec is None:
        return None
    return Init(display=display, origin=None, distribution=spec.distribution, mean=0.0,
                scheme=SCHEMES.get(spec.scheme) if spec.scheme else None)


def activation_from_expr(ctx: SourceContext, expr: cst.BaseExpression | None) -> Activation | None:
    """activation='relu', activation=tf.nn.relu, activation=self.activation, activation=ReLU()."""
    if expr is None:
        return None
    value = ctx.resolve(expr)
    t = tables()
    origin = ctx.origin(expr)
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
        s = ctx.const(value)
        kind = t.activation_strings.get(s.lower()) if isinstance(s, str) else None
        return Activation(kind, repr(s), origin) if kind else None
    if isinstance(value, cst.Name) and value.value == "None":
        return Activation("linear", "None", origin)
    if isinstance(value, (cst.Name, cst.Attribute)):
        q = ctx.qname(value)
        kind = t.activations.get(q) if q else None
        return Activation(kind, ctx.text(value), origin) if kind else None
    if isinstance(value, cst.Call):
        q = ctx.call_qname(value)
        spec = t.layers.get(q) if q else None
        if spec is not None and spec.kind == "activation":
            return activation_of_layer(ctx, value, spec, origin)
    return None


def activation_of_layer(ctx: SourceContext, call: cst.Call, spec: LayerSpec, origin: Origin) -> Activation | None:
    if spec.activation_kind:
        kind = spec.activation_kind
        # keras ReLU(max_value=6) is relu6; nn.ReLU(inplace=True) stays relu
        if kind == "relu" and (ctx.call_qname(call) or "").startswith("keras.") and \
                _is_num(ctx.arg_const(call, Arg(0, "max_value", None))):
            kind = "relu6"
        return Activation(kind, ctx.text(call), origin)
    if spec.activation_from is not None:
        inner = activation_from_expr(ctx, ctx.arg(call, spec.activation_from))
        if inner is not None:
            return Activation(inner.kind, ctx.text(call), origin)
    return None


def loss_from_call(ctx: SourceContext, call: cst.Call, qname: str | None = None) -> Loss | None:
    q = qname or ctx.call_qname(call)
    spec = tables().losses.get(q) if q else None
    if spec is None:
        return None
    from_logits = ctx.arg_const(call, spec.from_logits) if spec.from_logits is not None else None
    return Loss(spec.kind, ctx.text(call), ctx.origin(call),
                from_logits=from_logits if isinstance(from_logits, bool) else None)


def fan_from_layer_call(ctx: SourceContext, call: cst.Call, spec: LayerSpec) -> tuple[int | None, int | None]:
    """(fan_in, fan_out) from a layer constructor's arguments where they are explicit (torch)."""
    fan_in = ctx.int_value(ctx.arg(call, spec.fan_in)) if spec.fan_in else None
    fan_out = ctx.int_value(ctx.arg(call, spec.fan_out)) if spec.fan_out else None
    if spec.kernel_size is not None:
        vol = kernel_volume(ctx.arg_const(call, spec.kernel_size), spec.spatial_dims)
        fan_in = fan_in * vol if (fan_in is not None and vol is not None) else None
        fan_out = fan_out * vol if (fan_out is not None and vol is not None) else None
    return fan_in, fan_out


def op_from_layer_call(ctx: SourceContext, call: cst.Call, spec: LayerSpec, name: str | None = None) -> Op:
    """An Op for a layer constructor with its fused activation and explicit kernel initialiser."""
    origin = ctx.origin(call)
    if spec.kind == "activation":
        return Op("activation", ctx.text(call), origin, name=name, activation=activation_of_layer(ctx, call, spec, origin))
    op = Op(spec.kind, ctx.text(call), origin, name=name)
    if spec.kind == "affine":
        op.fan_in, op.fan_out = fan_from_layer_call(ctx, call, spec)
        if spec.activation is not None:
            act_expr = ctx.arg(call, spec.activation)
            if act_expr is not None:
                op.activation = activation_from_expr(ctx, act_expr)
            elif isinstance(spec.activation.default, str):
                op.activation = Activation(spec.activation.default, f"default {spec.activation.default}", origin)
        if spec.kernel_init is not None:
            init_expr = ctx.arg(call, spec.kernel_init)
            if init_expr is not None:
                op.weight_init = init_from_expr(ctx, init_expr)
                op.init_site = origin
            elif isinstance(spec.kernel_init.default, str):
                ds = tables().init_strings.get(spec.kernel_init.default)
                if ds is not None:
                    op.weight_init = init_from_spec(ctx, ds, None, f"default {spec.kernel_init.default}", None)
    return op

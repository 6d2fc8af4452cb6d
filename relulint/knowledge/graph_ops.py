"""Graph facts as data: which ONNX op types and TorchScript aten ops are which IR op kind.

The graph frontends look ops up here instead of branching on names, so teaching relulint a new
op is one table row. Each entry is `(op kind, activation kind)`; the activation kind is the key of
`relulint.knowledge.ACTIVATION_KINDS` for activation ops and None otherwise. Ops whose meaning
depends on their attributes or constant inputs (Clip, Sub/Div/Mul, Add) are marked with a
conditional kind and resolved by the frontend:

- `clip`: Clip / aten::clamp / aten::hardtanh -> relu (min 0, no max), relu6 (0, 6), hardtanh (other).
- `arith`: elementwise arithmetic with a constant: `scale` before the first affine layer,
  a bias `Add` right after MatMul folds into the affine op, otherwise `other`.
"""

from __future__ import annotations

# ONNX op_type -> (kind, activation kind)
ONNX_OPS: dict[str, tuple[str, str | None]] = {
    # affine: weights from an initializer
    "Gemm": ("affine", None),
    "MatMul": ("affine", None),
    "Conv": ("affine", None),
    "ConvTranspose": ("affine", None),
    # activations
    "Relu": ("activation", "relu"),
    "Sigmoid": ("activation", "sigmoid"),
    "HardSigmoid": ("activation", "hard_sigmoid"),
    "Softmax": ("activation", "softmax"),
    "LogSoftmax": ("activation", "log_softmax"),
    "Softplus": ("activation", "softplus"),
    "Softsign": ("activation", "softsign"),
    "Tanh": ("activation", "tanh"),
    "LeakyRelu": ("activation", "leaky_relu"),
    "PRelu": ("activation", "prelu"),
    "Selu": ("activation", "selu"),
    "Elu": ("activation", "elu"),
    "Celu": ("activation", "celu"),
    "Gelu": ("activation", "gelu"),
    "Mish": ("activation", "mish"),
    "Abs": ("activation", "abs"),
    "Exp": ("activation", "exponential"),
    "Clip": ("activation", "clip"),
    # normalisation re-centres the signal
    "BatchNormalization": ("norm", None),
    "LayerNormalization": ("norm", None),
    "InstanceNormalization": ("norm", None),
    "GroupNormalization": ("norm", None),
    "LpNormalization": ("norm", None),
    # sign- and layout-keeping ops
    "Flatten": ("shape", None),
    "Reshape": ("shape", None),
    "Transpose": ("shape", None),
    "Squeeze": ("shape", None),
    "Unsqueeze": ("shape", None),
    "MaxPool": ("shape", None),
    "AveragePool": ("shape", None),
    "GlobalAveragePool": ("shape", None),
    "GlobalMaxPool": ("shape", None),
    "Identity": ("shape", None),
    "Cast": ("shape", None),
    "Pad": ("shape", None),
    # training-only noise (kept in some exports)
    "Dropout": ("dropout", None),
    # arithmetic with constants
    "Sub": ("arith", None),
    "Div": ("arith", None),
    "Mul": ("arith", None),
    "Add": ("arith", None),
}

# TorchScript aten op -> (kind, activation kind). `aten::relu_` style in-place variants are
# normalised by stripping the trailing underscore before the lookup.
ATEN_OPS: dict[str, tuple[str, str | None]] = {
    "aten::linear": ("affine", None),
    "aten::addmm": ("affine", None),
    "aten::matmul": ("affine", None),
    "aten::mm": ("affine", None),
    "aten::conv1d": ("affine", None),
    "aten::conv2d": ("affine", None),
    "aten::conv3d": ("affine", None),
    "aten::_convolution": ("affine", None),
    "aten::relu": ("activation", "relu"),
    "aten::relu6": ("activation", "relu6"),
    "aten::sigmoid": ("activation", "sigmoid"),
    "aten::hardsigmoid": ("activation", "hard_sigmoid"),
    "aten::softmax": ("activation", "softmax"),
    "aten::log_softmax": ("activation", "log_softmax"),
    "aten::softplus": ("activation", "softplus"),
    "aten::softsign": ("activation", "softsign"),
    "aten::tanh": ("activation", "tanh"),
    "aten::leaky_relu": ("activation", "leaky_relu"),
    "aten::prelu": ("activation", "prelu"),
    "aten::selu": ("activation", "selu"),
    "aten::elu": ("activation", "elu"),
    "aten::celu": ("activation", "celu"),
    "aten::gelu": ("activation", "gelu"),
    "aten::silu": ("activation", "silu"),
    "aten::mish": ("activation", "mish"),
    "aten::abs": ("activation", "abs"),
    "aten::exp": ("activation", "exponential"),
    "aten::clamp": ("activation", "clip"),
    "aten::hardtanh": ("activation", "clip"),
    "aten::batch_norm": ("norm", None),
    "aten::layer_norm": ("norm", None),
    "aten::group_norm": ("norm", None),
    "aten::instance_norm": ("norm", None),
    "aten::flatten": ("shape", None),
    "aten::view": ("shape", None),
    "aten::reshape": ("shape", None),
    "aten::permute": ("shape", None),
    "aten::transpose": ("shape", None),
    "aten::squeeze": ("shape", None),
    "aten::unsqueeze": ("shape", None),
    "aten::contiguous": ("shape", None),
    "aten::max_pool1d": ("shape", None),
    "aten::max_pool2d": ("shape", None),
    "aten::avg_pool2d": ("shape", None),
    "aten::adaptive_avg_pool2d": ("shape", None),
    "aten::adaptive_max_pool2d": ("shape", None),
    "aten::to": ("shape", None),
    "aten::dropout": ("dropout", None),
    "aten::feature_dropout": ("dropout", None),
    "aten::alpha_dropout": ("alpha_dropout", None),
    "aten::feature_alpha_dropout": ("alpha_dropout", None),
    "aten::sub": ("arith", None),
    "aten::div": ("arith", None),
    "aten::mul": ("arith", None),
    "aten::add": ("arith", None),
}

# Ops that only compute on shapes/constants in exported graphs: never part of the data path.
ONNX_SHAPE_PLUMBING = frozenset({"Shape", "Constant", "ConstantOfShape", "Size", "Range"})

# Activations through which interval bounds are propagated exactly (monotone, known formula).
MONOTONE_ACTIVATIONS = frozenset({"relu", "relu6", "leaky_relu", "sigmoid", "tanh", "hardtanh",
                                  "clip", "elu", "selu", "softplus"})


def clip_kind(low: float | None, high: float | None) -> str:
    """The activation a Clip / clamp with these bounds is: relu, relu6, hardtanh, or linear."""
    if low is None and high is None:
        return "linear"
    if low is not None and low == 0 and high is None:
        return "relu"
    if low is not None and low == 0 and high == 6:
        return "relu6"
    return "hardtanh"


def onnx_op(op_type: str) -> tuple[str, str | None]:
    return ONNX_OPS.get(op_type, ("other", None))


def aten_op(kind: str) -> tuple[str, str | None]:
    if kind.endswith("_") and not kind.endswith("__"):
        kind = kind[:-1]
    return ATEN_OPS.get(kind, ("other", None))


# aten op -> its positional parameter names (as far as the graph frontends read them). TorchScript
# code leaves trailing defaults out and `.pt2` graphs may pass arguments by name; the frontends
# place keyword arguments by these names and read the rest as missing (the op's default).
_CONV = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
ATEN_ARGS: dict[str, tuple[str, ...]] = {
    "aten::linear": ("input", "weight", "bias"),
    "aten::addmm": ("self", "mat1", "mat2", "beta", "alpha"),
    "aten::matmul": ("self", "other"),
    "aten::mm": ("self", "mat2"),
    "aten::conv1d": _CONV,
    "aten::conv2d": _CONV,
    "aten::conv3d": _CONV,
    "aten::_convolution": ("input", "weight", "bias", "stride", "padding", "dilation", "transposed",
                           "output_padding", "groups"),
    "aten::batch_norm": ("input", "weight", "bias", "running_mean", "running_var", "training", "momentum",
                         "eps", "cudnn_enabled"),
    "aten::clamp": ("self", "min", "max"),
    "aten::hardtanh": ("self", "min_val", "max_val"),
    "aten::leaky_relu": ("self", "negative_slope"),
    "aten::elu": ("self", "alpha", "scale", "input_scale"),
    "aten::flatten": ("self", "start_dim", "end_dim"),
    "aten::view": ("self", "size"),
    "aten::reshape": ("self", "shape"),
    "aten::avg_pool2d": ("self", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                         "divisor_override"),
    "aten::cat": ("tensors", "dim"),
    "aten::add": ("self", "other", "alpha"),
    "aten::sub": ("self", "other", "alpha"),
    "aten::mul": ("self", "other"),
    "aten::div": ("self", "other"),
}

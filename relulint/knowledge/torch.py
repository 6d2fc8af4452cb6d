"""PyTorch facts: torch.nn modules, torch.nn.functional, torch.nn.init, losses."""

from relulint.knowledge import Arg, InitSpec, LayerSpec, LossSpec, Tables

_ACT_CLASSES = {
    "ReLU": "relu", "ReLU6": "relu6", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "ELU": "elu",
    "SELU": "selu", "CELU": "celu", "GELU": "gelu", "SiLU": "silu", "Mish": "mish",
    "Softplus": "softplus", "Sigmoid": "sigmoid", "Softmax": "softmax", "LogSoftmax": "log_softmax",
    "Tanh": "tanh", "Softsign": "softsign", "Hardsigmoid": "hard_sigmoid", "Hardtanh": "hardtanh",
    "Identity": "linear",
}
_ACT_FUNCS = {
    "relu": "relu", "relu_": "relu", "relu6": "relu6", "leaky_relu": "leaky_relu", "elu": "elu",
    "selu": "selu", "celu": "celu", "gelu": "gelu", "silu": "silu", "mish": "mish",
    "softplus": "softplus", "sigmoid": "sigmoid", "softmax": "softmax", "log_softmax": "log_softmax",
    "tanh": "tanh", "softsign": "softsign", "hardsigmoid": "hard_sigmoid", "hardtanh": "hardtanh",
}

activations: dict[str, str] = {}
layers: dict[str, LayerSpec] = {}
for cls, kind in _ACT_CLASSES.items():
    layers[f"torch.nn.{cls}"] = LayerSpec("activation", activation_kind=kind)
for fn, kind in _ACT_FUNCS.items():
    activations[f"torch.nn.functional.{fn}"] = kind
    activations[f"torch.{fn}"] = kind
activations["torch.clamp"] = "clamp"  # resolved to relu when min=0 by the frontend

layers.update({
    "torch.nn.Linear": LayerSpec("affine", fan_in=Arg(0, "in_features"), fan_out=Arg(1, "out_features")),
    "torch.nn.LazyLinear": LayerSpec("affine", fan_out=Arg(0, "out_features")),
    "torch.nn.Bilinear": LayerSpec("affine", fan_out=Arg(2, "out_features")),
    "torch.nn.Conv1d": LayerSpec("affine", fan_in=Arg(0, "in_channels"), fan_out=Arg(1, "out_channels"),
                                 kernel_size=Arg(2, "kernel_size"), spatial_dims=1),
    "torch.nn.Conv2d": LayerSpec("affine", fan_in=Arg(0, "in_channels"), fan_out=Arg(1, "out_channels"),
                                 kernel_size=Arg(2, "kernel_size"), spatial_dims=2),
    "torch.nn.Conv3d": LayerSpec("affine", fan_in=Arg(0, "in_channels"), fan_out=Arg(1, "out_channels"),
                                 kernel_size=Arg(2, "kernel_size"), spatial_dims=3),
    "torch.nn.ConvTranspose2d": LayerSpec("affine", fan_out=Arg(1, "out_channels")),
    "torch.nn.Dropout": LayerSpec("dropout"),
    "torch.nn.Dropout1d": LayerSpec("dropout"),
    "torch.nn.Dropout2d": LayerSpec("dropout"),
    "torch.nn.AlphaDropout": LayerSpec("alpha_dropout"),
    "torch.nn.FeatureAlphaDropout": LayerSpec("alpha_dropout"),
    "torch.nn.BatchNorm1d": LayerSpec("norm"),
    "torch.nn.BatchNorm2d": LayerSpec("norm"),
    "torch.nn.BatchNorm3d": LayerSpec("norm"),
    "torch.nn.LayerNorm": LayerSpec("norm"),
    "torch.nn.GroupNorm": LayerSpec("norm"),
    "torch.nn.InstanceNorm2d": LayerSpec("norm"),
    "torch.nn.Flatten": LayerSpec("shape"),
    "torch.nn.Unflatten": LayerSpec("shape"),
    # values moved between channels and space (sub-pixel upscaling): what an activation before gave is kept
    "torch.nn.PixelShuffle": LayerSpec("shape"),
    "torch.nn.PixelUnshuffle": LayerSpec("shape"),
    "torch.nn.MaxPool1d": LayerSpec("shape"),
    "torch.nn.MaxPool2d": LayerSpec("shape"),
    "torch.nn.AvgPool2d": LayerSpec("shape"),
    "torch.nn.AdaptiveAvgPool2d": LayerSpec("shape"),
    "torch.nn.AdaptiveAvgPool1d": LayerSpec("shape"),
    "torch.nn.Embedding": LayerSpec("other"),
})

# functional forms that are layers in forward(): F.dropout, F.max_pool2d, torch.flatten
for fn in ("dropout", "dropout2d"):
    layers[f"torch.nn.functional.{fn}"] = LayerSpec("dropout")
layers["torch.nn.functional.alpha_dropout"] = LayerSpec("alpha_dropout")
for fn in ("max_pool2d", "max_pool1d", "avg_pool2d", "adaptive_avg_pool2d"):
    layers[f"torch.nn.functional.{fn}"] = LayerSpec("shape")
layers["torch.flatten"] = LayerSpec("shape")
for fn in ("torch.nn.functional.pixel_shuffle", "torch.nn.functional.pixel_unshuffle", "torch.pixel_shuffle",
           "torch.pixel_unshuffle"):
    layers[fn] = LayerSpec("shape")
layers["torch.nn.functional.batch_norm"] = LayerSpec("norm")
layers["torch.nn.functional.layer_norm"] = LayerSpec("norm")

_T = Arg(0, "tensor")
initializers: dict[str, InitSpec] = {}
for suffix in ("", "_"):  # nn.init.normal_ and the deprecated nn.init.normal
    initializers.update({
        f"torch.nn.init.normal{suffix}": InitSpec("normal", mean=Arg(1, "mean", 0.0), std=Arg(2, "std", 1.0), target=_T),
        f"torch.nn.init.trunc_normal{suffix}": InitSpec("truncated_normal", mean=Arg(1, "mean", 0.0),
                                                         std=Arg(2, "std", 1.0), target=_T),
        f"torch.nn.init.uniform{suffix}": InitSpec("uniform", low=Arg(1, "a", 0.0), high=Arg(2, "b", 1.0), target=_T),
        f"torch.nn.init.constant{suffix}": InitSpec("constant", value=Arg(1, "val"), target=_T),
        f"torch.nn.init.zeros{suffix}": InitSpec("zeros", target=_T),
        f"torch.nn.init.ones{suffix}": InitSpec("ones", target=_T),
        f"torch.nn.init.eye{suffix}": InitSpec("eye", target=_T),
        f"torch.nn.init.dirac{suffix}": InitSpec("dirac", target=_T),
        f"torch.nn.init.orthogonal{suffix}": InitSpec("orthogonal", target=_T),
        f"torch.nn.init.sparse{suffix}": InitSpec("sparse", target=_T),
        f"torch.nn.init.kaiming_normal{suffix}": InitSpec("normal", scheme="he", scheme_arg=Arg(3, "nonlinearity", "leaky_relu"),
                                                          target=_T),
        f"torch.nn.init.kaiming_uniform{suffix}": InitSpec("uniform", scheme="he", scheme_arg=Arg(3, "nonlinearity", "leaky_relu"),
                                                           target=_T),
        f"torch.nn.init.xavier_normal{suffix}": InitSpec("normal", scheme="glorot", target=_T),
        f"torch.nn.init.xavier_uniform{suffix}": InitSpec("uniform", scheme="glorot", target=_T),
    })
# tensor methods used as initialisers: self.fc.weight.data.normal_(0.1, 0.01)
TENSOR_METHOD_INITS: dict[str, InitSpec] = {
    "normal_": InitSpec("normal", mean=Arg(0, "mean", 0.0), std=Arg(1, "std", 1.0)),
    "uniform_": InitSpec("uniform", low=Arg(0, "from", 0.0), high=Arg(1, "to", 1.0)),
    "fill_": InitSpec("constant", value=Arg(0, "value")),
    "zero_": InitSpec("zeros"),
}

losses = {
    "torch.nn.MSELoss": LossSpec("mse"),
    "torch.nn.functional.mse_loss": LossSpec("mse"),
    "torch.nn.L1Loss": LossSpec("mae"),
    "torch.nn.functional.l1_loss": LossSpec("mae"),
    "torch.nn.SmoothL1Loss": LossSpec("huber"),
    "torch.nn.functional.smooth_l1_loss": LossSpec("huber"),
    "torch.nn.HuberLoss": LossSpec("huber"),
    "torch.nn.functional.huber_loss": LossSpec("huber"),
    "torch.nn.CrossEntropyLoss": LossSpec("cross_entropy"),
    "torch.nn.functional.cross_entropy": LossSpec("cross_entropy"),
    "torch.nn.BCEWithLogitsLoss": LossSpec("sigmoid_cross_entropy"),
    "torch.nn.functional.binary_cross_entropy_with_logits": LossSpec("sigmoid_cross_entropy"),
    "torch.nn.BCELoss": LossSpec("bce"),
    "torch.nn.functional.binary_cross_entropy": LossSpec("bce"),
    "torch.nn.NLLLoss": LossSpec("nll"),
    "torch.nn.functional.nll_loss": LossSpec("nll"),
    # torch's KL divergence takes log-probabilities as its input (the target is probabilities)
    "torch.nn.KLDivLoss": LossSpec("log_kl_div"),
    "torch.nn.functional.kl_div": LossSpec("log_kl_div"),
    "torch.nn.PoissonNLLLoss": LossSpec("poisson"),
}

# torch.nn.LeakyReLU(negative_slope=0.01), F.leaky_relu(input, negative_slope=0.01)
negative_slopes = {
    "torch.nn.LeakyReLU": ((Arg(0, "negative_slope"),), 0.01),
    "torch.nn.functional.leaky_relu": ((Arg(1, "negative_slope"),), 0.01),
    "torch.nn.functional.leaky_relu_": ((Arg(1, "negative_slope"),), 0.01),
}

# `-(t * torch.log(p)).sum()`: the log of a network output, multiplied and reduced, is a hand-written
# cross-entropy, which needs probabilities (log of a logit is NaN or meaningless)
LOG_FUNCS = frozenset({"torch.log", "torch.log2", "torch.log10"})
LOG_METHODS = frozenset({"log", "log2", "log10"})
HANDWRITTEN_XENT = "categorical_crossentropy"  # the loss kind of those terms once reduced

TABLES = Tables(
    negative_slopes=negative_slopes,
    activations=activations,
    layers=layers,
    initializers=initializers,
    losses=losses,
    default_init={"torch": InitSpec("uniform", scheme="torch_default")},
)

# Model libraries relulint does not read: a constructor gives an unknown backbone followed by the
# library's classification head, held in the attribute a program replaces for fine-tuning
# (`model.fc = nn.Linear(512, 1)`). torchvision by the model function's name; timm by any of these.
LIBRARY_MODEL_HEADS: dict[str, str] = {
    "resnet": "fc", "resnext": "fc", "wide_resnet": "fc", "regnet": "fc", "googlenet": "fc",
    "inception": "fc", "shufflenet": "fc", "densenet": "classifier", "vgg": "classifier",
    "alexnet": "classifier", "mobilenet": "classifier", "efficientnet": "classifier",
    "convnext": "classifier", "mnasnet": "classifier", "squeezenet": "classifier", "maxvit": "classifier",
    "vit": "heads", "swin": "head",
}
# the index of the last layer of a library head that is an nn.Sequential: `model.classifier[6] = ...`
# replaces VGG's output layer, any other index a layer inside the head (what follows it stays unknown)
LIBRARY_HEAD_LAST_INDEX: dict[str, int] = {
    "vgg": 6, "alexnet": 6, "mobilenet_v2": 1, "mobilenet_v3": 3, "efficientnet": 1, "mnasnet": 1, "convnext": 2,
}
LIBRARY_MODEL_PREFIXES = ("torchvision.models.",)
LIBRARY_MODEL_FACTORIES = frozenset({"timm.create_model"})
LIBRARY_ANY_HEAD = frozenset({"fc", "head", "classifier"})  # timm: the head's name depends on the model
# methods of a library model that return the model itself
LIBRARY_MODEL_SELF = frozenset({"to", "cuda", "cpu", "float", "double", "half", "train", "eval",
                                "requires_grad_", "to_empty"})


# The names a fragment uses for PyTorch without importing it (a snippet that starts at `class Net(nn.Module)`)
UNIMPORTED_ALIASES = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional", "optim": "torch.optim"}

"""Keras / tf.keras facts (canonical prefix `keras.`)."""

from relulint.knowledge import Arg, InitSpec, LayerSpec, LossSpec, Tables

ACTIVATION_STRINGS = {
    "relu": "relu", "relu6": "relu6", "leaky_relu": "leaky_relu", "elu": "elu", "selu": "selu",
    "gelu": "gelu", "swish": "silu", "silu": "silu", "mish": "mish", "softplus": "softplus",
    "sigmoid": "sigmoid", "softmax": "softmax", "log_softmax": "log_softmax", "tanh": "tanh",
    "softsign": "softsign", "hard_sigmoid": "hard_sigmoid", "exponential": "exponential",
    "linear": "linear",
}
activations = {f"keras.activations.{name}": kind for name, kind in ACTIVATION_STRINGS.items()}
activations["keras.backend.relu"] = "relu"
activations["keras.backend.softmax"] = "softmax"
activations["keras.backend.sigmoid"] = "sigmoid"

_DENSE = LayerSpec("affine", fan_out=Arg(0, "units"), activation=Arg(1, "activation"),
                   kernel_init=Arg(3, "kernel_initializer", "glorot_uniform"))


def _conv(dims: int) -> LayerSpec:
    return LayerSpec("affine", fan_out=Arg(0, "filters"), kernel_size=Arg(1, "kernel_size"),
                     activation=Arg(None, "activation"), kernel_init=Arg(None, "kernel_initializer", "glorot_uniform"),
                     spatial_dims=dims)


layers = {
    "keras.layers.Dense": _DENSE,
    "keras.layers.Conv1D": _conv(1), "keras.layers.Conv2D": _conv(2), "keras.layers.Conv3D": _conv(3),
    "keras.layers.Convolution2D": _conv(2), "keras.layers.Conv2DTranspose": _conv(2),
    "keras.layers.SeparableConv2D": _conv(2), "keras.layers.DepthwiseConv2D": LayerSpec(
        "affine", kernel_size=Arg(0, "kernel_size"), activation=Arg(None, "activation")),
    "keras.layers.Activation": LayerSpec("activation", activation_from=Arg(0, "activation")),
    "keras.layers.ReLU": LayerSpec("activation", activation_kind="relu"),
    "keras.layers.Softmax": LayerSpec("activation", activation_kind="softmax"),
    "keras.layers.LeakyReLU": LayerSpec("activation", activation_kind="leaky_relu"),
    "keras.layers.PReLU": LayerSpec("activation", activation_kind="prelu"),
    "keras.layers.ELU": LayerSpec("activation", activation_kind="elu"),
    "keras.layers.Dropout": LayerSpec("dropout"),
    "keras.layers.SpatialDropout1D": LayerSpec("dropout"),
    "keras.layers.SpatialDropout2D": LayerSpec("dropout"),
    "keras.layers.GaussianDropout": LayerSpec("dropout"),
    "keras.layers.AlphaDropout": LayerSpec("alpha_dropout"),
    "keras.layers.BatchNormalization": LayerSpec("norm"),
    "keras.layers.LayerNormalization": LayerSpec("norm"),
    "keras.layers.GroupNormalization": LayerSpec("norm"),
    "keras.layers.Normalization": LayerSpec("scale"),
    "keras.layers.Rescaling": LayerSpec("scale", scale_range=(Arg(0, "scale"), Arg(1, "offset", 0.0))),
    "keras.layers.Flatten": LayerSpec("shape"),
    "keras.layers.Reshape": LayerSpec("shape"),
    "keras.layers.MaxPooling1D": LayerSpec("shape"), "keras.layers.MaxPooling2D": LayerSpec("shape"),
    "keras.layers.MaxPool2D": LayerSpec("shape"), "keras.layers.AveragePooling2D": LayerSpec("shape"),
    "keras.layers.GlobalAveragePooling2D": LayerSpec("shape"),
    "keras.layers.GlobalMaxPooling2D": LayerSpec("shape"),
    "keras.layers.GlobalAveragePooling1D": LayerSpec("shape"),
    "keras.layers.InputLayer": LayerSpec("other"),
    "keras.layers.Embedding": LayerSpec("other"),
}

_he = {"distribution": "normal"}
initializers = {
    "keras.initializers.RandomNormal": InitSpec("normal", mean=Arg(0, "mean", 0.0), std=Arg(1, "stddev", 0.05)),
    "keras.initializers.TruncatedNormal": InitSpec("truncated_normal", mean=Arg(0, "mean", 0.0), std=Arg(1, "stddev", 0.05)),
    "keras.initializers.RandomUniform": InitSpec("uniform", low=Arg(0, "minval", -0.05), high=Arg(1, "maxval", 0.05)),
    "keras.initializers.Constant": InitSpec("constant", value=Arg(0, "value", 0.0)),
    "keras.initializers.Zeros": InitSpec("zeros"),
    "keras.initializers.Ones": InitSpec("ones"),
    "keras.initializers.GlorotUniform": InitSpec("uniform", scheme="glorot"),
    "keras.initializers.GlorotNormal": InitSpec("truncated_normal", scheme="glorot"),
    "keras.initializers.HeNormal": InitSpec("truncated_normal", scheme="he"),
    "keras.initializers.HeUniform": InitSpec("uniform", scheme="he"),
    "keras.initializers.LecunNormal": InitSpec("truncated_normal", scheme="lecun"),
    "keras.initializers.LecunUniform": InitSpec("uniform", scheme="lecun"),
    "keras.initializers.Orthogonal": InitSpec("orthogonal"),
    "keras.initializers.Identity": InitSpec("eye"),
    "keras.initializers.VarianceScaling": InitSpec(
        "truncated_normal", scheme="vs", scheme_arg=Arg(0, "scale", 1.0)),
}
# lowercase function aliases: keras.initializers.he_normal(), random_normal(...)
for _cls, _alias in (("RandomNormal", "random_normal"), ("TruncatedNormal", "truncated_normal"),
                     ("RandomUniform", "random_uniform"), ("Constant", "constant"), ("Zeros", "zeros"),
                     ("Ones", "ones"), ("GlorotUniform", "glorot_uniform"), ("GlorotNormal", "glorot_normal"),
                     ("HeNormal", "he_normal"), ("HeUniform", "he_uniform"), ("LecunNormal", "lecun_normal"),
                     ("LecunUniform", "lecun_uniform"), ("Orthogonal", "orthogonal"), ("Identity", "identity")):
    initializers[f"keras.initializers.{_alias}"] = initializers[f"keras.initializers.{_cls}"]

init_strings = {
    "glorot_uniform": InitSpec("uniform", scheme="glorot"),
    "glorot_normal": InitSpec("truncated_normal", scheme="glorot"),
    "he_normal": InitSpec("truncated_normal", scheme="he"),
    "he_uniform": InitSpec("uniform", scheme="he"),
    "lecun_normal": InitSpec("truncated_normal", scheme="lecun"),
    "lecun_uniform": InitSpec("uniform", scheme="lecun"),
    "random_normal": InitSpec("normal", mean=Arg(None, None, 0.0), std=Arg(None, None, 0.05)),
    "random_uniform": InitSpec("uniform", low=Arg(None, None, -0.05), high=Arg(None, None, 0.05)),
    "truncated_normal": InitSpec("truncated_normal", mean=Arg(None, None, 0.0), std=Arg(None, None, 0.05)),
    "zeros": InitSpec("zeros"),
    "ones": InitSpec("ones"),
    "orthogonal": InitSpec("orthogonal"),
    "identity": InitSpec("eye"),
}

_FL = Arg(None, "from_logits", False)
losses = {
    "keras.losses.MeanSquaredError": LossSpec("mse"),
    "keras.losses.mean_squared_error": LossSpec("mse"),
    "keras.losses.mse": LossSpec("mse"),
    "keras.losses.MeanAbsoluteError": LossSpec("mae"),
    "keras.losses.mean_absolute_error": LossSpec("mae"),
    "keras.losses.mae": LossSpec("mae"),
    "keras.losses.Huber": LossSpec("huber"),
    "keras.losses.huber": LossSpec("huber"),
    "keras.losses.MeanSquaredLogarithmicError": LossSpec("msle"),
    "keras.losses.LogCosh": LossSpec("log_cosh"),
    "keras.losses.CategoricalCrossentropy": LossSpec("categorical_crossentropy", from_logits=_FL),
    "keras.losses.SparseCategoricalCrossentropy": LossSpec("categorical_crossentropy", from_logits=_FL),
    "keras.losses.categorical_crossentropy": LossSpec("categorical_crossentropy", from_logits=Arg(3, "from_logits", False)),
    "keras.losses.sparse_categorical_crossentropy": LossSpec("categorical_crossentropy",
                                                             from_logits=Arg(2, "from_logits", False)),
    "keras.losses.BinaryCrossentropy": LossSpec("binary_crossentropy", from_logits=_FL),
    "keras.losses.binary_crossentropy": LossSpec("binary_crossentropy", from_logits=Arg(2, "from_logits", False)),
    "keras.losses.KLDivergence": LossSpec("kl_div"),
    "keras.losses.Hinge": LossSpec("hinge"),
    "keras.losses.Poisson": LossSpec("poisson"),
    "keras.losses.CosineSimilarity": LossSpec("cosine"),
}
loss_strings = {
    "mse": "mse", "MSE": "mse", "mean_squared_error": "mse", "mae": "mae", "MAE": "mae",
    "mean_absolute_error": "mae", "huber": "huber", "huber_loss": "huber", "msle": "msle",
    "mean_squared_logarithmic_error": "msle", "logcosh": "log_cosh", "log_cosh": "log_cosh",
    "categorical_crossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "categorical_crossentropy",
    "binary_crossentropy": "binary_crossentropy", "hinge": "hinge", "poisson": "poisson",
    "kld": "kl_div", "kl_divergence": "kl_div", "cosine_similarity": "cosine",
}

TABLES = Tables(
    activations=activations,
    activation_strings=ACTIVATION_STRINGS,
    layers=layers,
    initializers=initializers,
    init_strings=init_strings,
    losses=losses,
    loss_strings=loss_strings,
    default_init={"keras": InitSpec("uniform", scheme="glorot")},
)

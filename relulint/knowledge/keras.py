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
# Keras 3 backend-agnostic ops used inside call(): keras.ops.relu(x)
for _name, _kind in (("relu", "relu"), ("relu6", "relu6"), ("leaky_relu", "leaky_relu"), ("elu", "elu"),
                     ("selu", "selu"), ("gelu", "gelu"), ("silu", "silu"), ("swish", "silu"),
                     ("softplus", "softplus"), ("sigmoid", "sigmoid"), ("softmax", "softmax"),
                     ("log_softmax", "log_softmax"), ("tanh", "tanh"), ("hard_sigmoid", "hard_sigmoid")):
    activations[f"keras.ops.{_name}"] = _kind
    activations[f"keras.ops.nn.{_name}"] = _kind

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
for _name, _dims in (("Conv1DTranspose", 1), ("Conv3DTranspose", 3), ("SeparableConv1D", 1)):
    layers[f"keras.layers.{_name}"] = _conv(_dims)
for _name in ("MaxPooling3D", "MaxPool1D", "MaxPool3D", "AveragePooling1D", "AveragePooling3D",
              "AvgPool1D", "AvgPool2D", "AvgPool3D", "GlobalMaxPooling1D", "GlobalAveragePooling3D",
              "GlobalMaxPooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
              "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D",
              "Permute", "RepeatVector"):
    layers[f"keras.layers.{_name}"] = LayerSpec("shape")
# image preprocessing / augmentation layers: they move, crop or resize pixels and keep their scale
for _name in ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop", "RandomHeight",
              "RandomWidth", "RandomContrast", "RandomBrightness", "Resizing", "CenterCrop"):
    layers[f"keras.layers.{_name}"] = LayerSpec("shape")
    layers[f"keras.layers.experimental.preprocessing.{_name}"] = LayerSpec("shape")
layers["keras.layers.SpatialDropout3D"] = LayerSpec("dropout")
layers["keras.layers.GaussianNoise"] = LayerSpec("dropout")  # additive noise: sign-agnostic, like dropout
layers["keras.layers.ThresholdedReLU"] = LayerSpec("activation", activation_kind="relu")
layers["keras.layers.UnitNormalization"] = LayerSpec("norm")
# merges: several inputs, so the op breaks activation adjacency
for _name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
              "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"):
    layers[f"keras.layers.{_name}"] = LayerSpec("other")

# ---------------------------------------------------------------------------------------------
# Model construction: the calls and bases the Keras frontend builds networks from

SEQUENTIAL = frozenset({"keras.Sequential", "keras.models.Sequential"})
FUNCTIONAL_MODEL = frozenset({"keras.Model", "keras.models.Model", "keras.models.Functional"})
MODEL_BASES = SEQUENTIAL | FUNCTIONAL_MODEL
LAYER_BASES = frozenset({"keras.layers.Layer", "keras.Layer"})
INPUTS = frozenset({"keras.Input", "keras.layers.Input"})
INPUT_SHAPE = Arg(0, "shape")  # keras.Input(shape=(784,))
BATCH_SHAPE_KWS = ("batch_shape", "batch_input_shape")  # first dim is the batch
INPUT_SHAPE_KWS = ("input_shape", "shape")  # first layer's input_shape=(784,), InputLayer(shape=...)
INPUT_DIM_KW = "input_dim"  # Dense(64, input_dim=784)
MODEL_OUTPUTS = (Arg(1, "outputs"), Arg(None, "output"))  # Model(inputs, outputs) / keras 1 output=
SEQUENTIAL_LAYERS = Arg(0, "layers")
# Wrappers that apply their layer argument at each timestep: TimeDistributed(Dense(1, activation="relu"))
# outputs what the wrapped layer outputs
WRAPPERS = {"keras.layers.TimeDistributed": Arg(0, "layer")}
LAMBDA_LAYERS = {"keras.layers.Lambda": Arg(0, "function")}  # applied: its function runs on the input
COMPILE_LOSS = Arg(1, "loss")  # model.compile(optimizer, loss, ...)
# Layer.add_weight in a custom layer's build(): shape and initializer are keywords in tf.keras (its first
# positional is the name) and positionals in Keras 3; no initializer means glorot_uniform for a float weight.
ADD_WEIGHT_SHAPE = Arg(None, "shape")
ADD_WEIGHT_INIT = Arg(None, "initializer")
ADD_WEIGHT_DEFAULT_INIT = "glorot_uniform"
ADD_WEIGHT_POSITIONAL = ("shape", "initializer")  # Keras 3's order, told apart by a shape first

# How a layer changes the (batch-less) shape of its input, for fan-in inference.
# dense: last axis -> units; conv: spatial dims by kernel/stride/padding, channels -> filters (channels
# last); pool: spatial dims by pool size; global: -> (channels,); flatten; reshape; embedding: adds an
# axis of output_dim; add: first input's shape; concat: last axes summed.
SHAPE_RULES: dict[str, tuple] = {"keras.layers.Dense": ("dense",)}
for _d, _names in ((1, ("Conv1D",)), (2, ("Conv2D", "Convolution2D")), (3, ("Conv3D",))):
    for _name in _names:
        SHAPE_RULES[f"keras.layers.{_name}"] = ("conv", _d)
for _d in (1, 2, 3):
    for _name in (f"MaxPooling{_d}D", f"MaxPool{_d}D", f"AveragePooling{_d}D", f"AvgPool{_d}D"):
        SHAPE_RULES[f"keras.layers.{_name}"] = ("pool", _d)
    for _name in (f"GlobalAveragePooling{_d}D", f"GlobalMaxPooling{_d}D", f"GlobalAvgPool{_d}D",
                  f"GlobalMaxPool{_d}D"):
        SHAPE_RULES[f"keras.layers.{_name}"] = ("global",)
SHAPE_RULES.update({
    "keras.layers.Flatten": ("flatten",),
    "keras.layers.Reshape": ("reshape", Arg(0, "target_shape")),
    "keras.layers.Embedding": ("embedding", Arg(1, "output_dim")),
    "keras.layers.Add": ("add",), "keras.layers.add": ("add",), "keras.layers.Subtract": ("add",),
    "keras.layers.Multiply": ("add",), "keras.layers.Average": ("add",), "keras.layers.Maximum": ("add",),
    "keras.layers.Concatenate": ("concat",), "keras.layers.concatenate": ("concat",),
    # attention returns the query's shape (output_shape defaults to the query's last dim)
    "keras.layers.MultiHeadAttention": ("keep",), "keras.layers.Attention": ("keep",),
})
CONV_STRIDES = Arg(2, "strides", 1)
CONV_PADDING = Arg(3, "padding", "valid")
CONV_DILATION = Arg(5, "dilation_rate", 1)
POOL_SIZE = Arg(0, "pool_size", 2)
POOL_STRIDES = Arg(1, "strides", None)
POOL_PADDING = Arg(2, "padding", "valid")
# layer kinds that keep the shape of their input
SHAPE_KEEPING_KINDS = frozenset({"activation", "dropout", "alpha_dropout", "norm", "scale"})

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
    "variance_scaling": InitSpec("truncated_normal", scheme="vs"),  # defaults: scale 1, fan_in
}
# Keras also accepts the class names as strings: kernel_initializer="HeNormal"
for _cls, _alias in (("GlorotUniform", "glorot_uniform"), ("GlorotNormal", "glorot_normal"),
                     ("HeNormal", "he_normal"), ("HeUniform", "he_uniform"), ("LecunNormal", "lecun_normal"),
                     ("LecunUniform", "lecun_uniform"), ("RandomNormal", "random_normal"),
                     ("RandomUniform", "random_uniform"), ("TruncatedNormal", "truncated_normal"),
                     ("Zeros", "zeros"), ("Ones", "ones"), ("Orthogonal", "orthogonal")):
    init_strings[_cls] = init_strings[_alias]

_FL = Arg(None, "from_logits", False)
losses = {
    "keras.losses.MeanSquaredError": LossSpec("mse"),
    "keras.losses.mean_squared_error": LossSpec("mse"),
    "keras.losses.mse": LossSpec("mse"),
    "keras.losses.MeanAbsoluteError": LossSpec("mae"),
    "keras.losses.mean_absolute_error": LossSpec("mae"),
    "keras.losses.mae": LossSpec("mae"),
    "keras.losses.MSE": LossSpec("mse"),  # function aliases (all capitals): called as MSE(y_true, y_pred)
    "keras.losses.MAE": LossSpec("mae"),
    "keras.losses.Huber": LossSpec("huber"),
    "keras.losses.huber": LossSpec("huber"),
    "keras.losses.MeanSquaredLogarithmicError": LossSpec("msle"),
    "keras.losses.LogCosh": LossSpec("log_cosh"),
    "keras.losses.log_cosh": LossSpec("log_cosh"),
    "keras.losses.logcosh": LossSpec("log_cosh"),
    "keras.losses.mean_squared_logarithmic_error": LossSpec("msle"),
    "keras.losses.msle": LossSpec("msle"),
    "keras.losses.MSLE": LossSpec("msle"),
    "keras.losses.MeanAbsolutePercentageError": LossSpec("mape"),
    "keras.losses.mean_absolute_percentage_error": LossSpec("mape"),
    "keras.losses.mape": LossSpec("mape"),
    "keras.losses.MAPE": LossSpec("mape"),
    "keras.losses.BinaryFocalCrossentropy": LossSpec("binary_crossentropy", from_logits=_FL),
    "keras.losses.CategoricalFocalCrossentropy": LossSpec("categorical_crossentropy", from_logits=_FL),
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
    "MSLE": "msle", "mape": "mape", "MAPE": "mape", "mean_absolute_percentage_error": "mape",
    "binary_focal_crossentropy": "binary_crossentropy", "categorical_focal_crossentropy": "categorical_crossentropy",
}

# keras.layers.LeakyReLU(negative_slope=0.3) (Keras 3) / LeakyReLU(alpha=0.3) (Keras 2, tf.keras)
negative_slopes = {"keras.layers.LeakyReLU": ((Arg(0, "negative_slope"), Arg(None, "alpha")), 0.3)}

TABLES = Tables(
    negative_slopes=negative_slopes,
    activations=activations,
    activation_strings=ACTIVATION_STRINGS,
    layers=layers,
    initializers=initializers,
    init_strings=init_strings,
    losses=losses,
    loss_strings=loss_strings,
    default_init={"keras": InitSpec("uniform", scheme="glorot")},
)

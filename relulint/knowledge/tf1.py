"""TensorFlow 1 style facts (canonical prefix `tensorflow.`; `tf.compat.v1` maps here)."""

from relulint.knowledge import Arg, InitSpec, LayerSpec, LossSpec, Tables, tflearn

_NN = {
    "relu": "relu", "relu6": "relu6", "leaky_relu": "leaky_relu", "elu": "elu", "selu": "selu",
    "gelu": "gelu", "silu": "silu", "swish": "silu", "softplus": "softplus", "sigmoid": "sigmoid",
    "softmax": "softmax", "log_softmax": "log_softmax", "tanh": "tanh", "softsign": "softsign",
}
activations = {f"tensorflow.nn.{fn}": kind for fn, kind in _NN.items()}
activations.update({
    "tensorflow.sigmoid": "sigmoid", "tensorflow.tanh": "tanh", "tensorflow.math.sigmoid": "sigmoid",
    "tensorflow.math.tanh": "tanh", "tensorflow.math.softplus": "softplus", "tensorflow.identity": "linear",
})

_DENSE_FN = LayerSpec("affine", input_arg=Arg(0, "inputs"), fan_out=Arg(1, "units"),
                      activation=Arg(2, "activation"), kernel_init=Arg(4, "kernel_initializer", "glorot_uniform"))
_CONV_FN = LayerSpec("affine", input_arg=Arg(0, "inputs"), fan_out=Arg(1, "filters"), kernel_size=Arg(2, "kernel_size"),
                     activation=Arg(7, "activation"), kernel_init=Arg(9, "kernel_initializer", "glorot_uniform"),
                     spatial_dims=2)
layers = {
    "tensorflow.layers.dense": _DENSE_FN,
    "tensorflow.layers.conv2d": _CONV_FN,
    "tensorflow.layers.conv1d": LayerSpec("affine", input_arg=Arg(0, "inputs"), fan_out=Arg(1, "filters"),
                                          kernel_size=Arg(2, "kernel_size"), activation=Arg(7, "activation"),
                                          kernel_init=Arg(9, "kernel_initializer", "glorot_uniform"), spatial_dims=1),
    # class forms behave like Keras layers: Dense(units, activation)
    "tensorflow.layers.Dense": LayerSpec("affine", fan_out=Arg(0, "units"), activation=Arg(1, "activation"),
                                         kernel_init=Arg(3, "kernel_initializer", "glorot_uniform")),
    "tensorflow.layers.Conv2D": LayerSpec("affine", fan_out=Arg(0, "filters"), kernel_size=Arg(1, "kernel_size"),
                                          activation=Arg(None, "activation"),
                                          kernel_init=Arg(None, "kernel_initializer", "glorot_uniform"), spatial_dims=2),
    "tensorflow.contrib.layers.fully_connected": LayerSpec(
        "affine", input_arg=Arg(0, "inputs"), fan_out=Arg(1, "num_outputs"),
        activation=Arg(2, "activation_fn", "relu"), kernel_init=Arg(None, "weights_initializer", "glorot_uniform")),
    "tensorflow.layers.max_pooling2d": LayerSpec("shape", input_arg=Arg(0, "inputs")),
    "tensorflow.layers.average_pooling2d": LayerSpec("shape", input_arg=Arg(0, "inputs")),
    "tensorflow.layers.flatten": LayerSpec("shape", input_arg=Arg(0, "inputs")),
    "tensorflow.layers.dropout": LayerSpec("dropout", input_arg=Arg(0, "inputs")),
    "tensorflow.layers.batch_normalization": LayerSpec("norm", input_arg=Arg(0, "inputs")),
    "tensorflow.nn.max_pool": LayerSpec("shape", input_arg=Arg(0, "value")),
    "tensorflow.nn.max_pool2d": LayerSpec("shape", input_arg=Arg(0, "input")),
    "tensorflow.nn.avg_pool": LayerSpec("shape", input_arg=Arg(0, "value")),
    "tensorflow.reshape": LayerSpec("shape", input_arg=Arg(0, "tensor")),
    "tensorflow.nn.depth_to_space": LayerSpec("shape", input_arg=Arg(0, "input")),  # sub-pixel upscaling
    "tensorflow.nn.space_to_depth": LayerSpec("shape", input_arg=Arg(0, "input")),
    "tensorflow.compat.v1.depth_to_space": LayerSpec("shape", input_arg=Arg(0, "input")),
    "tensorflow.nn.dropout": LayerSpec("dropout", input_arg=Arg(0, "x")),
    "tensorflow.nn.batch_normalization": LayerSpec("norm", input_arg=Arg(0, "x")),
    "tensorflow.contrib.layers.batch_norm": LayerSpec("norm", input_arg=Arg(0, "inputs")),
    "tensorflow.contrib.layers.flatten": LayerSpec("shape", input_arg=Arg(0, "inputs")),
    "tensorflow.layers.max_pooling1d": LayerSpec("shape", input_arg=Arg(0, "inputs")),
    "tensorflow.layers.average_pooling1d": LayerSpec("shape", input_arg=Arg(0, "inputs")),
    "tensorflow.nn.avg_pool2d": LayerSpec("shape", input_arg=Arg(0, "input")),
    "tensorflow.nn.max_pool1d": LayerSpec("shape", input_arg=Arg(0, "input")),
    "tensorflow.squeeze": LayerSpec("shape", input_arg=Arg(0, "input")),
    "tensorflow.expand_dims": LayerSpec("shape", input_arg=Arg(0, "input")),
    "tensorflow.contrib.layers.dropout": LayerSpec("dropout", input_arg=Arg(0, "inputs")),
    "tensorflow.layers.Flatten": LayerSpec("shape"),
    "tensorflow.layers.Dropout": LayerSpec("dropout"),
    "tensorflow.layers.MaxPooling2D": LayerSpec("shape"),
    "tensorflow.layers.BatchNormalization": LayerSpec("norm"),
}

# tf.contrib.layers and its alias tf.contrib.slim: activation_fn defaults to relu (unless an arg_scope
# changes the defaults: then the default is not taken)
_CONTRIB = {
    "fully_connected": layers["tensorflow.contrib.layers.fully_connected"],
    "conv2d": LayerSpec("affine", input_arg=Arg(0, "inputs"), fan_out=Arg(1, "num_outputs"),
                        kernel_size=Arg(2, "kernel_size"), activation=Arg(7, "activation_fn", "relu"),
                        kernel_init=Arg(10, "weights_initializer", "glorot_uniform"), spatial_dims=2),
    "batch_norm": LayerSpec("norm", input_arg=Arg(0, "inputs")),
    "flatten": LayerSpec("shape", input_arg=Arg(0, "inputs")),
    "dropout": LayerSpec("dropout", input_arg=Arg(0, "inputs")),
    "max_pool2d": LayerSpec("shape", input_arg=Arg(0, "inputs")),
    "avg_pool2d": LayerSpec("shape", input_arg=Arg(0, "inputs")),
}
for _fn, _spec in _CONTRIB.items():
    layers.setdefault(f"tensorflow.contrib.layers.{_fn}", _spec)
    layers[f"tensorflow.contrib.slim.{_fn}"] = _spec
# Calls that change the layer functions' defaults for the code under them.
DEFAULT_SCOPES = frozenset({"arg_scope"})

# Raw weight ops: (input tensor argument, weight argument spellings). The weight is a variable whose
# initial value gives mean/std and whose shape gives fan-in (prod(shape[:-1])) and fan-out (shape[-1]).
AFFINE_OPS: dict[str, tuple[Arg, tuple[Arg, ...]]] = {
    "tensorflow.matmul": (Arg(0, "a"), (Arg(1, "b"),)),
    "tensorflow.linalg.matmul": (Arg(0, "a"), (Arg(1, "b"),)),
    "tensorflow.nn.conv2d": (Arg(0, "input"), (Arg(1, "filter"), Arg(None, "filters"))),
    "tensorflow.nn.conv1d": (Arg(0, "value"), (Arg(1, "filters"), Arg(None, "filter"))),
    "tensorflow.nn.conv3d": (Arg(0, "input"), (Arg(1, "filter"), Arg(None, "filters"))),
    "tensorflow.nn.xw_plus_b": (Arg(0, "x"), (Arg(1, "weights"),)),
}
# tf.matmul's flags that swap which side of the weight is its input (each one flips it).
MATMUL_TRANSPOSES = ("transpose_a", "transpose_b", "adjoint_a", "adjoint_b")
# Variable factories: name -> (initial value / initializer argument, shape argument or None).
# tf.get_variable without an initializer uses glorot_uniform (TF1's default for float variables).
VARIABLE_FACTORIES: dict[str, tuple[Arg, Arg | None]] = {
    "tensorflow.Variable": (Arg(0, "initial_value"), None),
    "tensorflow.get_variable": (Arg(3, "initializer"), Arg(1, "shape")),
}
VARIABLE_DEFAULT_INIT = InitSpec("uniform", scheme="glorot")
# Reshapes whose target shape's last dimension is the next layer's fan-in.
RESHAPES: dict[str, Arg] = {"tensorflow.reshape": Arg(1, "shape")}
# Graph inputs: the shape's last dimension is the first layer's fan-in.
PLACEHOLDERS: dict[str, Arg] = {
    "tensorflow.placeholder": Arg(1, "shape"),
    "tensorflow.placeholder_with_default": Arg(1, "shape"),
    **tflearn.PLACEHOLDERS,
}
# Ops that add a bias: the result is the tensor argument itself, for the forward path.
BIAS_ADDS: dict[str, tuple[Arg, ...]] = {
    "tensorflow.nn.bias_add": (Arg(0, "value"),),
    "tensorflow.add": (Arg(0, "x"), Arg(1, "y")),
    "tensorflow.math.add": (Arg(0, "x"), Arg(1, "y")),
}
# Reductions that turn an element-wise error into a loss: tf.reduce_mean(tf.square(a - b)).
REDUCERS = frozenset({
    "tensorflow.reduce_mean", "tensorflow.reduce_sum", "tensorflow.math.reduce_mean", "tensorflow.math.reduce_sum",
})
# Element-wise ops that are a loss only when they wrap a difference `a - b` (inside a reduction, except
# l2_loss which reduces itself): tf.square(W) is a regulariser, tf.abs(x) is just abs.
DIFFERENCE_LOSSES: dict[str, tuple[str, bool]] = {  # qname -> (loss kind, needs an enclosing reduction)
    "tensorflow.square": ("mse", True),
    "tensorflow.math.square": ("mse", True),
    "tensorflow.abs": ("mae", True),
    "tensorflow.math.abs": ("mae", True),
    "tensorflow.nn.l2_loss": ("mse", False),
}
# tf.pow(pred - y, 2) is tf.square(pred - y): element-wise powers, with the argument holding the exponent.
POWERS: dict[str, Arg] = {"tensorflow.pow": Arg(1, "y"), "tensorflow.math.pow": Arg(1, "y")}
# Hand-written cross-entropy, recognised by its form: `labels * tf.log(p)` inside a reduction
# (tf.reduce_mean(-tf.reduce_sum(y * tf.log(p), 1))) is a cross-entropy that needs probabilities p.
LOG_LOSSES: dict[str, str] = {  # qname of the log -> loss kind
    "tensorflow.log": "categorical_crossentropy",
    "tensorflow.math.log": "categorical_crossentropy",
}
# Where a loss call carries the prediction (and labels): every tensor argument is checked against the
# networks' outputs, so only the argument spellings matter here.
LOSS_TENSOR_ARGS: tuple[Arg, ...] = (
    Arg(0), Arg(1), Arg(2), Arg(None, "labels"), Arg(None, "predictions"), Arg(None, "logits"),
    Arg(None, "onehot_labels"), Arg(None, "multi_class_labels"), Arg(None, "x"), Arg(None, "y"),
)

_SHAPE = Arg(0, "shape")
initializers = {
    # TF1 initializer objects
    "tensorflow.random_normal_initializer": InitSpec("normal", mean=Arg(0, "mean", 0.0), std=Arg(1, "stddev", 1.0)),
    "tensorflow.truncated_normal_initializer": InitSpec("truncated_normal", mean=Arg(0, "mean", 0.0),
                                                        std=Arg(1, "stddev", 1.0)),
    "tensorflow.random_uniform_initializer": InitSpec("uniform", low=Arg(0, "minval", 0.0), high=Arg(1, "maxval", 1.0)),
    "tensorflow.constant_initializer": InitSpec("constant", value=Arg(0, "value", 0.0)),
    "tensorflow.zeros_initializer": InitSpec("zeros"),
    "tensorflow.ones_initializer": InitSpec("ones"),
    "tensorflow.glorot_uniform_initializer": InitSpec("uniform", scheme="glorot"),
    "tensorflow.glorot_normal_initializer": InitSpec("truncated_normal", scheme="glorot"),
    "tensorflow.contrib.layers.xavier_initializer": InitSpec("uniform", scheme="glorot"),
    "tensorflow.variance_scaling_initializer": InitSpec("truncated_normal", scheme="vs",
                                                        scheme_arg=Arg(0, "scale", 1.0)),
    "tensorflow.initializers.variance_scaling": InitSpec("truncated_normal", scheme="vs", scheme_arg=Arg(0, "scale", 1.0)),
    "tensorflow.initializers.he_normal": InitSpec("truncated_normal", scheme="he"),
    "tensorflow.initializers.he_uniform": InitSpec("uniform", scheme="he"),
    "tensorflow.initializers.lecun_normal": InitSpec("truncated_normal", scheme="lecun"),
    "tensorflow.initializers.glorot_uniform": InitSpec("uniform", scheme="glorot"),
    "tensorflow.initializers.random_normal": InitSpec("normal", mean=Arg(0, "mean", 0.0), std=Arg(1, "stddev", 1.0)),
    "tensorflow.initializers.truncated_normal": InitSpec("truncated_normal", mean=Arg(0, "mean", 0.0),
                                                         std=Arg(1, "stddev", 1.0)),
    "tensorflow.initializers.random_uniform": InitSpec("uniform", low=Arg(0, "minval", 0.0), high=Arg(1, "maxval", 1.0)),
    "tensorflow.initializers.constant": InitSpec("constant", value=Arg(0, "value", 0.0)),
    # tensor factories used as a Variable's initial value: the shape gives the fan-in
    "tensorflow.truncated_normal": InitSpec("truncated_normal", mean=Arg(1, "mean", 0.0), std=Arg(2, "stddev", 1.0),
                                            shape=_SHAPE),
    "tensorflow.random_normal": InitSpec("normal", mean=Arg(1, "mean", 0.0), std=Arg(2, "stddev", 1.0), shape=_SHAPE),
    "tensorflow.random.normal": InitSpec("normal", mean=Arg(1, "mean", 0.0), std=Arg(2, "stddev", 1.0), shape=_SHAPE),
    "tensorflow.random.truncated_normal": InitSpec("truncated_normal", mean=Arg(1, "mean", 0.0),
                                                   std=Arg(2, "stddev", 1.0), shape=_SHAPE),
    "tensorflow.random_uniform": InitSpec("uniform", low=Arg(1, "minval", 0.0), high=Arg(2, "maxval", 1.0), shape=_SHAPE),
    "tensorflow.random.uniform": InitSpec("uniform", low=Arg(1, "minval", 0.0), high=Arg(2, "maxval", 1.0), shape=_SHAPE),
    "tensorflow.zeros": InitSpec("zeros", shape=_SHAPE),
    "tensorflow.ones": InitSpec("ones", shape=_SHAPE),
    "tensorflow.constant": InitSpec("constant", value=Arg(0, "value"), shape=Arg(2, "shape")),
}

losses = {
    "tensorflow.losses.mean_squared_error": LossSpec("mse"),
    "tensorflow.losses.absolute_difference": LossSpec("mae"),
    "tensorflow.losses.huber_loss": LossSpec("huber"),
    "tensorflow.losses.softmax_cross_entropy": LossSpec("cross_entropy"),
    "tensorflow.losses.sparse_softmax_cross_entropy": LossSpec("cross_entropy"),
    "tensorflow.losses.sigmoid_cross_entropy": LossSpec("sigmoid_cross_entropy"),
    "tensorflow.losses.log_loss": LossSpec("bce"),
    "tensorflow.nn.softmax_cross_entropy_with_logits": LossSpec("cross_entropy"),
    "tensorflow.nn.softmax_cross_entropy_with_logits_v2": LossSpec("cross_entropy"),
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits": LossSpec("cross_entropy"),
    "tensorflow.nn.sigmoid_cross_entropy_with_logits": LossSpec("sigmoid_cross_entropy"),
    "tensorflow.nn.l2_loss": LossSpec("mse"),
    # hand-written squared error: tf.reduce_mean(tf.square(pred - y)), tf.squared_difference(pred, y)
    "tensorflow.squared_difference": LossSpec("mse"),
    "tensorflow.math.squared_difference": LossSpec("mse"),
    "tensorflow.square": LossSpec("mse"),
    "tensorflow.math.square": LossSpec("mse"),
    "tensorflow.abs": LossSpec("mae"),
}

# tf.nn.leaky_relu(features, alpha=0.2)
negative_slopes = {"tensorflow.nn.leaky_relu": ((Arg(1, "alpha"),), 0.2)}

TABLES = Tables(
    activations=activations,
    layers=layers,
    initializers=initializers,
    losses=losses,
    default_init={"tf1": InitSpec("uniform", scheme="glorot")},
    negative_slopes=negative_slopes,
)

# --------------------------------------------------------------------------- for the interpreter
# The arguments of a loss call that carry the network's output, tried first (the others are labels):
# tf.losses.mean_squared_error(labels, predictions), softmax_cross_entropy_with_logits(labels=, logits=).
LOSS_PREDICTION_ARGS: tuple[Arg, ...] = (
    Arg(None, "predictions"), Arg(None, "logits"), Arg(None, "x"), Arg(None, "input"),
)
# The tensor argument of an activation function: tf.nn.relu(features), tf.nn.softmax(logits).
ACTIVATION_INPUT_ARGS: tuple[Arg, ...] = (Arg(0), Arg(None, "features"), Arg(None, "x"), Arg(None, "logits"),
                                          Arg(None, "input"))
# Optimisers: `tf.train.AdamOptimizer(lr).minimize(loss)` trains that loss (the others are metrics).
OPTIMIZER_MODULE = "tensorflow.train."
OPTIMIZER = "tensorflow.train.Optimizer"  # the abstract value an optimiser constructor gives
MINIMIZE: dict[str, Arg] = {"tensorflow.train.Optimizer.minimize": Arg(0, "loss")}

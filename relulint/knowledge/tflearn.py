"""tflearn facts: its layer functions chain like TF1's functional layers (`net = fully_connected(net,
10, activation="softmax")`), `input_data` is the graph input and `regression(net, loss=...)` names
the loss by string. Canonical names are tflearn's own (`tflearn.layers.core.fully_connected`) and the
top-level re-exports (`tflearn.fully_connected`).
"""

from relulint.knowledge import Arg, LayerSpec, Tables

_FC = LayerSpec("affine", input_arg=Arg(0, "incoming"), fan_out=Arg(1, "n_units"),
                activation=Arg(2, "activation", "linear"), kernel_init=Arg(4, "weights_init"))
_CONV2D = LayerSpec("affine", input_arg=Arg(0, "incoming"), fan_out=Arg(1, "nb_filter"),
                    kernel_size=Arg(2, "filter_size"), activation=Arg(5, "activation", "linear"),
                    kernel_init=Arg(7, "weights_init"), spatial_dims=2)
_CONV1D = LayerSpec("affine", input_arg=Arg(0, "incoming"), fan_out=Arg(1, "nb_filter"),
                    kernel_size=Arg(2, "filter_size"), activation=Arg(5, "activation", "linear"),
                    kernel_init=Arg(7, "weights_init"), spatial_dims=1)
_SHAPE = LayerSpec("shape", input_arg=Arg(0, "incoming"))
_DROPOUT = LayerSpec("dropout", input_arg=Arg(0, "incoming"))
_NORM = LayerSpec("norm", input_arg=Arg(0, "incoming"))

_BY_MODULE = {
    "core": {"fully_connected": _FC, "dropout": _DROPOUT, "flatten": _SHAPE, "reshape": _SHAPE},
    "conv": {"conv_2d": _CONV2D, "conv_1d": _CONV1D, "max_pool_2d": _SHAPE, "avg_pool_2d": _SHAPE,
             "max_pool_1d": _SHAPE, "avg_pool_1d": _SHAPE, "global_avg_pool": _SHAPE},
    "normalization": {"batch_normalization": _NORM, "local_response_normalization": _NORM},
}
layers = {}
for _module, _fns in _BY_MODULE.items():
    for _fn, _spec in _fns.items():
        for _name in (f"tflearn.layers.{_module}.{_fn}", f"tflearn.layers.{_fn}", f"tflearn.{_fn}"):
            layers[_name] = _spec

# The graph input: input_data(shape=[None, 28, 28, 1]); the shape's last dimension is the fan-in.
PLACEHOLDERS: dict[str, Arg] = {
    name: Arg(0, "shape") for name in ("tflearn.layers.core.input_data", "tflearn.layers.input_data",
                                       "tflearn.input_data")
}
# The estimator layer: regression(incoming, placeholder, optimizer, loss="categorical_crossentropy").
ESTIMATORS: dict[str, tuple[Arg, Arg]] = {
    name: (Arg(0, "incoming"), Arg(3, "loss", "categorical_crossentropy"))
    for name in ("tflearn.layers.estimator.regression", "tflearn.layers.regression", "tflearn.regression")
}
# tflearn's loss names (tflearn.objectives). Not Keras's: tflearn's binary_crossentropy applies a
# sigmoid itself (sigmoid_cross_entropy_with_logits), its categorical_crossentropy wants probabilities.
LOSS_STRINGS: dict[str, str] = {
    "mean_square": "mse",
    "L2": "mse",
    "softmax_categorical_crossentropy": "cross_entropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "binary_crossentropy": "sigmoid_cross_entropy",
    "hinge_loss": "hinge",
}

TABLES = Tables(layers=layers)

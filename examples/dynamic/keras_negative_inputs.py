"""The case "Is ReLU dead?" in Keras, as the article wrote it: Dense + ReLU on inputs from (-1, 0).

With every kernel weight positive the probe sees the whole layer dead on the first batch.
"""

import numpy as np
from tensorflow import keras


def relulint_batch():
    rng = np.random.default_rng(4)
    x = -rng.random((64, 4)).astype("float32")
    y = rng.random((64, 1)).astype("float32")
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(32, activation="relu",  # expect: RL201  # probe: RL401
                           kernel_initializer=keras.initializers.RandomUniform(0.0, 1.0)),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mse")
    return model, (x, y)

"""python train_energy.py energy.csv --epochs 200 --width 64"""

from __future__ import annotations

import argparse

from csv_loader import load_table
from tensorflow import keras
from tensorflow.keras import layers


def build_model(n_features: int, width: int) -> keras.Model:
    inputs = keras.Input(shape=(n_features,))
    x = layers.Dense(width, activation="relu")(inputs)  # expect: RL301
    x = layers.Dense(width, activation="relu")(x)
    x = layers.Dense(1)(x)
    outputs = layers.LeakyReLU(negative_slope=0.01)(x)  # expect: RL101
    return keras.Model(inputs, outputs, name="heating_load")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--width", type=int, default=64)
    args = parser.parse_args()

    (x_train, y_train), (x_valid, y_valid) = load_table(args.csv)
    model = build_model(x_train.shape[1], args.width)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", metrics=["mae"])
    model.fit(x_train, y_train, validation_data=(x_valid, y_valid), epochs=args.epochs, batch_size=32,
              callbacks=[keras.callbacks.EarlyStopping(patience=20, restore_best_weights=True)])
    model.save("heating_load.keras")


if __name__ == "__main__":
    main()

"""python train.py sensors.csv --epochs 30"""

from __future__ import annotations

import argparse

from forecaster import build_forecaster
from tensorflow import keras
from windows import make_windows, read_log


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--window", type=int, default=48)
    args = parser.parse_args()

    x, y = make_windows(read_log(args.csv), length=args.window)
    split = int(0.9 * len(x))
    model = build_forecaster(x[:split])
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss=keras.losses.MeanSquaredError())
    model.fit(x[:split], y[:split], validation_data=(x[split:], y[split:]), epochs=args.epochs, batch_size=64)
    model.save("forecaster.keras")


if __name__ == "__main__":
    main()

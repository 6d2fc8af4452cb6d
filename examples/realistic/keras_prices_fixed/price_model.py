"""python price_model.py --epochs 100"""

import argparse

from simulate import simulate_listings
from sklearn.preprocessing import StandardScaler
from tensorflow import keras


class PriceModel(keras.Model):
    def __init__(self, width=32):
        super().__init__()
        self.hidden1 = keras.layers.Dense(width, activation="relu")
        self.hidden2 = keras.layers.Dense(width, activation="relu")
        self.price = keras.layers.Dense(1)

    def call(self, inputs):
        return self.price(self.hidden2(self.hidden1(inputs)))


def train(model, x, y, epochs):
    model.compile(optimizer="adam", loss="mean_squared_error")
    model.fit(x, y, epochs=epochs, batch_size=64, validation_split=0.2)
    return model


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    features, price = simulate_listings()
    features = StandardScaler().fit_transform(features)
    price = (price - price.mean()) / price.std()
    train(PriceModel(), features, price, args.epochs)

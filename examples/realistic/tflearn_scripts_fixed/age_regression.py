"""tflearn MLP regressing a person's age (years) from 12 standardised biomarkers."""

import numpy as np
import tflearn


def main(path="biomarkers.npz", epochs=50):
    data = np.load(path)
    x = (data["x"] - data["x"].mean(axis=0)) / data["x"].std(axis=0)
    y = data["age"].reshape(-1, 1)
    net = tflearn.input_data(shape=[None, 12])
    net = tflearn.fully_connected(net, 64, activation="relu")
    net = tflearn.fully_connected(net, 64, activation="relu")
    net = tflearn.fully_connected(net, 1, activation="linear")
    net = tflearn.regression(net, optimizer="sgd", loss="mean_square", learning_rate=0.01)
    model = tflearn.DNN(net)
    model.fit(x, y, n_epoch=epochs, batch_size=32, show_metric=False)
    return model


if __name__ == "__main__":
    main()

"""tflearn CNN on MNIST: python digits_cnn.py --epochs 10"""

import argparse

import tflearn
import tflearn.datasets.mnist as mnist
from tflearn.layers.conv import conv_2d, max_pool_2d
from tflearn.layers.core import dropout, fully_connected, input_data
from tflearn.layers.estimator import regression
from tflearn.layers.normalization import local_response_normalization


def build_network(learning_rate):
    net = input_data(shape=[None, 28, 28, 1], name="input")
    net = conv_2d(net, 32, 3, activation="relu", regularizer="L2")
    net = max_pool_2d(net, 2)
    net = local_response_normalization(net)
    net = conv_2d(net, 64, 3, activation="relu", regularizer="L2")
    net = max_pool_2d(net, 2)
    net = fully_connected(net, 128, activation="relu")
    net = dropout(net, 0.8)
    net = fully_connected(net, 10, activation="linear")
    return regression(net, optimizer="adam", learning_rate=learning_rate,
                      loss="softmax_categorical_crossentropy", name="target")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    X, Y, testX, testY = mnist.load_data(one_hot=True)
    X, testX = X.reshape([-1, 28, 28, 1]), testX.reshape([-1, 28, 28, 1])
    model = tflearn.DNN(build_network(0.01), tensorboard_verbose=0)
    model.fit({"input": X}, {"target": Y}, n_epoch=args.epochs, validation_set=({"input": testX}, {"target": testY}),
              show_metric=True, run_id="digits_cnn")

"""Feeds Net raw MNIST bytes: (x_train, y_train) from keras are uint8 in [0, 255], never divided by 255."""

import torch
from model import Net
from tensorflow import keras

(x_train, y_train), _ = keras.datasets.mnist.load_data()
net = Net()
criterion = torch.nn.CrossEntropyLoss()
inputs = torch.from_numpy(x_train).float().view(-1, 784)
loss = criterion(net(inputs), torch.from_numpy(y_train).long())

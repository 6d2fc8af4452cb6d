"""The case "Tensorflow ReLu doesn't work?" fixed: zero-mean He init, and the softmax trained with categorical cross-entropy."""

import tensorflow as tf
from tensorflow.keras import layers


class DescriptorNet(tf.keras.Model):
    def __init__(self, activation=tf.nn.relu, last_activation=tf.nn.softmax, n_classes=50):
        super().__init__()
        self.conv1 = layers.Conv2D(20, 3, activation=activation, kernel_initializer="he_normal")
        self.pool1 = layers.MaxPooling2D(2, 2)
        self.conv2 = layers.Conv2D(24, 3, activation=activation, kernel_initializer="he_normal")
        self.conv3 = layers.Conv2D(24, 3, activation=activation, kernel_initializer="he_normal")
        self.pool2 = layers.MaxPooling2D(2, 2)
        self.flatten = layers.Flatten()
        self.fc1 = layers.Dense(100, activation=activation, kernel_initializer="he_normal")
        self.fc2 = layers.Dense(n_classes, activation=last_activation)

    def call(self, x):
        x = self.pool1(self.conv1(x))
        x = self.pool2(self.conv3(self.conv2(x)))
        return self.fc2(self.fc1(self.flatten(x)))


model = DescriptorNet()
model.compile(optimizer=tf.keras.optimizers.Adam(), loss=tf.keras.losses.CategoricalCrossentropy())

"""The case "Tensorflow ReLu doesn't work?" in Keras: a ReLU conv net (activation passed in as `tf.nn.relu`) ending in a softmax,
trained with mean squared error, plus the asker's attempted fix `RandomNormal(0.1, 0.1)` as a
positive-mean init. Loss stays constant: the saturated softmax passes almost no gradient to MSE."""

import tensorflow as tf
from tensorflow.keras import layers


class DescriptorNet(tf.keras.Model):
    def __init__(self, activation=tf.nn.relu, last_activation=tf.nn.softmax, n_classes=50):
        super().__init__()
        init = tf.keras.initializers.RandomNormal(0.1, 0.1)
        self.conv1 = layers.Conv2D(20, 3, activation=activation)
        self.pool1 = layers.MaxPooling2D(2, 2)
        self.conv2 = layers.Conv2D(24, 3, activation=activation)
        self.conv3 = layers.Conv2D(24, 3, activation=activation)
        self.pool2 = layers.MaxPooling2D(2, 2)
        self.flatten = layers.Flatten()
        self.fc1 = layers.Dense(100, activation=activation, kernel_initializer=init)  # expect: RL201
        self.fc2 = layers.Dense(n_classes, activation=last_activation)  # expect: RL102

    def call(self, x):
        x = self.pool1(self.conv1(x))
        x = self.pool2(self.conv3(self.conv2(x)))
        return self.fc2(self.fc1(self.flatten(x)))


model = DescriptorNet()
model.compile(optimizer=tf.keras.optimizers.Adam(), loss=tf.keras.losses.MeanSquaredError())

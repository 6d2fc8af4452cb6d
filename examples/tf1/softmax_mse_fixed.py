"""The case "Tensorflow ReLu doesn't work?" fixed: the last layer gives logits, trained with softmax cross-entropy; weights are
zero-mean He-scaled; pixels are rescaled to [0, 1] before the first convolution."""

import tensorflow as tf


class DescriptorNet:
    def __init__(self, drop_conv=False, add_conv=False):
        self.activation = tf.nn.relu
        self.initializer = tf.initializers.he_normal()
        self.drop_conv = drop_conv
        self.add_conv = add_conv
        self.layer_7_filters_n = 40
        self.input = tf.placeholder(tf.float32, [None, 64, 64, 3])
        self.Y = tf.placeholder(tf.float32, [None, 50])

        self._logits = self._create_nn()

        self._loss_function = tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits_v2(labels=self.Y, logits=self._logits))
        self._prediction = tf.nn.softmax(self._logits)

        optimizer = tf.train.AdamOptimizer()
        self._train_op = optimizer.minimize(self._loss_function)

    def _create_nn(self):
        init = self.initializer
        current = self.input / 255.0
        current = tf.layers.conv2d(current, 20, 3, activation=self.activation, kernel_initializer=init)
        current = tf.layers.max_pooling2d(current, 2, 2)
        current = tf.layers.conv2d(current, 24, 3, activation=self.activation, kernel_initializer=init)
        current = tf.layers.conv2d(current, 24, 3, activation=self.activation, kernel_initializer=init)
        current = tf.layers.max_pooling2d(current, 2, 2)
        current = tf.layers.conv2d(current, 32, 5, activation=self.activation)
        if not self.drop_conv:
            current = tf.layers.conv2d(current, self.layer_7_filters_n, 3, activation=self.activation)

        current = tf.layers.flatten(current)
        current = tf.layers.dense(current, 100, activation=self.activation)
        current = tf.layers.dense(current, 50)

        return current


def small_repro():
    x = tf.placeholder(tf.float32, [None, 4])
    labels = tf.placeholder(tf.float32, [None, 4])
    h_d = tf.layers.Dense(4, activation=tf.nn.leaky_relu)
    h = h_d(x)
    y_d = tf.layers.Dense(4)
    logits = y_d(h)
    loss = tf.losses.softmax_cross_entropy(labels, logits)
    return tf.gradients(loss, [x])

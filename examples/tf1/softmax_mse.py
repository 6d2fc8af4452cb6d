"""The case "Tensorflow ReLu doesn't work?" in TF1: a ReLU conv net (`self.activation = tf.nn.relu`) ending in `tf.nn.softmax`,
trained with `tf.reduce_sum(tf.squared_difference(...))`, plus the asker's attempted fix
`tf.random_normal_initializer(0.1, 0.1)`. The loss stays constant on train and eval data."""

import tensorflow as tf


class DescriptorNet:
    def __init__(self, drop_conv=False, add_conv=False):
        self.activation = tf.nn.relu
        self.last_activation = tf.nn.softmax
        self.initializer = tf.random_normal_initializer(0.1, 0.1)
        self.drop_conv = drop_conv
        self.add_conv = add_conv
        self.layer_7_filters_n = 40
        self.input = tf.placeholder(tf.float32, [None, 64, 64, 3])
        self.Y = tf.placeholder(tf.float32, [None, 50])

        self._nn = self._create_nn()

        self._loss_function = tf.reduce_sum(tf.squared_difference(self._nn, self.Y), 1)

        optimizer = tf.train.AdamOptimizer()
        self._train_op = optimizer.minimize(self._loss_function)

    def _create_nn(self):
        init = self.initializer
        current = tf.layers.conv2d(self.input, 20, 3, activation=self.activation, kernel_initializer=init)  # expect: RL201
        current = tf.layers.max_pooling2d(current, 2, 2)
        current = tf.layers.conv2d(current, 24, 3, activation=self.activation, kernel_initializer=init)  # expect: RL201
        current = tf.layers.conv2d(current, 24, 3, activation=self.activation, kernel_initializer=init)  # expect: RL201
        current = tf.layers.max_pooling2d(current, 2, 2)
        self.descriptor = current = tf.layers.conv2d(current, 32, 5, activation=self.activation)
        if not self.drop_conv:
            current = tf.layers.conv2d(current, self.layer_7_filters_n, 3, activation=self.activation)
        if self.add_conv:
            current = tf.layers.conv2d(current, 48, 2, activation=self.activation)

        self.descriptor = current

        last_conv_output_shape = current.get_shape().as_list()
        self.descr_size = last_conv_output_shape[1] * last_conv_output_shape[2] * last_conv_output_shape[3]

        current = tf.layers.dense(tf.reshape(current, [-1, self.descr_size]), 100, activation=self.activation)
        current = tf.layers.dense(current, 50, activation=self.last_activation)  # expect: RL102

        return current


def small_repro():
    """The asker's minimal example: gradients of h_d and y_d are (close to) 0."""
    x = tf.placeholder(tf.float32, [None, 4])
    h_d = tf.layers.Dense(4, activation=tf.nn.leaky_relu)
    h = h_d(x)
    y_d = tf.layers.Dense(4, activation=tf.nn.softmax)  # expect: RL102
    y = y_d(h)
    d = tf.constant([[.5, .5, 0, 0]])
    loss = tf.reduce_mean(tf.square(y - d))
    return tf.gradients(loss, [x])

"""Two conv layers and two dense layers over 28x28 digit images."""

import tensorflow as tf
from ops import bias_variable, conv2d, dense, max_pool_2x2, weight_variable


def digit_logits(images, keep_prob):
    x = tf.reshape(images, [-1, 28, 28, 1])
    w1 = weight_variable([5, 5, 1, 32], "w1")
    h1 = max_pool_2x2(tf.nn.relu(conv2d(x, w1) + bias_variable([32])))
    w2 = weight_variable([5, 5, 32, 64], "w2")
    h2 = max_pool_2x2(tf.nn.relu(conv2d(h1, w2) + bias_variable([64])))
    flat = tf.reshape(h2, [-1, 7 * 7 * 64])
    fc1 = tf.nn.relu(dense(flat, 7 * 7 * 64, 1024, "fc1"))
    fc1 = tf.nn.dropout(fc1, keep_prob)
    return dense(fc1, 1024, 10, "fc2")

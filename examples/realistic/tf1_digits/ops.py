"""Layer helpers shared by the TF1 models: the shapes are only known where they are called."""

import tensorflow as tf


def weight_variable(shape, name=None):
    initial = tf.truncated_normal(shape, stddev=1.0)  # expect: RL203
    return tf.Variable(initial, name=name)


def bias_variable(shape, name=None):
    return tf.Variable(tf.constant(0.1, shape=shape), name=name)


def conv2d(x, w):
    return tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME")


def max_pool_2x2(x):
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")


def dense(x, n_in, n_out, name):
    with tf.variable_scope(name):
        w = tf.get_variable("w", [n_in, n_out], initializer=tf.random_normal_initializer(0.05))  # expect: RL203
        b = tf.get_variable("b", [n_out], initializer=tf.zeros_initializer())
    return tf.matmul(x, w) + b

"""Layer helpers shared by the depth and the material scripts (TF1 graph style)."""
import tensorflow as tf


def fc(x, n_out, name, act=tf.nn.relu):
    n_in = x.get_shape().as_list()[-1]
    with tf.variable_scope(name):
        w = tf.get_variable("w", [n_in, n_out], initializer=tf.variance_scaling_initializer(scale=2.0))
        b = tf.get_variable("b", [n_out], initializer=tf.zeros_initializer())
        out = tf.matmul(x, w) + b
        return act(out) if act is not None else out

"""Regress the mean depth (standardised) of a patch from its 64-d descriptor."""
import numpy as np
import tensorflow as tf

from ops import fc

n_rows = 256
feat = tf.placeholder(tf.float32, [None, 64])
depth = tf.placeholder(tf.float32, [None, 1])
h = fc(feat, 128, "fc1")
h = fc(h, 64, "fc2")
pred = fc(h, 1, "out", act=None)
cost = tf.reduce_sum(tf.pow(pred - depth, 2)) / (2 * n_rows)
train_op = tf.train.AdamOptimizer(1e-3).minimize(cost)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1000):
        f = np.random.randn(n_rows, 64)
        d = np.random.randn(n_rows, 1)
        sess.run(train_op, feed_dict={feat: f, depth: d})

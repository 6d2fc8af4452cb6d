"""The case "Intermediate layer makes tensorflow optimizer to stop working" fixed as the answer did: Xavier weights and a slightly positive bias, 1-16-16-1."""

import numpy as np
import tensorflow as tf

W_init = tf.contrib.layers.xavier_initializer()
b_init = tf.constant_initializer(0.1)

DEPTH_1 = 16
OUT_DEPTH = 1
I = tf.placeholder(tf.float32, shape=[None, 1], name='I')  # input
W = tf.get_variable('W', shape=[1, DEPTH_1], initializer=W_init, dtype=tf.float32, trainable=True)
b = tf.get_variable('b', shape=[DEPTH_1], initializer=b_init, dtype=tf.float32, trainable=True)
O = tf.nn.relu(tf.matmul(I, W) + b, name='O')

W1 = tf.get_variable('W1', shape=[DEPTH_1, DEPTH_1], initializer=W_init, dtype=tf.float32)
b1 = tf.get_variable('b1', shape=[DEPTH_1], initializer=b_init, dtype=tf.float32)
O1 = tf.nn.relu(tf.matmul(O, W1) + b1, name='O1')

W2 = tf.get_variable('W2', shape=[DEPTH_1, OUT_DEPTH], initializer=W_init, dtype=tf.float32)
b2 = tf.get_variable('b2', shape=[OUT_DEPTH], initializer=b_init, dtype=tf.float32)
O2 = tf.matmul(O1, W2) + b2
O2_0 = tf.gather_nd(O2, [[0, 0]])
estimate0 = 2.0 * O2_0
eval_inp = tf.gather_nd(I, [[0, 0]])

distance = tf.reduce_sum(tf.square(eval_inp - estimate0))
train_op = tf.train.AdamOptimizer(1e-3).minimize(distance)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(10000):
        print(sess.run([train_op, W, distance], feed_dict={I: 2.0 * np.random.rand(1, 1) - 1.0}))

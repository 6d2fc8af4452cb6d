"""The case "Intermediate layer makes tensorflow optimizer to stop working", the asker's first script: the same N(0, 1e-3) init with only one ReLU layer (1-16-1).
It trains; one under-scaled ReLU layer does not compound, so RL202 stays silent here."""

import numpy as np
import tensorflow.compat.v1 as tf

initia = tf.random_normal_initializer(0, 1e-3)

DEPTH_1 = 16
OUT_DEPTH = 1
I = tf.placeholder(tf.float32, shape=[None, 1], name='I')  # input
W = tf.get_variable('W', shape=[1, DEPTH_1], initializer=initia, dtype=tf.float32, trainable=True)  # weights
b = tf.get_variable('b', shape=[DEPTH_1], initializer=initia, dtype=tf.float32, trainable=True)  # biases
O = tf.nn.relu(tf.matmul(I, W) + b, name='O')  # activation / output

W2 = tf.get_variable('W2', shape=[DEPTH_1, OUT_DEPTH], initializer=initia, dtype=tf.float32)  # weights
b2 = tf.get_variable('b2', shape=[OUT_DEPTH], initializer=initia, dtype=tf.float32)  # biases
O2 = tf.matmul(O, W2) + b2
O2_0 = tf.gather_nd(O2, [[0, 0]])
estimate0 = 2.0 * O2_0
eval_inp = tf.gather_nd(I, [[0, 0]])

distance = tf.reduce_sum(tf.square(eval_inp - estimate0))
opt = tf.train.GradientDescentOptimizer(1e-3)
train_op = opt.minimize(distance)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(10000):
        print(sess.run([train_op, W, distance], feed_dict={I: 2.0 * np.random.rand(1, 1) - 1.0}))

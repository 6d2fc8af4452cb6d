"""TF1 tf.layers regression: ReLU hidden layers, linear output, mean squared error."""
import numpy as np
import tensorflow as tf

features = tf.placeholder(tf.float32, [None, 13])
targets = tf.placeholder(tf.float32, [None, 1])

net = tf.layers.dense(features, 64, activation=tf.nn.relu)
net = tf.layers.dense(net, 64, activation=tf.nn.relu)
prediction = tf.layers.dense(net, 1)
loss = tf.losses.mean_squared_error(targets, prediction)
train_op = tf.train.GradientDescentOptimizer(0.01).minimize(loss)

raw = np.random.rand(100, 13) * 100
scaled = (raw - raw.mean(axis=0)) / raw.std(axis=0)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run(train_op, feed_dict={features: scaled, targets: np.random.rand(100, 1)})

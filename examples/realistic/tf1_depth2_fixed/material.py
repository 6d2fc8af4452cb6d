"""Classify the patch material (5 classes); the probabilities are kept for the report."""
import numpy as np
import tensorflow as tf

from ops import fc

feat = tf.placeholder(tf.float32, [None, 64])
labels = tf.placeholder(tf.float32, [None, 5])
h = fc(feat, 128, "m_fc1")
logits = fc(h, 5, "m_out", act=None)
probs = tf.nn.softmax(logits)
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(probs, 1), tf.argmax(labels, 1)), tf.float32))
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(500):
        f = np.random.randn(128, 64)
        y = np.eye(5)[np.random.randint(0, 5, 128)]
        sess.run(train_op, feed_dict={feat: f, labels: y})

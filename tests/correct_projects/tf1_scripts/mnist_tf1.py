"""TF1-style classifier: logits into softmax_cross_entropy_with_logits, He-scaled init helpers."""
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()


def weight_variable(shape):
    fan_in = int(np.prod(shape[:-1]))
    return tf.Variable(tf.truncated_normal(shape, stddev=np.sqrt(2.0 / fan_in)))


def bias_variable(shape):
    return tf.Variable(tf.constant(0.0, shape=shape))


x = tf.placeholder(tf.float32, [None, 784])
y_ = tf.placeholder(tf.float32, [None, 10])

W1 = weight_variable([784, 256])
b1 = bias_variable([256])
h1 = tf.nn.relu(tf.matmul(x, W1) + b1)
W2 = weight_variable([256, 10])
b2 = bias_variable([10])
logits = tf.matmul(h1, W2) + b2
y = tf.nn.softmax(logits)

cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits))
train_step = tf.train.AdamOptimizer(1e-3).minimize(cross_entropy)
correct = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    batch_x = np.random.randint(0, 256, (32, 784)).astype(np.float32) / 255.0
    batch_y = np.eye(10)[np.random.randint(0, 10, 32)]
    sess.run(train_step, feed_dict={x: batch_x, y_: batch_y})

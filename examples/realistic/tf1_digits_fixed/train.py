"""python train.py --steps 20000 (TF 1.x graph mode)"""

import argparse

import tensorflow as tf
from model import digit_logits
from tensorflow.examples.tutorials.mnist import input_data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--data", default="MNIST_data")
    args = parser.parse_args()

    mnist = input_data.read_data_sets(args.data, one_hot=True)
    images = tf.placeholder(tf.float32, [None, 784])
    labels = tf.placeholder(tf.float32, [None, 10])
    keep_prob = tf.placeholder(tf.float32)
    logits = digit_logits(images, keep_prob)
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits))
    train_op = tf.train.AdamOptimizer(1e-4).minimize(cross_entropy)
    correct = tf.equal(tf.argmax(logits, 1), tf.argmax(labels, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(args.steps):
            batch = mnist.train.next_batch(50)
            sess.run(train_op, feed_dict={images: batch[0], labels: batch[1], keep_prob: 0.5})
            if step % 500 == 0:
                acc = sess.run(accuracy, feed_dict={images: batch[0], labels: batch[1], keep_prob: 1.0})
                print(step, acc)


if __name__ == "__main__":
    main()

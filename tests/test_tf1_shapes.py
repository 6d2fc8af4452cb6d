"""TF1 and tflearn code in the shapes real programs take (issue 10), through the interpreter.

Each shape has firing programs (every `# expect: RLxxx` line must be reported, nothing else) and
silent twins (nothing reported). Variations: aliases (`tf.compat.v1`, `from tensorflow.contrib import
layers`, `import tflearn as tl`), keyword versus positional arguments, classes versus functions.
"""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.testing import expectations

SHAPES: dict[str, tuple[list[str], list[str]]] = {}

# --------------------------------------------------------------------------------------------------
# layers built in a loop
# --------------------------------------------------------------------------------------------------

SHAPES["layers_in_a_loop"] = ([
    """
    import tensorflow as tf
    from tensorflow.contrib import layers

    def tower(x, sizes):
        for i, n in enumerate(sizes):
            x = layers.fully_connected(x, n, scope="fc%d" % i)  # expect: RL101
        return x

    inputs = tf.placeholder(tf.float32, [None, 10])
    target = tf.placeholder(tf.float32, [None, 1])
    pred = tower(inputs, [32, 16, 1])
    loss = tf.reduce_mean(tf.squared_difference(pred, target))
    """,
    """
    import tensorflow.compat.v1 as tf1

    x = tf1.placeholder("float", [None, 64])
    labels = tf1.placeholder("float", [None, 4])
    h = x
    for _ in range(3):
        h = tf1.layers.dense(h, 128, tf1.nn.relu)
    probs = tf1.layers.dense(h, 4, activation=tf1.nn.softmax)  # expect: RL102
    cost = tf1.losses.mean_squared_error(labels, probs)
    """,
    """
    import tensorflow as tf

    class Regressor:
        def __init__(self, n_features, hidden=(256, 256, 256)):
            self.x = tf.compat.v1.placeholder(tf.float32, [None, n_features])
            self.y = tf.compat.v1.placeholder(tf.float32, [None])
            out = self.x
            self.hidden = []
            for width in hidden:
                out = tf.compat.v1.layers.dense(out, width, activation=tf.nn.relu)
                self.hidden.append(out)
            out = tf.compat.v1.layers.dense(out, 1, activation=tf.nn.relu)  # expect: RL101
            self.pred = tf.squeeze(out, axis=1)
            self.loss = tf.reduce_mean(tf.abs(self.pred - self.y))

    model = Regressor(12)
    """,
    """
    import tensorflow as tf

    def encoder(images, depth):
        net = images
        for i in range(depth):
            net = tf.layers.conv2d(net, 32 * 2 ** i, 3, padding="same", activation=tf.nn.relu,  # expect: RL203
                                   kernel_initializer=tf.truncated_normal_initializer(stddev=1.0))
            net = tf.layers.max_pooling2d(net, 2, 2)
        return tf.layers.dense(tf.layers.flatten(net), 10)

    images = tf.placeholder(tf.float32, [None, 32, 32, 3])
    logits = encoder(images, 3)
    """,
], [
    """
    import tensorflow as tf
    from tensorflow.contrib import layers

    def tower(x, sizes):
        for i, n in enumerate(sizes[:-1]):
            x = layers.fully_connected(x, n, scope="fc%d" % i)
        return layers.fully_connected(x, sizes[-1], activation_fn=None)

    inputs = tf.placeholder(tf.float32, [None, 10])
    target = tf.placeholder(tf.float32, [None, 1])
    pred = tower(inputs, [32, 16, 1])
    loss = tf.reduce_mean(tf.squared_difference(pred, target))
    """,
    """
    import tensorflow.compat.v1 as tf1

    x = tf1.placeholder("float", [None, 64])
    labels = tf1.placeholder("float", [None, 4])
    h = x
    for _ in range(3):
        h = tf1.layers.dense(h, 128, tf1.nn.relu)
    logits = tf1.layers.dense(h, 4)
    cost = tf1.reduce_mean(tf1.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits))
    probs = tf1.nn.softmax(logits)
    """,
    """
    import tensorflow as tf

    class Regressor:
        def __init__(self, n_features, hidden=(256, 256, 256)):
            self.x = tf.compat.v1.placeholder(tf.float32, [None, n_features])
            self.y = tf.compat.v1.placeholder(tf.float32, [None])
            out = self.x
            for width in hidden:
                out = tf.compat.v1.layers.dense(out, width, activation=tf.nn.relu)
            self.pred = tf.squeeze(tf.compat.v1.layers.dense(out, 1), axis=1)
            self.loss = tf.reduce_mean(tf.abs(self.pred - self.y))

    model = Regressor(12)
    """,
    """
    import tensorflow as tf

    def encoder(images, depth):
        net = images
        for i in range(depth):
            net = tf.layers.conv2d(net, 32 * 2 ** i, 3, padding="same", activation=tf.nn.relu,
                                   kernel_initializer=tf.variance_scaling_initializer(2.0))
            net = tf.layers.max_pooling2d(net, 2, 2)
        return tf.layers.dense(tf.layers.flatten(net), 10)

    images = tf.placeholder(tf.float32, [None, 32, 32, 3])
    logits = encoder(images, 3)
    """,
])

# --------------------------------------------------------------------------------------------------
# initialisers inside helpers: the fan-in is known at the call site, the finding is at the init line
# --------------------------------------------------------------------------------------------------

SHAPES["init_helper_fan_in_at_call_site"] = ([
    """
    import tensorflow as tf

    def init_weights(shape, name):
        return tf.Variable(tf.random_normal(shape, stddev=0.001), name=name)  # expect: RL202

    def conv_relu(x, w):
        return tf.nn.relu(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"))

    images = tf.placeholder(tf.float32, [None, 32, 32, 3])
    c1 = conv_relu(images, init_weights([3, 3, 3, 64], "c1"))
    c2 = conv_relu(c1, init_weights([3, 3, 64, 64], "c2"))
    c3 = conv_relu(c2, init_weights([3, 3, 64, 64], "c3"))
    """,
    """
    import tensorflow as tf

    def fc(x, n_out, act=None):
        n_in = x.get_shape().as_list()[-1]
        w = tf.Variable(tf.random_normal([n_in, n_out], stddev=1.0))  # expect: RL203
        b = tf.Variable(tf.zeros([n_out]))
        out = tf.matmul(x, w) + b
        return act(out) if act is not None else out

    x = tf.placeholder(tf.float32, [None, 784])
    h = fc(x, 256, tf.nn.relu)
    h = fc(h, 128, tf.nn.relu)
    logits = fc(h, 10)
    """,
    """
    import tensorflow as tf

    class Mlp:
        def __init__(self, n_in):
            self.x = tf.placeholder(tf.float32, [None, n_in])
            h = self.layer(self.x, n_in, 512)
            h = self.layer(h, 512, 512)
            self.out = tf.matmul(h, self.weight([512, 10]))

        def weight(self, shape):
            init = tf.truncated_normal_initializer(mean=0.5, stddev=0.02)
            return tf.get_variable("w%d" % shape[1], shape, initializer=init)  # expect: RL201

        def layer(self, x, n_in, n_out):
            return tf.nn.relu(tf.matmul(x, self.weight([n_in, n_out])))

    net = Mlp(100)
    """,
], [
    """
    import tensorflow as tf

    def init_weights(shape, name):
        fan_in = shape[0] * shape[1] * shape[2]
        return tf.Variable(tf.random_normal(shape, stddev=(2.0 / fan_in) ** 0.5), name=name)

    def conv_relu(x, w):
        return tf.nn.relu(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"))

    images = tf.placeholder(tf.float32, [None, 32, 32, 3])
    c1 = conv_relu(images, init_weights([3, 3, 3, 64], "c1"))
    c2 = conv_relu(c1, init_weights([3, 3, 64, 64], "c2"))
    c3 = conv_relu(c2, init_weights([3, 3, 64, 64], "c3"))
    """,
    """
    import tensorflow as tf

    def fc(x, n_out, act=None):
        n_in = x.get_shape().as_list()[-1]
        w = tf.get_variable("w%d" % n_out, [n_in, n_out], initializer=tf.initializers.he_normal())
        b = tf.Variable(tf.zeros([n_out]))
        out = tf.matmul(x, w) + b
        return act(out) if act is not None else out

    x = tf.placeholder(tf.float32, [None, 784])
    h = fc(x, 256, tf.nn.relu)
    h = fc(h, 128, tf.nn.relu)
    logits = fc(h, 10)
    """,
    """
    import tensorflow as tf

    class Mlp:
        def __init__(self, n_in):
            self.x = tf.placeholder(tf.float32, [None, n_in])
            h = self.layer(self.x, n_in, 512)
            h = self.layer(h, 512, 512)
            self.out = tf.matmul(h, self.weight([512, 10]))

        def weight(self, shape):
            init = tf.truncated_normal_initializer(mean=0.0, stddev=0.05)
            return tf.get_variable("w%d" % shape[1], shape, initializer=init)

        def layer(self, x, n_in, n_out):
            return tf.nn.relu(tf.matmul(x, self.weight([n_in, n_out])))

    net = Mlp(100)
    """,
])

# --------------------------------------------------------------------------------------------------
# swapped or mistaken initialiser arguments
# --------------------------------------------------------------------------------------------------

SHAPES["swapped_initializer_args"] = ([
    """
    import tensorflow as tf

    std = 0.05
    x = tf.placeholder(tf.float32, [None, 1024])
    w = tf.get_variable("w", [1024, 512], initializer=tf.random_normal_initializer(std))  # expect: RL203
    h = tf.nn.relu(tf.matmul(x, w))
    """,
    """
    import tensorflow.compat.v1 as tf

    x = tf.placeholder(tf.float32, [None, 2048])
    w = tf.Variable(tf.truncated_normal([2048, 256], 0.01))  # expect: RL203
    h = tf.nn.relu(tf.matmul(x, w))
    """,
    """
    import tensorflow as tf

    def dense(x, n_in, n_out):
        w = tf.Variable(tf.random_uniform([n_in, n_out], 0.0, 0.1))  # expect: RL201
        return tf.nn.relu(tf.matmul(x, w))

    x = tf.placeholder(tf.float32, [None, 64])
    h = dense(dense(x, 64, 64), 64, 64)
    """,
], [
    """
    import tensorflow as tf

    std = 0.05
    x = tf.placeholder(tf.float32, [None, 1024])
    w = tf.get_variable("w", [1024, 512], initializer=tf.random_normal_initializer(stddev=std))
    h = tf.nn.relu(tf.matmul(x, w))
    """,
    """
    import tensorflow.compat.v1 as tf

    x = tf.placeholder(tf.float32, [None, 2048])
    w = tf.Variable(tf.truncated_normal([2048, 256], 0.0, 0.01))
    h = tf.nn.relu(tf.matmul(x, w))
    """,
    """
    import tensorflow as tf

    def dense(x, n_in, n_out):
        w = tf.Variable(tf.random_uniform([n_in, n_out], -0.1, 0.1))
        return tf.nn.relu(tf.matmul(x, w))

    x = tf.placeholder(tf.float32, [None, 64])
    h = dense(dense(x, 64, 64), 64, 64)
    """,
])

# --------------------------------------------------------------------------------------------------
# an initial value scaled by hand: tf.random_normal(shape) * k
# --------------------------------------------------------------------------------------------------

SHAPES["scaled_initial_value"] = ([
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 784])
    W1 = tf.Variable(tf.random_normal([784, 256]) * 0.001)  # expect: RL202
    W2 = tf.Variable(tf.random_normal([256, 256]) * 0.001)  # expect: RL202
    h = tf.nn.relu(tf.matmul(tf.nn.relu(tf.matmul(x, W1)), W2))
    """,
    """
    import tensorflow as tf

    def layer(x, n_in, n_out):
        w = tf.Variable(10.0 * tf.truncated_normal([n_in, n_out], stddev=0.1))  # expect: RL203
        return tf.nn.relu(tf.matmul(x, w))

    x = tf.placeholder(tf.float32, [None, 300])
    h = layer(layer(x, 300, 300), 300, 300)
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 128])
    w = tf.Variable(tf.random_uniform([128, 64]) / 10.0)  # expect: RL201
    h = tf.nn.relu(tf.matmul(x, w))
    """,
], [
    """
    import math

    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 784])
    W1 = tf.Variable(tf.random_normal([784, 256]) * math.sqrt(2.0 / 784))
    W2 = tf.Variable(tf.random_normal([256, 256]) * math.sqrt(2.0 / 256))
    h = tf.nn.relu(tf.matmul(tf.nn.relu(tf.matmul(x, W1)), W2))
    """,
    """
    import tensorflow as tf

    def layer(x, n_in, n_out):
        w = tf.Variable(0.5 * tf.truncated_normal([n_in, n_out], stddev=0.1))
        return tf.nn.relu(tf.matmul(x, w))

    x = tf.placeholder(tf.float32, [None, 300])
    h = layer(layer(x, 300, 300), 300, 300)
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 128])
    w = tf.Variable(tf.random_uniform([128, 64], -1.0, 1.0) / 10.0)
    h = tf.nn.relu(tf.matmul(x, w))
    """,
])

# --------------------------------------------------------------------------------------------------
# tf.contrib.slim / tf.contrib.layers: activation_fn defaults to relu, unless an arg_scope says otherwise
# --------------------------------------------------------------------------------------------------

SHAPES["slim_layers"] = ([
    """
    import tensorflow as tf
    import tensorflow.contrib.slim as slim

    x = tf.placeholder(tf.float32, [None, 32, 32, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    net = slim.flatten(slim.max_pool2d(slim.conv2d(x, 32, [3, 3]), [2, 2]))
    net = slim.fully_connected(net, 64)
    out = slim.fully_connected(net, 1)  # expect: RL101
    loss = tf.losses.mean_squared_error(y, out)
    """,
    """
    import tensorflow as tf
    from tensorflow.contrib import slim

    def head(features, n_classes):
        return slim.fully_connected(features, n_classes, activation_fn=tf.nn.softmax)  # expect: RL103

    x = tf.placeholder(tf.float32, [None, 40])
    y = tf.placeholder(tf.float32, [None, 6])
    loss = tf.losses.softmax_cross_entropy(y, head(slim.fully_connected(x, 64), 6))
    """,
    """
    import tensorflow as tf
    from tensorflow.contrib import layers

    images = tf.placeholder(tf.float32, [None, 28, 28, 64])
    net = layers.conv2d(images, 64, 3, weights_initializer=tf.truncated_normal_initializer(stddev=0.5))  # expect: RL203
    net = layers.conv2d(net, 64, 3)
    """,
], [
    """
    import tensorflow as tf
    import tensorflow.contrib.slim as slim

    x = tf.placeholder(tf.float32, [None, 32, 32, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    with slim.arg_scope([slim.fully_connected], activation_fn=None):
        net = slim.flatten(slim.max_pool2d(slim.conv2d(x, 32, [3, 3]), [2, 2]))
        net = slim.fully_connected(net, 64, activation_fn=tf.nn.relu)
        out = slim.fully_connected(net, 1)
    loss = tf.losses.mean_squared_error(y, out)
    """,
    """
    import tensorflow as tf
    from tensorflow.contrib import slim

    def head(features, n_classes):
        return slim.fully_connected(features, n_classes, activation_fn=None)

    x = tf.placeholder(tf.float32, [None, 40])
    y = tf.placeholder(tf.float32, [None, 6])
    loss = tf.losses.softmax_cross_entropy(y, head(slim.fully_connected(x, 64), 6))
    """,
    """
    import tensorflow as tf
    from tensorflow.contrib import layers

    images = tf.placeholder(tf.float32, [None, 28, 28, 64])
    net = layers.conv2d(images, 64, 3, weights_initializer=tf.truncated_normal_initializer(stddev=0.05))
    net = layers.conv2d(net, 64, 3)
    """,
])

# --------------------------------------------------------------------------------------------------
# the tflearn layer API
# --------------------------------------------------------------------------------------------------

SHAPES["tflearn_layers"] = ([
    """
    import tflearn as tl

    net = tl.input_data([None, 16])
    for width in (64, 64):
        net = tl.fully_connected(net, width, "relu")
    net = tl.fully_connected(net, 1, "relu")  # expect: RL101
    net = tl.regression(net, loss="mean_square")
    """,
    """
    from tflearn.layers.conv import conv_2d, max_pool_2d
    from tflearn.layers.core import fully_connected, input_data
    from tflearn.layers.estimator import regression

    def classifier(n_classes):
        net = input_data(shape=[None, 64, 64, 3])
        net = conv_2d(net, 16, 5, activation="relu")
        net = max_pool_2d(net, 2)
        net = fully_connected(net, n_classes, activation="softmax")  # expect: RL102
        return regression(net, optimizer="sgd", loss="mean_square")

    model = classifier(5)
    """,
    """
    import tflearn

    class AgeModel:
        def __init__(self, n_features):
            net = tflearn.input_data(shape=[None, n_features])
            net = tflearn.fully_connected(net, 32, activation="tanh")
            self.out = tflearn.fully_connected(net, 2, activation="sigmoid")  # expect: RL103
            self.net = tflearn.regression(self.out, loss="binary_crossentropy")

    m = AgeModel(8)
    """,
], [
    """
    import tflearn as tl

    net = tl.input_data([None, 16])
    for width in (64, 64):
        net = tl.fully_connected(net, width, "relu")
    net = tl.fully_connected(net, 1)
    net = tl.regression(net, loss="mean_square")
    """,
    """
    from tflearn.layers.conv import conv_2d, max_pool_2d
    from tflearn.layers.core import fully_connected, input_data
    from tflearn.layers.estimator import regression

    def classifier(n_classes):
        net = input_data(shape=[None, 64, 64, 3])
        net = conv_2d(net, 16, 5, activation="relu")
        net = max_pool_2d(net, 2)
        net = fully_connected(net, n_classes, activation="softmax")
        return regression(net, optimizer="sgd", loss="categorical_crossentropy")

    model = classifier(5)
    """,
    """
    import tflearn

    class AgeModel:
        def __init__(self, n_features):
            net = tflearn.input_data(shape=[None, n_features])
            net = tflearn.fully_connected(net, 32, activation="tanh")
            self.out = tflearn.fully_connected(net, 2, activation="linear")
            self.net = tflearn.regression(self.out, loss="binary_crossentropy")

    m = AgeModel(8)
    """,
])

# --------------------------------------------------------------------------------------------------
# a metric beside the loss: optimizer.minimize(loss) says which one the graph trains with
# --------------------------------------------------------------------------------------------------

SHAPES["minimized_loss_not_metric"] = ([
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 10])
    y = tf.placeholder(tf.float32, [None, 3])
    logits = tf.layers.dense(tf.layers.dense(x, 32, tf.nn.relu), 3)
    probs = tf.nn.softmax(logits)  # expect: RL102
    xent = tf.losses.softmax_cross_entropy(y, logits)
    brier = tf.reduce_mean(tf.reduce_sum(tf.square(probs - y), axis=1))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(brier)
    """,
    """
    import tensorflow.compat.v1 as tf

    x = tf.placeholder(tf.float32, [None, 6])
    y = tf.placeholder(tf.float32, [None, 1])
    out = tf.layers.dense(tf.layers.dense(x, 16, tf.nn.relu), 1, tf.nn.relu)  # expect: RL101
    mse = tf.losses.mean_squared_error(y, out)
    opt = tf.train.AdamOptimizer(1e-3)
    step = opt.minimize(mse)
    """,
    """
    import tensorflow as tf

    class Classifier:
        def __init__(self):
            self.x = tf.placeholder(tf.float32, [None, 50])
            self.y = tf.placeholder(tf.float32, [None, 4])
            h = tf.layers.dense(self.x, 64, activation=tf.nn.relu)
            self.probs = tf.layers.dense(h, 4, activation=tf.nn.softmax)  # expect: RL102
            self.loss = tf.reduce_mean(tf.square(self.probs - self.y))
            self.optimize = tf.train.RMSPropOptimizer(1e-3).minimize(self.loss)
            self.accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(self.probs, 1), tf.argmax(self.y, 1)), "float"))

    clf = Classifier()
    """,
], [
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 10])
    y = tf.placeholder(tf.float32, [None, 3])
    logits = tf.layers.dense(tf.layers.dense(x, 32, tf.nn.relu), 3)
    probs = tf.nn.softmax(logits)
    xent = tf.losses.softmax_cross_entropy(y, logits)
    brier = tf.reduce_mean(tf.reduce_sum(tf.square(probs - y), axis=1))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(xent)
    """,
    """
    import tensorflow.compat.v1 as tf

    x = tf.placeholder(tf.float32, [None, 6])
    y = tf.placeholder(tf.float32, [None, 1])
    out = tf.layers.dense(tf.layers.dense(x, 16, tf.nn.relu), 1)
    mse = tf.losses.mean_squared_error(y, out)
    opt = tf.train.AdamOptimizer(1e-3)
    step = opt.minimize(mse)
    """,
    """
    import tensorflow as tf

    class Classifier:
        def __init__(self):
            self.x = tf.placeholder(tf.float32, [None, 50])
            self.y = tf.placeholder(tf.float32, [None, 4])
            h = tf.layers.dense(self.x, 64, activation=tf.nn.relu)
            logits = tf.layers.dense(h, 4)
            self.probs = tf.nn.softmax(logits)
            self.loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=self.y, logits=logits))
            self.optimize = tf.train.RMSPropOptimizer(1e-3).minimize(self.loss)
            self.calibration = tf.reduce_mean(tf.square(self.probs - self.y))

    clf = Classifier()
    """,
])

# --------------------------------------------------------------------------------------------------
# tf.keras layers in a graph-mode program: applied to placeholders, trained with tf.losses
# --------------------------------------------------------------------------------------------------

SHAPES["keras_layers_on_placeholders"] = ([
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 13])
    y = tf.placeholder(tf.float32, [None, 1])
    h = tf.keras.layers.Dense(64, activation="relu")(x)
    out = tf.keras.layers.Dense(1, activation="relu")(h)  # expect: RL101
    loss = tf.losses.mean_squared_error(y, out)
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    """,
    """
    import tensorflow as tf
    from tensorflow import keras

    x = tf.compat.v1.placeholder(tf.float32, [None, 13])
    y = tf.compat.v1.placeholder(tf.float32, [None, 1])
    model = keras.Sequential([keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(1, activation="relu")])  # expect: RL101
    loss = tf.compat.v1.losses.mean_squared_error(y, model(x))
    """,
    """
    import tensorflow as tf
    from tensorflow.keras import layers

    class Net:
        def __init__(self):
            self.images = tf.placeholder(tf.float32, [None, 28, 28, 1])
            self.labels = tf.placeholder(tf.float32, [None, 10])
            h = layers.Conv2D(16, 3, activation="relu")(self.images)
            h = layers.Flatten()(h)
            self.out = layers.Dense(10, activation="softmax")(h)  # expect: RL103
            self.loss = tf.reduce_mean(
                tf.nn.softmax_cross_entropy_with_logits_v2(labels=self.labels, logits=self.out))

    net = Net()
    """,
], [
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 13])
    y = tf.placeholder(tf.float32, [None, 1])
    h = tf.keras.layers.Dense(64, activation="relu")(x)
    out = tf.keras.layers.Dense(1)(h)
    loss = tf.losses.mean_squared_error(y, out)
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    """,
    """
    import tensorflow as tf
    from tensorflow import keras

    x = tf.compat.v1.placeholder(tf.float32, [None, 13])
    y = tf.compat.v1.placeholder(tf.float32, [None, 1])
    model = keras.Sequential([keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(1)])
    loss = tf.compat.v1.losses.mean_squared_error(y, model(x))
    """,
    """
    import tensorflow as tf
    from tensorflow.keras import layers

    class Net:
        def __init__(self):
            self.images = tf.placeholder(tf.float32, [None, 28, 28, 1])
            self.labels = tf.placeholder(tf.float32, [None, 10])
            h = layers.Conv2D(16, 3, activation="relu")(self.images)
            h = layers.Flatten()(h)
            self.out = layers.Dense(10)(h)
            self.loss = tf.reduce_mean(
                tf.nn.softmax_cross_entropy_with_logits_v2(labels=self.labels, logits=self.out))

    net = Net()
    """,
])

# --------------------------------------------------------------------------------------------------
# tf.nn.leaky_relu with a tiny slope on a regression output
# --------------------------------------------------------------------------------------------------

SHAPES["tiny_slope_leaky_output"] = ([
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 8])
    y = tf.placeholder(tf.float32, [None, 1])
    h = tf.layers.dense(x, 16, activation=tf.nn.relu)
    out = tf.nn.leaky_relu(tf.layers.dense(h, 1), alpha=0.001)  # expect: RL101
    loss = tf.losses.mean_squared_error(y, out)
    """,
    """
    import tensorflow.compat.v1 as tf

    def regressor(x):
        h = tf.nn.leaky_relu(tf.layers.dense(x, 32), 0.2)
        return tf.nn.leaky_relu(tf.layers.dense(h, 1), 0.005)  # expect: RL101

    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 1])
    loss = tf.reduce_mean(tf.square(regressor(x) - y))
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    W = tf.Variable(tf.truncated_normal([3, 1], stddev=0.5))
    pred = tf.nn.leaky_relu(features=tf.matmul(x, W), alpha=0.01)  # expect: RL101
    loss = tf.losses.absolute_difference(y, pred)
    """,
], [
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 8])
    y = tf.placeholder(tf.float32, [None, 1])
    h = tf.layers.dense(x, 16, activation=tf.nn.relu)
    out = tf.nn.leaky_relu(tf.layers.dense(h, 1))
    loss = tf.losses.mean_squared_error(y, out)
    """,
    """
    import tensorflow.compat.v1 as tf

    def regressor(x):
        h = tf.nn.leaky_relu(tf.layers.dense(x, 32), 0.005)
        return tf.layers.dense(h, 1)

    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 1])
    loss = tf.reduce_mean(tf.square(regressor(x) - y))
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    W = tf.Variable(tf.truncated_normal([3, 1], stddev=0.5))
    pred = tf.nn.leaky_relu(features=tf.matmul(x, W), alpha=0.3)
    loss = tf.losses.absolute_difference(y, pred)
    """,
])

# --------------------------------------------------------------------------------------------------
# two graphs in one file: each loss judges the graph whose output reaches it
# --------------------------------------------------------------------------------------------------

SHAPES["two_graphs_one_file"] = ([
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 8])
    y = tf.placeholder(tf.float32, [None, 1])
    c = tf.placeholder(tf.float32, [None, 3])
    reg = tf.layers.dense(tf.layers.dense(x, 16, tf.nn.relu), 1, tf.nn.relu)  # expect: RL101
    cls = tf.layers.dense(tf.layers.dense(x, 16, tf.nn.relu), 3, tf.nn.softmax)
    reg_loss = tf.losses.mean_squared_error(y, reg)
    cls_loss = -tf.reduce_sum(c * tf.log(cls))
    """,
    """
    import tensorflow as tf

    def generator(z):
        h = tf.layers.dense(z, 128, activation=tf.nn.relu)
        return tf.layers.dense(h, 784, activation=tf.nn.tanh)

    def critic(v):
        h = tf.layers.dense(v, 128, activation=tf.nn.relu)
        return tf.layers.dense(h, 1, activation=tf.nn.sigmoid)  # expect: RL103

    z = tf.placeholder(tf.float32, [None, 100])
    real = tf.placeholder(tf.float32, [None, 784])
    d_real = critic(real)
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(d_real), logits=d_real))
    fake = generator(z)
    """,
    """
    import tensorflow as tf

    def net_a(x):
        return tf.layers.dense(tf.layers.dense(x, 32, tf.nn.relu), 10)

    def net_b(x):
        return tf.layers.dense(tf.layers.dense(x, 32, tf.nn.relu), 10, tf.nn.softmax)  # expect: RL103

    x = tf.placeholder(tf.float32, [None, 20])
    y = tf.placeholder(tf.float32, [None, 10])
    loss_a = tf.losses.softmax_cross_entropy(y, net_a(x))
    loss_b = tf.losses.softmax_cross_entropy(y, net_b(x))
    """,
], [
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 8])
    y = tf.placeholder(tf.float32, [None, 1])
    c = tf.placeholder(tf.float32, [None, 3])
    reg = tf.layers.dense(tf.layers.dense(x, 16, tf.nn.relu), 1)
    cls = tf.layers.dense(tf.layers.dense(x, 16, tf.nn.relu), 3, tf.nn.softmax)
    reg_loss = tf.losses.mean_squared_error(y, reg)
    cls_loss = -tf.reduce_sum(c * tf.log(cls))
    """,
    """
    import tensorflow as tf

    def generator(z):
        h = tf.layers.dense(z, 128, activation=tf.nn.relu)
        return tf.layers.dense(h, 784, activation=tf.nn.tanh)

    def critic(v):
        h = tf.layers.dense(v, 128, activation=tf.nn.relu)
        return tf.layers.dense(h, 1)

    z = tf.placeholder(tf.float32, [None, 100])
    real = tf.placeholder(tf.float32, [None, 784])
    d_real = critic(real)
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(d_real), logits=d_real))
    fake = generator(z)
    """,
    """
    import tensorflow as tf

    def net_a(x):
        return tf.layers.dense(tf.layers.dense(x, 32, tf.nn.relu), 10)

    def net_b(x):
        return tf.layers.dense(tf.layers.dense(x, 32, tf.nn.relu), 10, tf.nn.softmax)

    x = tf.placeholder(tf.float32, [None, 20])
    y = tf.placeholder(tf.float32, [None, 10])
    loss_a = tf.losses.softmax_cross_entropy(y, net_a(x))
    loss_b = -tf.reduce_mean(tf.reduce_sum(y * tf.log(net_b(x)), axis=1))
    """,
])


def _cases():
    for name, (fire, silent) in SHAPES.items():
        for kind, programs in (("fire", fire), ("silent", silent)):
            for i, program in enumerate(programs, start=1):
                yield pytest.param(kind, program, id=f"{name}-{kind}{i}")


def test_every_shape_has_three_of_each():
    for name, (fire, silent) in SHAPES.items():
        assert len(fire) >= 3 and len(silent) >= 3, name


@pytest.mark.parametrize(("kind", "code"), list(_cases()))
def test_tf1_shape(kind, code, tmp_path):
    source = textwrap.dedent(code).strip("\n") + "\n"
    path = tmp_path / "main.py"
    path.write_text(source)
    result = lint_source(source, str(path), Settings())
    got = {(f.origin.line, f.code) for f in result.findings if f.origin.path == str(path)}
    want = expectations(source)
    assert bool(want) == (kind == "fire")
    assert got == want, [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]


def test_helper_called_with_good_and_bad_shapes_reports_once_at_the_init_line():
    """One init line, three layers: the std suits two fan-ins and is 20x too large for the third. The
    finding sits where the initialiser is written (where the fix goes), names the fan-in it is too
    large for, and points at the call that made that layer."""
    source = textwrap.dedent("""
        import tensorflow as tf

        def fc(x, n_in, n_out):
            w = tf.Variable(tf.truncated_normal([n_in, n_out], stddev=0.1))
            return tf.nn.relu(tf.matmul(x, w))

        x = tf.placeholder(tf.float32, [None, 100])
        h = fc(x, 100, 200)
        h = fc(h, 200, 40000)
        h = fc(h, 40000, 10)
    """).lstrip()
    result = lint_source(source, "main.py", Settings())
    [f] = [f for f in result.findings if f.code in ("RL202", "RL203")]
    assert (f.code, f.origin.line) == ("RL203", 4)
    assert "40000" in f.message
    assert [r[0].line for r in f.related] == [10]  # fc(h, 40000, 10)

"""TF1 through the interpreter: tf.layers / tf.nn + tf.Variable / tf.get_variable graphs, and every
source rule it feeds (RL101-RL203) on TF1 code that must fire and TF1 code that must stay silent."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.source import lower_source
from relulint.testing import expectations


def lower(code: str):
    return lower_source("model.py", textwrap.dedent(code))


def kinds(net) -> list[str]:
    return [op.kind for op in net.ops]


# ------------------------------------------------------------------------------------ lowering


def test_variable_chain_seed002():
    facts = lower("""
        import tensorflow as tf
        image = tf.placeholder(tf.float32, [None, 240, 320, 1])
        y = tf.placeholder(tf.float32, [None, 48])
        W1 = tf.Variable(tf.truncated_normal([5, 5, 1, 8], stddev=0.1))
        b1 = tf.Variable(tf.constant(0.1, shape=[8]))
        h1 = tf.nn.relu(tf.nn.conv2d(image, W1, [1, 1, 1, 1], 'SAME') + b1)
        p1 = tf.nn.max_pool(h1, [1, 2, 2, 1], [1, 2, 2, 1], 'SAME')
        W2 = tf.Variable(tf.truncated_normal([38400, 1024], stddev=0.1))
        flat = tf.reshape(p1, [-1, 38400])
        out = tf.nn.relu(tf.matmul(flat, W2))
        loss = tf.reduce_sum(tf.losses.mean_squared_error(y, out))
    """)
    [net] = facts.networks
    assert net.framework == "tf1" and net.name == "module"
    assert kinds(net) == ["affine", "activation", "shape", "shape", "affine", "activation"]
    conv, fc = net.ops[0], net.ops[4]
    assert (conv.fan_in, conv.fan_out) == (25, 8)
    assert (fc.fan_in, fc.fan_out) == (38400, 1024)
    assert fc.weight_init.distribution == "truncated_normal"
    assert (fc.weight_init.mean, fc.weight_init.std) == (0.0, 0.1)
    assert fc.init_site.line == 9 and conv.init_site.line == 5
    assert net.output_activation().kind == "relu"
    [ir] = facts.bound  # the loss binds through the tensor that reaches it
    assert [op.kind for op in ir.network.ops] == kinds(net) and [lo.kind for lo in ir.losses] == ["mse"]
    assert not facts.losses and not facts.unlinked_losses


def test_get_variable_with_named_initializer_and_module_constants():
    facts = lower("""
        import tensorflow.compat.v1 as tf
        initia = tf.random_normal_initializer(0, 1e-3)
        DEPTH_1 = 16
        I = tf.placeholder(tf.float32, shape=[None, 1])
        W = tf.get_variable('W', shape=[1, DEPTH_1], initializer=initia)
        O = tf.nn.relu(tf.matmul(I, W))
        W2 = tf.get_variable('W2', [DEPTH_1, 1])
        O2 = tf.matmul(O, W2)
    """)
    [net] = facts.networks
    w, w2 = net.ops[0], net.ops[2]
    assert (w.fan_in, w.fan_out, w.weight_init.mean, w.weight_init.std) == (1, 16, 0.0, 1e-3)
    assert w.init_site.line == 6
    assert (w2.fan_in, w2.fan_out) == (16, 1)
    assert w2.weight_init.scheme.name == "glorot"  # get_variable's default initializer
    assert net.output_activation() is None


def test_layers_with_self_activation_and_builder_method_seed000():
    facts = lower("""
        import tensorflow as tf
        class Net:
            def __init__(self):
                self.activation = tf.nn.relu
                self.last_activation = tf.nn.softmax
                self.input = tf.placeholder(tf.float32, [None, 28, 28, 3])
                self.Y = tf.placeholder(tf.float32, [None, 10])
                self._nn = self._create_nn()
                self._loss = tf.reduce_sum(tf.squared_difference(self._nn, self.Y), 1)
            def _create_nn(self):
                init = tf.random_normal_initializer(0.1, 0.1)
                current = tf.layers.conv2d(self.input, 20, 3, activation=self.activation, kernel_initializer=init)
                current = tf.layers.max_pooling2d(current, 2, 2)
                current = tf.layers.dense(tf.layers.flatten(current), 100, activation=self.activation)
                current = tf.layers.dense(current, 10, activation=self.last_activation)
                return current
    """)
    [net] = facts.networks
    assert net.name == "_create_nn" and net.origin.line == 11
    assert kinds(net) == ["affine", "shape", "shape", "affine", "affine"]
    conv = net.ops[0]
    assert conv.activation.kind == "relu" and (conv.fan_in, conv.fan_out) == (27, 180)
    assert (conv.weight_init.mean, conv.weight_init.std) == (0.1, 0.1)
    assert net.ops[3].fan_in is None  # flatten: spatial size unknown
    assert net.ops[4].fan_in == 100 and net.ops[4].weight_init.scheme.name == "glorot"
    assert net.output_activation().kind == "softmax"
    [ir] = facts.bound
    assert ir.network.name == "_create_nn" and [lo.kind for lo in ir.losses] == ["mse"]


def test_class_form_layers_applied_later():
    facts = lower("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 4])
        h_d = tf.layers.Dense(4, activation=tf.nn.leaky_relu)
        h = h_d(x)
        y_d = tf.layers.Dense(3, activation=tf.nn.softmax)
        y = y_d(h)
    """)
    [net] = facts.networks
    assert [op.activation.kind for op in net.ops] == ["leaky_relu", "softmax"]
    assert [(op.fan_in, op.fan_out) for op in net.ops] == [(4, 4), (4, 3)]
    assert net.ops[1].origin.line == 6


def test_helpers_are_inlined_with_call_site_origins_and_tuple_returns():
    facts = lower("""
        import tensorflow as tf
        def weight_variable(shape):
            initial = tf.truncated_normal(shape, stddev=0.1)
            return tf.Variable(initial)
        def conv2d(x, W):
            return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME')
        def deepnn(x):
            W1 = weight_variable([5, 5, 1, 32])
            h1 = tf.nn.relu(conv2d(x, W1))
            W2 = weight_variable([5, 5, 32, 64])
            h2 = tf.nn.relu(conv2d(h1, W2))
            W3 = weight_variable([64, 10])
            keep = tf.placeholder(tf.float32)
            return tf.matmul(tf.reshape(h2, [-1, 64]), W3), keep
        x = tf.placeholder(tf.float32, [None, 28, 28, 1])
        y = tf.placeholder(tf.float32, [None, 10])
        logits, keep_prob = deepnn(x)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
        pred = tf.argmax(tf.nn.softmax(logits), 1)
    """)
    [net] = facts.networks
    assert net.name == "deepnn"
    affines = [net.ops[i] for i in net.affine_indices()]
    assert [(op.fan_in, op.fan_out) for op in affines] == [(25, 32), (800, 64), (64, 10)]
    # the initialiser is reported where it is written (the fix goes there), each layer where its
    # factory is called (conv2d() builds one layer per call)
    assert [op.init_site.line for op in affines] == [4, 4, 4]
    assert [op.origin.line for op in affines[:2]] == [10, 12]
    assert net.output_activation() is None
    [ir] = facts.bound
    assert [lo.kind for lo in ir.losses] == ["cross_entropy"] and ir.network.output_activation() is None


def test_weight_dicts_and_tf_add():
    facts = lower("""
        import tensorflow as tf
        weights = {'h1': tf.Variable(tf.random_normal([784, 256])), 'out': tf.Variable(tf.random_normal([256, 10]))}
        biases = {'b1': tf.Variable(tf.random_normal([256]))}
        def mlp(x):
            layer_1 = tf.nn.relu(tf.add(tf.matmul(x, weights['h1']), biases['b1']))
            return tf.matmul(layer_1, weights['out'])
    """)
    [net] = facts.networks
    assert kinds(net) == ["affine", "activation", "affine"]
    assert net.ops[0].weight_init.std == 1.0 and net.ops[0].fan_in == 784
    assert net.ops[2].init_site.line == 3


def test_matmul_transpose_flags_swap_the_fans():
    facts = lower("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 300])
        W = tf.Variable(tf.truncated_normal([20, 300], stddev=0.1))
        V = tf.Variable(tf.truncated_normal([20, 20], stddev=0.1))
        U = tf.Variable(tf.truncated_normal([20, 5], stddev=0.1))
        h = tf.nn.relu(tf.matmul(x, W, transpose_b=True))
        h = tf.matmul(h, V, transpose_b=flag)
        out = tf.matmul(h, U, transpose_a=False)
    """)
    [net] = facts.networks
    affines = [net.ops[i] for i in net.affine_indices()]
    assert [(op.fan_in, op.fan_out) for op in affines] == [(300, 20), (None, None), (20, 5)]


def test_square_is_a_loss_only_on_a_difference_inside_a_reduction():
    facts = lower("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        W = tf.get_variable('W', [8, 1])
        out = tf.matmul(x, W)
        reg = tf.reduce_sum(tf.square(W))
        sq = tf.square(out - 1.0)
    """)
    [net] = facts.networks
    assert net.loss is None and facts.losses == []


def test_unbound_loss_goes_to_the_file():
    facts = lower("""
        import tensorflow as tf
        def loss_fn(pred, y):
            return tf.reduce_mean(tf.square(pred - y))
        x = tf.placeholder(tf.float32, [None, 4])
        out = tf.layers.dense(x, 1)
    """)
    # a loss on a prediction from no known graph stands for the file's one network
    assert len(facts.networks) == 1 and facts.bound == []
    assert [loss.kind for loss in facts.unlinked_losses] == ["mse"]


def test_keras_layer_call_methods_do_not_become_networks():
    facts = lower("""
        import tensorflow as tf
        class MyLayer(tf.keras.layers.Layer):
            def build(self, shape):
                self.w = self.add_weight(shape=(shape[-1], 4))
            def call(self, inputs):
                return tf.nn.relu(tf.matmul(inputs, self.w))
    """)
    assert [n for n in facts.networks if n.framework == "tf1"] == []


# ------------------------------------------------------------------------------------ rules

FIRING = {
    "RL101": [
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.float32, [None, 1])
        h = tf.layers.dense(x, 16, activation=tf.nn.relu)
        out = tf.layers.dense(h, 1, activation=tf.nn.relu)  # expect: RL101
        loss = tf.losses.mean_squared_error(y, out)
        """,
        """
        import tensorflow.compat.v1 as tf
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.float32, [None, 1])
        W = tf.Variable(tf.truncated_normal([8, 1], stddev=0.1))
        b = tf.Variable(tf.zeros([1]))
        out = tf.nn.relu(tf.matmul(x, W) + b)  # expect: RL101
        loss = tf.reduce_mean(tf.square(out - y))
        """,
        """
        import tensorflow as tf
        def model(x, act=tf.nn.relu):
            h = tf.compat.v1.layers.dense(x, 32, activation=act)
            return tf.compat.v1.layers.dense(h, 1, activation=act)  # expect: RL101
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.float32, [None, 1])
        pred = model(x)
        loss = tf.losses.absolute_difference(y, pred)
        """,
        """
        import tensorflow as tf
        class Reg:
            def __init__(self):
                self.x = tf.placeholder(tf.float32, [None, 4])
                self.y = tf.placeholder(tf.float32, [None, 2])
                self.out = self.build()
                self.loss = tf.reduce_sum(tf.squared_difference(self.out, self.y), 1)
            def build(self):
                W = tf.get_variable("W", shape=[4, 2], initializer=tf.initializers.he_normal())
                return tf.nn.relu6(tf.matmul(self.x, W))  # expect: RL101
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.float32, [None, 1])
        dense = tf.layers.Dense(1, activation=tf.nn.relu)  # expect: RL101
        out = dense(tf.layers.dense(x, 8, activation=tf.nn.tanh))
        loss = tf.losses.huber_loss(labels=y, predictions=out)
        """,
    ],
    "RL102": [
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        out = tf.layers.dense(x, 10, activation=tf.nn.softmax)  # expect: RL102
        loss = tf.reduce_sum(tf.squared_difference(out, y), 1)
        """,
        """
        import tensorflow.compat.v1 as tf
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        W = tf.get_variable('W', [784, 10])
        probs = tf.nn.softmax(tf.matmul(x, W))  # expect: RL102
        loss = tf.losses.mean_squared_error(y, probs)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 20])
        y = tf.placeholder(tf.float32, [None, 1])
        W = tf.Variable(tf.random_normal([20, 1], stddev=0.05))
        p = tf.sigmoid(tf.matmul(x, W))  # expect: RL102
        loss = tf.reduce_mean(tf.square(y - p))
        """,
        """
        import tensorflow as tf
        class Net:
            def __init__(self):
                self.activation = tf.nn.relu
                self.last_activation = tf.nn.softmax
                self.input = tf.placeholder(tf.float32, [None, 32, 32, 3])
                self.Y = tf.placeholder(tf.float32, [None, 10])
                self._nn = self._create_nn()
                self._loss = tf.reduce_sum(tf.squared_difference(self._nn, self.Y), 1)
            def _create_nn(self):
                current = tf.layers.conv2d(self.input, 20, 3, activation=self.activation)
                current = tf.layers.dense(tf.layers.flatten(current), 10, activation=self.last_activation)  # expect: RL102
                return current
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 4])
        h_d = tf.layers.Dense(4, activation=tf.nn.leaky_relu)
        y_d = tf.layers.Dense(4, activation=tf.nn.softmax)  # expect: RL102
        y = y_d(h_d(x))
        d = tf.constant([[.5, .5, 0, 0]])
        loss = tf.nn.l2_loss(y - d)
        """,
    ],
    "RL103": [
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        out = tf.layers.dense(x, 10, activation=tf.nn.softmax)  # expect: RL103
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=out))
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        W = tf.Variable(tf.truncated_normal([784, 10], stddev=0.05))
        logits = tf.matmul(x, W)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=tf.nn.softmax(logits)))  # expect: RL103
        """,
        """
        import tensorflow.compat.v1 as tf
        x = tf.placeholder(tf.float32, [None, 100])
        y = tf.placeholder(tf.float32, [None, 1])
        p = tf.layers.dense(x, 1, activation=tf.sigmoid)  # expect: RL103
        loss = tf.losses.sigmoid_cross_entropy(y, p)
        """,
        """
        import tensorflow as tf
        def net(x):
            h = tf.layers.dense(x, 64, activation=tf.nn.relu)
            return tf.layers.dense(h, 10, activation=tf.nn.softmax)  # expect: RL103
        images = tf.placeholder(tf.float32, [None, 784])
        labels = tf.placeholder(tf.int64, [None])
        loss = tf.losses.sparse_softmax_cross_entropy(labels, net(images))
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 100])
        y = tf.placeholder(tf.float32, [None, 1])
        logits = tf.layers.dense(x, 1)
        loss = tf.losses.log_loss(y, logits)  # expect: RL103
        """,
    ],
    "RL201": [
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        h = tf.layers.dense(x, 16, activation=tf.nn.relu, kernel_initializer=tf.random_normal_initializer(0.1, 0.1))  # expect: RL201
        out = tf.layers.dense(h, 1)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        W = tf.Variable(tf.random_uniform([8, 16], 0, 1))  # expect: RL201
        h = tf.nn.relu(tf.matmul(x, W))
        out = tf.layers.dense(h, 1)
        """,
        """
        import tensorflow.compat.v1 as tf
        init = tf.random_uniform_initializer(minval=0.0, maxval=1.0)
        x = tf.placeholder(tf.float32, [None, 8])
        W = tf.get_variable('W', shape=[8, 16], initializer=init)  # expect: RL201
        h = tf.nn.relu(tf.matmul(x, W))
        """,
        """
        import tensorflow as tf
        class Net:
            def __init__(self):
                self.activation = tf.nn.relu
                self.init = tf.random_normal_initializer(0.1, 0.1)
                self.input = tf.placeholder(tf.float32, [None, 28, 28, 1])
            def build(self):
                c = tf.layers.conv2d(self.input, 8, 3, activation=self.activation, kernel_initializer=self.init)  # expect: RL201
                return tf.layers.dense(tf.layers.flatten(c), 10)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        W = tf.Variable(tf.constant(0.5, shape=[8, 16]))  # expect: RL201
        h = tf.nn.relu(tf.matmul(x, W))
        """,
    ],
    "RL202": [
        """
        import tensorflow as tf
        initia = tf.random_normal_initializer(0, 1e-3)
        DEPTH_1 = 16
        I = tf.placeholder(tf.float32, shape=[None, 1])
        W = tf.get_variable('W', shape=[1, DEPTH_1], initializer=initia)  # expect: RL202
        O = tf.nn.relu(tf.matmul(I, W))
        W1 = tf.get_variable('W1', shape=[DEPTH_1, DEPTH_1], initializer=initia)  # expect: RL202
        O1 = tf.nn.relu(tf.matmul(O, W1))
        W2 = tf.get_variable('W2', shape=[DEPTH_1, 1], initializer=initia)
        O2 = tf.matmul(O1, W2)
        """,
        """
        import tensorflow.compat.v1 as tf
        x = tf.placeholder(tf.float32, [None, 100])
        W1 = tf.Variable(tf.truncated_normal([100, 100], stddev=0.001))  # expect: RL202
        W2 = tf.Variable(tf.truncated_normal([100, 100], stddev=0.001))  # expect: RL202
        h = tf.nn.relu(tf.matmul(tf.nn.relu(tf.matmul(x, W1)), W2))
        """,
        """
        import tensorflow as tf
        small = tf.random_normal_initializer(stddev=1e-4)
        x = tf.placeholder(tf.float32, [None, 64])
        h = tf.layers.dense(x, 64, activation=tf.nn.relu, kernel_initializer=small)  # expect: RL202
        h = tf.layers.dense(h, 64, activation=tf.nn.relu, kernel_initializer=small)  # expect: RL202
        out = tf.layers.dense(h, 1)
        """,
        """
        import tensorflow as tf
        def fc(x, shape):
            W = tf.Variable(tf.random_normal(shape, stddev=0.0001))  # expect: RL202
            return tf.nn.relu(tf.matmul(x, W))
        x = tf.placeholder(tf.float32, [None, 32])
        h1 = fc(x, [32, 32])
        h2 = fc(h1, [32, 32])
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 28, 28, 1])
        K1 = tf.get_variable('K1', [3, 3, 1, 16], initializer=tf.truncated_normal_initializer(stddev=1e-3))  # expect: RL202
        K2 = tf.get_variable('K2', [3, 3, 16, 16], initializer=tf.truncated_normal_initializer(stddev=1e-3))  # expect: RL202
        c1 = tf.nn.relu(tf.nn.conv2d(x, K1, [1, 1, 1, 1], 'SAME'))
        c2 = tf.nn.relu(tf.nn.conv2d(c1, filter=K2, strides=[1, 1, 1, 1], padding='SAME'))
        """,
    ],
    "RL203": [
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 38400])
        W = tf.Variable(tf.truncated_normal([38400, 1024], stddev=0.1))  # expect: RL203
        h = tf.nn.relu(tf.matmul(x, W))
        """,
        """
        import tensorflow as tf
        n_input, n_hidden = 784, 256
        weights = {'h1': tf.Variable(tf.random_normal([n_input, n_hidden]))}  # expect: RL203
        x = tf.placeholder(tf.float32, [None, n_input])
        h = tf.nn.relu(tf.matmul(x, weights['h1']))
        """,
        """
        import tensorflow.compat.v1 as tf
        x = tf.placeholder(tf.float32, [None, 4096])
        W = tf.get_variable('W', [4096, 10], initializer=tf.random_normal_initializer(0.0, 1.0))  # expect: RL203
        logits = tf.matmul(x, W)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 512])
        h = tf.layers.dense(x, 256, activation=tf.nn.relu, kernel_initializer=tf.truncated_normal_initializer(stddev=1.0))  # expect: RL203
        """,
        """
        import tensorflow as tf
        def weight_variable(shape):
            return tf.Variable(tf.truncated_normal(shape, stddev=0.5))  # expect: RL203
        x = tf.placeholder(tf.float32, [None, 28, 28, 32])
        W = weight_variable([5, 5, 32, 64])
        h = tf.nn.relu(tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME'))
        """,
    ],
}

SILENT = {
    "RL101": [
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.float32, [None, 1])
        h = tf.layers.dense(x, 16, activation=tf.nn.relu)
        out = tf.layers.dense(h, 1)
        loss = tf.losses.mean_squared_error(y, out)
        """,
        """
        import tensorflow.compat.v1 as tf
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.int64, [None])
        h = tf.layers.dense(x, 16, activation=tf.nn.relu)
        out = tf.nn.relu(tf.layers.dense(h, 10))
        loss = tf.losses.sparse_softmax_cross_entropy(y, out)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.float32, [None, 1])
        W = tf.Variable(tf.truncated_normal([8, 1], stddev=0.1))
        out = tf.matmul(tf.nn.relu(x), W)
        loss = tf.reduce_mean(tf.square(out - y))
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        out = tf.layers.dense(x, 1, activation=tf.nn.relu)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.float32, [None, 1])
        out = tf.layers.dense(x, 1, activation=tf.nn.softplus)
        loss = tf.losses.mean_squared_error(labels=y, predictions=out)
        """,
    ],
    "RL102": [
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        logits = tf.layers.dense(x, 10)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
        pred = tf.nn.softmax(logits)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        out = tf.layers.dense(x, 10, activation=tf.nn.softmax)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.float32, [None, 1])
        h = tf.layers.dense(x, 16, activation=tf.nn.softmax)
        out = tf.layers.dense(h, 1)
        loss = tf.losses.mean_squared_error(y, out)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.float32, [None, 1])
        W = tf.get_variable('W', [8, 1])
        out = tf.tanh(tf.matmul(x, W))
        loss = tf.reduce_mean(tf.square(out - y))
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        y = tf.placeholder(tf.float32, [None, 1])
        p = tf.layers.dense(x, 1, activation=tf.sigmoid)
        loss = tf.losses.log_loss(y, p)
        reg = tf.reduce_sum(tf.square(tf.trainable_variables()[0]))
        """,
    ],
    "RL103": [
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        logits = tf.layers.dense(x, 10)
        loss = tf.losses.softmax_cross_entropy(y, logits)
        prediction = tf.nn.softmax(logits)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 100])
        y = tf.placeholder(tf.float32, [None, 1])
        p = tf.layers.dense(x, 1, activation=tf.sigmoid)
        loss = tf.losses.log_loss(y, p)
        """,
        """
        import tensorflow.compat.v1 as tf
        x = tf.placeholder(tf.float32, [None, 100])
        y = tf.placeholder(tf.float32, [None, 1])
        W = tf.get_variable('W', [100, 1])
        logits = tf.matmul(x, W)
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
        prob = tf.sigmoid(logits)
        """,
        """
        import tensorflow as tf
        def model(x):
            h = tf.layers.dense(x, 64, activation=tf.nn.relu)
            logits = tf.layers.dense(h, 10)
            return logits
        images = tf.placeholder(tf.float32, [None, 784])
        labels = tf.placeholder(tf.int64, [None])
        logits = model(images)
        loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
        correct = tf.equal(tf.argmax(tf.nn.softmax(logits), 1), labels)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 784])
        out = tf.layers.dense(x, 10, activation=tf.nn.softmax)
        """,
    ],
    "RL201": [
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        h = tf.layers.dense(x, 16, activation=tf.nn.relu, kernel_initializer=tf.random_normal_initializer(0.0, 0.1))
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        W = tf.Variable(tf.random_uniform([8, 16], -0.1, 0.1))
        b = tf.Variable(tf.constant(0.1, shape=[16]))
        h = tf.nn.relu(tf.matmul(x, W) + b)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        out = tf.layers.dense(x, 1, kernel_initializer=tf.random_normal_initializer(0.1, 0.1))
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        W = tf.get_variable('W', [8, 16], initializer=tf.contrib.layers.xavier_initializer())
        b = tf.get_variable('b', [16], initializer=tf.constant_initializer(0.1))
        h = tf.nn.relu(tf.matmul(x, W) + b)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 8])
        W = tf.Variable(tf.random_uniform([8, 16], 0, 1))
        h = tf.tanh(tf.matmul(x, W))
        """,
    ],
    "RL202": [
        """
        import tensorflow as tf
        initia = tf.random_normal_initializer(0, 1e-3)
        DEPTH_1 = 16
        I = tf.placeholder(tf.float32, shape=[None, 1])
        W = tf.get_variable('W', shape=[1, DEPTH_1], initializer=initia)
        O = tf.nn.relu(tf.matmul(I, W))
        W2 = tf.get_variable('W2', shape=[DEPTH_1, 1], initializer=initia)
        O2 = tf.matmul(O, W2)
        """,
        """
        import tensorflow as tf
        W_init = tf.contrib.layers.xavier_initializer()
        I = tf.placeholder(tf.float32, shape=[None, 1])
        W = tf.get_variable('W', shape=[1, 16], initializer=W_init)
        W1 = tf.get_variable('W1', shape=[16, 16], initializer=W_init)
        O1 = tf.nn.relu(tf.matmul(tf.nn.relu(tf.matmul(I, W)), W1))
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 64])
        h = tf.layers.dense(x, 64, activation=tf.nn.relu)
        h = tf.layers.dense(h, 64, activation=tf.nn.relu)
        out = tf.layers.dense(h, 1)
        """,
        """
        import tensorflow as tf
        small = tf.random_normal_initializer(stddev=1e-4)
        x = tf.placeholder(tf.float32, [None, 64])
        h = tf.layers.dense(x, 64, activation=tf.nn.tanh, kernel_initializer=small)
        h = tf.layers.dense(h, 64, activation=tf.nn.tanh, kernel_initializer=small)
        """,
        """
        import tensorflow.compat.v1 as tf
        x = tf.placeholder(tf.float32, [None, 100])
        W1 = tf.Variable(tf.truncated_normal([100, 100], stddev=0.1))
        W2 = tf.Variable(tf.truncated_normal([100, 100], stddev=0.1))
        h = tf.nn.relu(tf.matmul(tf.nn.relu(tf.matmul(x, W1)), W2))
        """,
    ],
    "RL203": [
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 38400])
        W = tf.get_variable('W', [38400, 1024], initializer=tf.initializers.he_normal())
        h = tf.nn.relu(tf.matmul(x, W))
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 28, 28, 1])
        W = tf.Variable(tf.truncated_normal([5, 5, 1, 32], stddev=0.1))
        h = tf.nn.relu(tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME'))
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 1024])
        W = tf.Variable(tf.truncated_normal([1024, 48], stddev=0.1))
        out = tf.matmul(x, W)
        """,
        """
        import tensorflow as tf
        def build(x, n_in):
            W = tf.Variable(tf.random_normal([n_in, 10], stddev=1.0))
            return tf.matmul(x, W)
        """,
        """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 512])
        h = tf.layers.dense(x, 256, activation=tf.nn.relu)
        h = tf.layers.dense(h, 256, activation=tf.nn.relu, kernel_initializer=tf.initializers.variance_scaling(2.0))
        """,
    ],
}

CASES = [pytest.param(code, src, True, id=f"{code}-fires-{i}") for code, srcs in FIRING.items()
         for i, src in enumerate(srcs)]
CASES += [pytest.param(code, src, False, id=f"{code}-silent-{i}") for code, srcs in SILENT.items()
          for i, src in enumerate(srcs)]


def _findings(source: str, tmp_path, select: list[str] | None = None) -> set[tuple[int, str]]:
    path = tmp_path / "model.py"  # alone in its folder: no neighbour's loss or data joins in
    path.write_text(source)
    result = lint_source(source, str(path), Settings(select=select) if select else Settings())
    return {(f.origin.line, f.code) for f in result.findings}


@pytest.mark.parametrize(("code", "src", "fires"), CASES)
def test_rule_on_tf1(code: str, src: str, fires: bool, tmp_path):
    source = textwrap.dedent(src).strip("\n") + "\n"
    want = {(line, c) for line, c in expectations(source) if c == code}
    assert bool(want) == fires, "firing cases mark their lines; silent cases mark none"
    assert _findings(source, tmp_path, [code]) == want


def test_enough_variations_per_rule():
    for code in FIRING:
        assert len(FIRING[code]) >= 5 and len(SILENT[code]) >= 5, code


# ------------------------------------------------------------------------------------ correct models

LENET = """
import tensorflow.compat.v1 as tf


def weight_variable(shape, name):
    return tf.get_variable(name, shape, initializer=tf.initializers.he_normal())


def bias_variable(shape):
    return tf.Variable(tf.constant(0.1, shape=shape))


def lenet(images):
    x = tf.reshape(images, [-1, 28, 28, 1]) / 255.0
    W1 = weight_variable([5, 5, 1, 6], 'W1')
    c1 = tf.nn.relu(tf.nn.conv2d(x, W1, [1, 1, 1, 1], 'SAME') + bias_variable([6]))
    p1 = tf.nn.max_pool(c1, [1, 2, 2, 1], [1, 2, 2, 1], 'SAME')
    W2 = weight_variable([5, 5, 6, 16], 'W2')
    c2 = tf.nn.relu(tf.nn.conv2d(p1, W2, [1, 1, 1, 1], 'VALID') + bias_variable([16]))
    p2 = tf.nn.max_pool(c2, [1, 2, 2, 1], [1, 2, 2, 1], 'SAME')
    flat = tf.reshape(p2, [-1, 5 * 5 * 16])
    f1 = tf.layers.dense(flat, 120, activation=tf.nn.relu, kernel_initializer=tf.initializers.he_normal())
    f2 = tf.layers.dense(f1, 84, activation=tf.nn.relu)
    logits = tf.layers.dense(f2, 10)
    return logits


images = tf.placeholder(tf.float32, [None, 784])
labels = tf.placeholder(tf.float32, [None, 10])
logits = lenet(images)
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
prediction = tf.nn.softmax(logits)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(prediction, 1), tf.argmax(labels, 1)), tf.float32))
"""

MLP_REGRESSOR = """
import tensorflow as tf

N_FEATURES = 13
xavier = tf.contrib.layers.xavier_initializer()


class Regressor:
    def __init__(self, hidden=(64, 32)):
        self.x = tf.placeholder(tf.float32, [None, N_FEATURES])
        self.y = tf.placeholder(tf.float32, [None, 1])
        self.activation = tf.nn.relu
        self.hidden = hidden
        self.pred = self._build()
        self.loss = tf.losses.mean_squared_error(self.y, self.pred)
        self.train_op = tf.train.AdamOptimizer(1e-3).minimize(self.loss)

    def _build(self):
        W1 = tf.get_variable('W1', [N_FEATURES, 64], initializer=tf.initializers.he_normal())
        b1 = tf.get_variable('b1', [64], initializer=tf.zeros_initializer())
        h = self.activation(tf.matmul(self.x, W1) + b1)
        h = tf.layers.dense(h, 32, activation=self.activation, kernel_initializer=xavier)
        W_out = tf.get_variable('W_out', [32, 1], initializer=xavier)
        return tf.matmul(h, W_out)
"""


# the discriminator returns (sigmoid(logits), logits) and its losses read the logits: the older TF1
# frontend took the sigmoid (RL103 on correct code)
GAN = """
import tensorflow as tf

def lrelu(x, leak=0.2):
    return tf.maximum(x, leak * x)

def generator(z, reuse=False):
    with tf.variable_scope("gen", reuse=reuse):
        h = tf.layers.dense(z, 7 * 7 * 128)
        h = tf.nn.relu(tf.layers.batch_normalization(h, training=True))
        h = tf.reshape(h, [-1, 7, 7, 128])
        h = tf.layers.conv2d_transpose(h, 64, 4, strides=2, padding="same")
        h = tf.nn.relu(tf.layers.batch_normalization(h, training=True))
        return tf.layers.conv2d_transpose(h, 1, 4, strides=2, padding="same", activation=tf.nn.tanh)

def discriminator(x, reuse=False):
    with tf.variable_scope("disc", reuse=reuse):
        h = lrelu(tf.layers.conv2d(x, 64, 4, strides=2, padding="same"))
        h = lrelu(tf.layers.conv2d(h, 128, 4, strides=2, padding="same"))
        logits = tf.layers.dense(tf.layers.flatten(h), 1)
        return tf.nn.sigmoid(logits), logits

z = tf.placeholder(tf.float32, [None, 100])
real = tf.placeholder(tf.float32, [None, 28, 28, 1])
fake = generator(z)
d_real, d_real_logits = discriminator(real)
d_fake, d_fake_logits = discriminator(fake, reuse=True)
d_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=d_real_logits, labels=tf.ones_like(d_real))) + \
    tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=d_fake_logits, labels=tf.zeros_like(d_fake)))
g_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(logits=d_fake_logits, labels=tf.ones_like(d_fake)))
d_opt = tf.train.AdamOptimizer(2e-4, beta1=0.5).minimize(d_loss)
g_opt = tf.train.AdamOptimizer(2e-4, beta1=0.5).minimize(g_loss)
"""

VAE = """
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 784])
h = tf.layers.dense(x, 512, tf.nn.relu)
mu = tf.layers.dense(h, 20)
log_var = tf.layers.dense(h, 20)
eps = tf.random_normal(tf.shape(mu))
zz = mu + tf.exp(0.5 * log_var) * eps
h2 = tf.layers.dense(zz, 512, tf.nn.relu)
x_logits = tf.layers.dense(h2, 784)
x_hat = tf.nn.sigmoid(x_logits)
recon = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=x_logits), 1)
kl = -0.5 * tf.reduce_sum(1 + log_var - tf.square(mu) - tf.exp(log_var), 1)
loss = tf.reduce_mean(recon + kl)
train = tf.train.AdamOptimizer(1e-3).minimize(loss)
mse = tf.reduce_mean(tf.square(x_hat - x))
"""

# weights in a dict, He-scaled stddev from numpy, a metric beside the loss
DICT_REGRESSOR = """
import numpy as np
import tensorflow as tf

n_in = 13
X = tf.placeholder(tf.float32, [None, n_in])
Y = tf.placeholder(tf.float32, [None, 1])
weights = {
    "h1": tf.Variable(tf.random_normal([n_in, 64], stddev=np.sqrt(2.0 / n_in))),
    "h2": tf.Variable(tf.random_normal([64, 64], stddev=np.sqrt(2.0 / 64))),
    "out": tf.Variable(tf.random_normal([64, 1], stddev=np.sqrt(1.0 / 64))),
}
biases = {k: tf.Variable(tf.zeros([v])) for k, v in (("b1", 64), ("b2", 64), ("out", 1))}

def mlp(x):
    l1 = tf.nn.relu(tf.add(tf.matmul(x, weights["h1"]), biases["b1"]))
    l2 = tf.nn.relu(tf.add(tf.matmul(l1, weights["h2"]), biases["b2"]))
    return tf.matmul(l2, weights["out"]) + biases["out"]

pred = mlp(X)
cost = tf.reduce_mean(tf.square(pred - Y))
opt = tf.train.GradientDescentOptimizer(0.01).minimize(cost)
"""


@pytest.mark.parametrize("source", [LENET, MLP_REGRESSOR, GAN, VAE, DICT_REGRESSOR],
                         ids=["lenet", "mlp-regressor", "gan", "vae", "dict-regressor"])
def test_correct_tf1_models_have_no_findings(source: str, tmp_path):
    facts = lower_source("model.py", source)
    assert [n for n in facts.networks if n.framework == "tf1"], "the model must be seen to count as silent"
    assert _findings(source, tmp_path) == set()

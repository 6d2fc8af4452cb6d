"""--unsafe-fixes on a TF1 / Keras output built by a call that is not an activation: the layer must not be
deleted (`pred = fc(h, 1, "out")` once became `pred = h`, `layers.Dense(n, **kw)` became `n`)."""

from __future__ import annotations

import ast

from tests.probe_support import expected, fixed, found, write

FC_HELPER = '''\
import tensorflow as tf


def fc(x, n_out, name, act=tf.nn.relu):
    n_in = x.get_shape().as_list()[-1]
    with tf.variable_scope(name):
        W = tf.get_variable("W", [n_in, n_out], initializer=tf.truncated_normal_initializer(stddev=0.1))
        b = tf.get_variable("b", [n_out], initializer=tf.constant_initializer(0.0))
        out = tf.matmul(x, W) + b
        if act is not None:
            out = act(out)
    return out


feat = tf.placeholder(tf.float32, [None, 64])
depth = tf.placeholder(tf.float32, [None, 1])
h = fc(feat, 128, "fc1")
h = fc(h, 64, "fc2")
pred = fc(h, 1, "out"{out_args})  # expect: RL101
loss = tf.reduce_mean(tf.square(pred - depth))
opt = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
'''


def test_layer_helper_with_relu_default_is_reported_at_the_call_and_not_unwrapped(tmp_path):
    write(tmp_path, {"depth.py": FC_HELPER.format(out_args="")})
    assert found(tmp_path) == expected(tmp_path) == {("depth.py", 19, "RL101")}
    assert fixed(tmp_path) == {}  # no rewrite: `pred = h` would delete the output layer


def test_layer_helper_told_no_activation_is_silent(tmp_path):
    write(tmp_path, {"depth.py": FC_HELPER.format(out_args=", act=None").replace("  # expect: RL101", "")})
    assert found(tmp_path) == set()


def test_imported_layer_helper_is_not_unwrapped(tmp_path):
    helper, script = FC_HELPER.format(out_args="").split("\n\nfeat = ")
    write(tmp_path, {"ops.py": helper + "\n",
                     "depth.py": "import tensorflow as tf\nfrom ops import fc\n\nfeat = " + script})
    assert found(tmp_path) == {("depth.py", 8, "RL101")}  # at the call, not in the helper all layers share
    assert "depth.py" not in fixed(tmp_path)


KWARGS_HEAD = '''\
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers


def dense_stack(units, out_units=1, **head_kwargs):
    stack = [layers.Dense(u, activation="relu") for u in units]
    stack.append(layers.Dense(out_units, **head_kwargs))  # expect: RL101
    return tf.keras.Sequential(stack)


x = np.random.normal(size=(2048, 6)).astype("float32")
torque = np.random.normal(size=(2048, 1)).astype("float32")
model = dense_stack([64, 64], {head})
model.compile(optimizer="adam", loss=tf.keras.losses.Huber(delta=1.0))
model.fit(x, torque, epochs=10)
'''


def test_activation_through_kwargs_is_reported_and_not_unwrapped(tmp_path):
    write(tmp_path, {"torque.py": KWARGS_HEAD.format(head='activation="relu", name="torque_head"')})
    assert found(tmp_path) == expected(tmp_path)
    assert fixed(tmp_path) == {}


def test_activation_through_kwargs_absent_is_silent(tmp_path):
    write(tmp_path, {"torque.py": KWARGS_HEAD.format(head='name="torque_head"').replace("  # expect: RL101", "")})
    assert found(tmp_path) == set()


def test_applied_activation_still_unwrapped(tmp_path):
    src = '''\
import tensorflow as tf


class LeafNet(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.fc = tf.keras.layers.Dense(128, activation="relu")
        self.head = tf.keras.layers.Dense(12)

    def call(self, x):
        return tf.nn.softmax(self.head(self.fc(x)), axis=-1)  # expect: RL103


model = LeafNet()
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
'''
    write(tmp_path, {"leaf.py": src})
    assert found(tmp_path) == expected(tmp_path)
    out = fixed(tmp_path)["leaf.py"]
    assert "        return self.head(self.fc(x))  # expect: RL103\n" in out
    ast.parse(out)


SOFTMAX_KEPT = '''\
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, 10])
W1 = tf.Variable(tf.truncated_normal([784, 256], stddev=0.05))
h = tf.nn.relu(tf.matmul(x, W1))
W2 = tf.Variable(tf.truncated_normal([256, 10], stddev=0.05))
logits = tf.matmul(h, W2)
pred = tf.nn.softmax(logits)  # expect: RL103
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits={given}, labels=y))
correct = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
train_op = tf.train.AdamOptimizer(0.001).minimize(cost)
'''


def test_softmax_kept_for_prediction_fix_gives_the_loss_the_logits(tmp_path):
    write(tmp_path, {"mlp.py": SOFTMAX_KEPT.format(given="pred")})
    assert found(tmp_path) == expected(tmp_path)
    out = fixed(tmp_path)["mlp.py"]
    assert "pred = tf.nn.softmax(logits)" in out  # the probabilities stay for the accuracy
    assert "softmax_cross_entropy_with_logits(logits=logits, labels=y)" in out
    ast.parse(out)


def test_loss_on_the_logits_is_silent(tmp_path):
    write(tmp_path, {"mlp.py": SOFTMAX_KEPT.format(given="logits").replace("  # expect: RL103", "")})
    assert found(tmp_path) == set()


def test_sigmoid_attribute_in_a_model_class(tmp_path):
    write(tmp_path, {"fraud.py": '''\
import tensorflow as tf


class FraudNet(object):
    def __init__(self, n_features, hidden=64):
        self.x = tf.placeholder(tf.float32, [None, n_features])
        self.y = tf.placeholder(tf.float32, [None, 1])
        h = tf.layers.dense(self.x, hidden, activation=tf.nn.relu)
        z = tf.layers.dense(h, 1)
        self.prob = tf.sigmoid(z)  # expect: RL103
        self.loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=self.y, logits=self.prob))
        self.train_op = tf.train.AdamOptimizer(1e-3).minimize(self.loss)


net = FraudNet(30)
'''})
    assert found(tmp_path) == expected(tmp_path)
    out = fixed(tmp_path)["fraud.py"]
    assert "self.prob = tf.sigmoid(z)" in out
    assert "sigmoid_cross_entropy_with_logits(labels=self.y, logits=z))" in out


def test_loss_in_another_function_than_the_softmax_unwraps_instead(tmp_path):
    """The pre-activation name is not visible where the loss is: the activation goes instead."""
    write(tmp_path, {"net.py": '''\
import tensorflow as tf


def net(x):
    w = tf.Variable(tf.truncated_normal([64, 10], stddev=0.1))
    logits = tf.matmul(x, w)
    pred = tf.nn.softmax(logits)  # expect: RL103
    return pred


x = tf.placeholder(tf.float32, [None, 64])
y = tf.placeholder(tf.float32, [None, 10])
pred = net(x)
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
'''})
    assert found(tmp_path) == expected(tmp_path)
    out = fixed(tmp_path)["net.py"]
    assert "    pred = logits  # expect: RL103\n" in out and "logits=pred, labels=y" in out


def test_activation_chosen_by_a_parameter_gets_no_fix(tmp_path):
    """`Dense(1, activation=out_act)`: the callers pass the ReLU, so the layer line is not rewritten."""
    write(tmp_path, {"model.py": '''\
import tensorflow as tf
from tensorflow.keras import layers


class VolumeNet(tf.keras.Model):
    def __init__(self, out_act="relu"):
        super().__init__()
        self.hidden = layers.Dense(64, activation="relu")
        self.head = layers.Dense(1, activation=out_act)  # expect: RL101

    def call(self, x):
        return self.head(self.hidden(x))


model = VolumeNet()
model.compile(optimizer="adam", loss="huber")
'''})
    assert found(tmp_path) == expected(tmp_path)
    assert fixed(tmp_path) == {}

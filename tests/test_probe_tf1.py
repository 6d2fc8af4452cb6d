"""TF1 graph programs in the shapes people write them: findings at the exact line and code, silence on
the correct twin."""

from __future__ import annotations

import pytest

from tests.probe_support import expected, found, write

POW_COST = '''\
import numpy as np
import tensorflow as tf

n = 200
X = tf.placeholder("float", [None, 4])
Y = tf.placeholder("float", [None, 1])
W = tf.Variable(tf.random_normal([4, 16], stddev=0.5))
b = tf.Variable(tf.zeros([16]))
hidden = tf.nn.relu(tf.add(tf.matmul(X, W), b))
W_o = tf.Variable(tf.random_normal([16, 1], stddev=0.25))
pred = {head}
cost = {cost}
optimizer = tf.train.GradientDescentOptimizer(0.01).minimize(cost)
'''

COSTS = ["tf.reduce_sum(tf.pow(pred - Y, 2)) / (2 * n)", "tf.reduce_mean(tf.pow(Y - pred, 2.0))",
         "tf.reduce_mean(tf.math.pow(pred - Y, y=2))"]


@pytest.mark.parametrize("cost", COSTS)
def test_pow_of_a_difference_is_squared_error(tmp_path, cost):
    write(tmp_path, {"fit.py": POW_COST.format(head="tf.nn.relu(tf.matmul(hidden, W_o))  # expect: RL101", cost=cost)})
    assert found(tmp_path) == expected(tmp_path) == {("fit.py", 11, "RL101")}


@pytest.mark.parametrize("cost", COSTS)
def test_pow_cost_on_a_linear_output_is_silent(tmp_path, cost):
    write(tmp_path, {"fit.py": POW_COST.format(head="tf.matmul(hidden, W_o)", cost=cost)})
    assert found(tmp_path) == set()


@pytest.mark.parametrize("cost", ["tf.reduce_sum(tf.pow(pred - Y, 3))", "tf.reduce_sum(tf.pow(W_o, 2))"])
def test_other_powers_are_no_squared_error(tmp_path, cost):
    """A cube is no squared error, and the square of a weight is a regulariser, not a loss."""
    write(tmp_path, {"fit.py": POW_COST.format(head="tf.nn.relu(tf.matmul(hidden, W_o))", cost=cost)})
    assert found(tmp_path) == set()

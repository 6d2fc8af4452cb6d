"""The case "Is ReLU dead?", first experiment: inputs drawn from (-1, 0) into a ReLU layer.

Here every weight is positive as well, so every pre-activation is negative on every sample: the
probe sees 100% of the layer's units never fire on the first batch, and its gradient is exactly 0.
Run: relulint --dynamic examples/dynamic/negative_inputs.py
"""

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(4, 32)
        self.act = nn.ReLU()
        self.out = nn.Linear(32, 1)
        nn.init.uniform_(self.dense.weight, 0.0, 1.0)  # expect: RL201
        nn.init.zeros_(self.dense.bias)

    def forward(self, x):
        return self.out(self.act(self.dense(x)))  # probe: RL401


def relulint_batch():
    torch.manual_seed(4)
    x = -torch.rand(64, 4)  # the article's data: uniform in (-1, 0)
    y = torch.rand(64, 1)
    return Net(), x, y, nn.MSELoss()

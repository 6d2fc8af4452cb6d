"""The case "Intermediate layer makes tensorflow optimizer to stop working" in PyTorch: the identity encoder 1 -> 16 -> 16 -> 1 with every weight drawn from
N(0, 1e-3). Two ReLU layers at ~1/1000 of the He scale: the first layer stops learning."""

import torch.nn as nn

DEPTH_1 = 16


def init_tiny(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, 0.0, 1e-3)  # expect: RL202
        nn.init.normal_(m.bias, 0.0, 1e-3)


model = nn.Sequential(
    nn.Linear(1, DEPTH_1),
    nn.ReLU(),
    nn.Linear(DEPTH_1, DEPTH_1),
    nn.ReLU(),
    nn.Linear(DEPTH_1, 1),
)
model.apply(init_tiny)


def distance(inp, out):
    return ((inp - 2.0 * out) ** 2).sum()

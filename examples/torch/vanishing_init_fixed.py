"""The case "Intermediate layer makes tensorflow optimizer to stop working" fixed: Xavier init and bias 0.1 (the answer's fix); the 2-layer net the asker
started from is also silent (one under-scaled ReLU layer does not compound)."""

import torch.nn as nn

DEPTH_1 = 16


def init_xavier(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_normal_(m.weight)
        nn.init.constant_(m.bias, 0.1)


model = nn.Sequential(
    nn.Linear(1, DEPTH_1),
    nn.ReLU(),
    nn.Linear(DEPTH_1, DEPTH_1),
    nn.ReLU(),
    nn.Linear(DEPTH_1, 1),
)
model.apply(init_xavier)


def init_tiny(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, 0.0, 1e-3)


two_layer = nn.Sequential(nn.Linear(1, DEPTH_1), nn.ReLU(), nn.Linear(DEPTH_1, 1))
two_layer.apply(init_tiny)


def distance(inp, out):
    return ((inp - 2.0 * out) ** 2).sum()

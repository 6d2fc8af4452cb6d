"""The case "Is ReLU dead?", as the article saw it: the network starts mostly alive and dies while training.

On the first batch only 12% of the ReLU units are dead; a few large SGD steps on (-1, 0) inputs
push the biases negative and by step 3 almost every unit is dead (the lr-0.5 steps also blow the
activations up: RL403 on both layers). One batch cannot see it:
relulint --dynamic --steps 5 examples/dynamic/dies_training.py
"""

import torch
import torch.nn as nn


def relulint_batch():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(4, 16),  # probe: RL403
        nn.ReLU(),  # probe: RL401
        nn.Linear(16, 1),  # probe: RL403
    )
    x = -torch.rand(256, 4)
    y = -5 * torch.rand(256, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    return model, x, y, nn.MSELoss(), optimizer

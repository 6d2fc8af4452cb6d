"""The case "Is ReLU dead?", fixed: zero-mean He init and inputs centred on 0 keep the ReLU layer alive."""

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(4, 32)
        self.act = nn.ReLU()
        self.out = nn.Linear(32, 1)
        nn.init.kaiming_normal_(self.dense.weight, nonlinearity="relu")
        nn.init.zeros_(self.dense.bias)

    def forward(self, x):
        return self.out(self.act(self.dense(x)))


def relulint_batch():
    torch.manual_seed(4)
    x = 2 * torch.rand(64, 4) - 1  # centred: the (-1, 0) data shifted and scaled to (-1, 1)
    y = torch.rand(64, 1)
    return Net(), x, y, nn.MSELoss()

"""Self-normalising MLP (SELU) for tabular regression."""

import torch.nn as nn


class SelfNormalizingMLP(nn.Module):
    def __init__(self, n_in: int, widths=(256, 256, 256), n_out: int = 1, p_drop: float = 0.05):
        super().__init__()
        layers = []
        for width in widths:
            layers += [nn.Linear(n_in, width), nn.SELU(), nn.Dropout(p_drop)]  # expect: RL204
            n_in = width
        layers.append(nn.Linear(n_in, n_out))
        self.net = nn.Sequential(*layers)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        # LeCun normal for the self-normalising layers
        if isinstance(module, nn.Conv1d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="linear")
            nn.init.zeros_(module.bias)

    def forward(self, x):
        return self.net(x)

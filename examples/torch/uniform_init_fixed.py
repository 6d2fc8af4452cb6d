"""The case "Convolutional network filter always negative" fixed: a zero-centred, fan-in-scaled init (the answer: "centred on 0, a much smaller range")."""

import torch.nn as nn


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 1, kernel_size=3, padding=1)
        self.relu = nn.ReLU()
        self.classifier = nn.Linear(32 * 32, 1)
        nn.init.uniform_(self.conv.weight, -0.1, 0.1)

    def forward(self, x):
        x = self.relu(self.conv(x))
        return self.classifier(x.flatten(1))


criterion = nn.BCEWithLogitsLoss()

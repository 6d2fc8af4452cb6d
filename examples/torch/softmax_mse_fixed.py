"""The case "Tensorflow ReLu doesn't work?" fixed: zero-mean He init, logits out, cross-entropy."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, n_classes: int = 50):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 3)
        self.conv2 = nn.Conv2d(20, 24, 3)
        self.conv3 = nn.Conv2d(24, 24, 3)
        self.fc1 = nn.Linear(24 * 4 * 4, 100)
        self.fc2 = nn.Linear(100, n_classes)
        for conv in (self.conv1, self.conv2, self.conv3):
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


loss_fn = nn.CrossEntropyLoss()

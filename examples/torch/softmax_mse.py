"""The case "Tensorflow ReLu doesn't work?" in PyTorch: a ReLU conv net ending in softmax, trained with squared error, with the
asker's attempted fix `random_normal_initializer(0.1, 0.1)` as a positive-mean init."""

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
            nn.init.normal_(conv.weight, mean=0.1, std=0.1)  # expect: RL201

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return F.softmax(self.fc2(x), dim=1)  # expect: RL102


def loss_fn(pred, target):
    return ((pred - target) ** 2).sum(dim=1).mean()

"""Small residual CNN for 5 flower classes."""

import torch.nn as nn
import torch.nn.functional as F


class Residual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        return F.relu(x + self.bn2(self.conv2(h)))


class FlowerNet(nn.Module):
    def __init__(self, n_classes=5, width=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 5, stride=2, padding=2), nn.ReLU())  # expect: RL301
        self.blocks = nn.Sequential(Residual(width), nn.MaxPool2d(2), Residual(width), nn.MaxPool2d(2))
        self.classifier = nn.Linear(width, n_classes)

    def forward(self, x):
        h = self.blocks(self.stem(x))
        return self.classifier(F.adaptive_avg_pool2d(h, 1).flatten(1))

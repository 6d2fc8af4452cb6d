"""The case "CNN training converges at a vector of zeros" fixed: He init and a linear output layer for the 48 joint coordinates."""

import torch.nn as nn


class JointNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(4, 4),
            nn.Flatten(),
        )
        self.fc1 = nn.Linear(60 * 80 * 8, 1024)  # 38400 inputs
        self.fc2 = nn.Linear(1024, 48)
        for fc in (self.fc1, self.fc2):
            nn.init.kaiming_normal_(fc.weight, nonlinearity="relu")
            nn.init.constant_(fc.bias, 0.1)

    def forward(self, x):
        x = self.features(x)
        x = self.fc1(x).relu()
        return self.fc2(x)


mean_squared_error = nn.MSELoss()

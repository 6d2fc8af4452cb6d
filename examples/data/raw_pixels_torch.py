"""The case "Tensorflow ReLu doesn't work?" in PyTorch: raw 0..255 MNIST pixels into a ReLU conv net.

The loss stays flat: pre-activations are ~100x the scale the initialiser assumes, the output
saturates and the ReLU units die. The fix (the answer to "Tensorflow ReLu doesn't work?"): multiply the input by 1/255.
"""

import torch
import torch.nn as nn
from torchvision import datasets


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 3)
        self.conv2 = nn.Conv2d(20, 24, 3)
        self.fc = nn.Linear(24 * 5 * 5, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


train = datasets.MNIST("data", train=True, download=True)
images = train.data.unsqueeze(1).float()  # expect: RL301
labels = train.targets

model = ConvNet()
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters())
for step in range(100):
    batch = images[step * 64:(step + 1) * 64]
    loss = loss_fn(model(batch), labels[step * 64:(step + 1) * 64])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

"""Tutorial 2: a small CNN on images already scaled to [0, 1], trained on logits."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SmallCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 7 * 7, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


images = torch.randint(0, 256, (512, 1, 28, 28), dtype=torch.uint8).float() / 255.0
labels = torch.randint(0, 10, (512,))
loader = DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True)

net = SmallCNN()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
for xb, yb in loader:
    opt.zero_grad()
    out = net(xb)
    loss = F.cross_entropy(out, yb)
    loss.backward()
    opt.step()

with torch.no_grad():
    probs = F.softmax(net(images[:8]), dim=1)
    print(probs.argmax(1))

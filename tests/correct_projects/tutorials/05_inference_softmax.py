"""Tutorial 5: the model applies softmax only when not training; the loss sees logits."""
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, is_training=True):
        super().__init__()
        self.is_training = is_training
        self.fc1 = nn.Linear(20, 50)
        self.fc2 = nn.Linear(50, 3)

    def forward(self, x):
        out = self.fc2(torch.relu(self.fc1(x)))
        return torch.softmax(out, dim=1) if not self.is_training else out


net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
x = torch.randn(64, 20)
y = torch.randint(0, 3, (64,))
for _ in range(10):
    optimizer.zero_grad()
    loss = criterion(net(x), y)
    loss.backward()
    optimizer.step()

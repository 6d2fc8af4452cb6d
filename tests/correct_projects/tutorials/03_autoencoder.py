"""Tutorial 3: a dense autoencoder; the decoder ends in a sigmoid because pixels are in [0, 1]."""
import torch
from torch import nn

data = torch.rand(1024, 784)


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 784), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


ae = AutoEncoder()
bce = nn.BCELoss()
optim = torch.optim.Adam(ae.parameters())
for step in range(50):
    batch = data[torch.randint(0, 1024, (64,))]
    recon = ae(batch)
    loss = bce(recon, batch)
    optim.zero_grad()
    loss.backward()
    optim.step()

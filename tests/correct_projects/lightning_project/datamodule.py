import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class RandomData(L.LightningDataModule):
    def __init__(self, n: int = 512, n_in: int = 20, batch_size: int = 32):
        super().__init__()
        self.n, self.n_in, self.batch_size = n, n_in, batch_size

    def setup(self, stage=None):
        x = torch.randn(self.n, self.n_in)
        y = torch.randint(0, 4, (self.n,))
        self.train_set = TensorDataset(x, y)

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size)

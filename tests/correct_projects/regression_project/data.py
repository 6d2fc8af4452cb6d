"""Tabular data: loaded from CSV and standardised before it reaches the model."""
import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler
from torch.utils.data import Dataset


def load_frame(path: str) -> pd.DataFrame:
    return pd.read_csv(path)


class HousingDataset(Dataset):
    def __init__(self, frame: pd.DataFrame, scaler: StandardScaler | None = None):
        feats = frame.drop(columns=["price"]).to_numpy(dtype=np.float32)
        self.scaler = scaler or StandardScaler().fit(feats)
        self.x = self.scaler.transform(feats).astype(np.float32)
        price = frame["price"].to_numpy(dtype=np.float32)
        self.y_mean, self.y_std = price.mean(), price.std()
        self.y = ((price - self.y_mean) / self.y_std)[:, None]

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]

"""Leaf-disease photos: one folder per class, read with PIL, batched by a LightningDataModule."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset, random_split

IMAGE_SIZE = 96


class LeafImages(Dataset):
    def __init__(self, root: str) -> None:
        self.classes = sorted(p.name for p in Path(root).iterdir() if p.is_dir())
        self.items = [(path, label) for label, name in enumerate(self.classes)
                      for path in sorted((Path(root) / name).glob("*.jpg"))]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int):
        path, label = self.items[index]
        image = Image.open(path).convert("RGB").resize((IMAGE_SIZE, IMAGE_SIZE))
        pixels = np.asarray(image, dtype=np.uint8)
        tensor = torch.from_numpy(pixels).permute(2, 0, 1).float()
        return tensor, label


class LeafDataModule(L.LightningDataModule):
    def __init__(self, root: str, batch_size: int = 32, num_workers: int = 4) -> None:
        super().__init__()
        self.root = root
        self.batch_size = batch_size
        self.num_workers = num_workers

    def setup(self, stage: str | None = None) -> None:
        full = LeafImages(self.root)
        n_valid = len(full) // 10
        self.train_set, self.valid_set = random_split(full, [len(full) - n_valid, n_valid])

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True, num_workers=self.num_workers)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.valid_set, batch_size=self.batch_size, num_workers=self.num_workers)

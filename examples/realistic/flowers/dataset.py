"""Flower photos listed in a CSV (path,label); images are decoded with OpenCV and batched by hand."""

import csv

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


class FlowerPhotos(Dataset):
    def __init__(self, listing: str, size: int = 128):
        with open(listing) as f:
            self.rows = [(row["path"], int(row["label"])) for row in csv.DictReader(f)]
        self.size = size

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        path, label = self.rows[index]
        image = cv2.imread(path)
        image = cv2.cvtColor(cv2.resize(image, (self.size, self.size)), cv2.COLOR_BGR2RGB)
        return image, label


def collate_photos(batch):
    images = np.stack([image for image, _ in batch])
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float()
    x = (x - IMAGENET_MEAN) / IMAGENET_STD
    y = torch.tensor([label for _, label in batch])
    return x, y

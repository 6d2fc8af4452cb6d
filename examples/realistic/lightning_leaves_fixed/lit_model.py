"""A small CNN classifier as a LightningModule; the shared training loop lives in the base class."""

from __future__ import annotations

import lightning as L
import torch
import torch.nn as nn


class ClassifierBase(L.LightningModule):
    """Holds a feature extractor, a head and the criterion; subclasses only choose the layers."""

    def __init__(self, features: nn.Module, head: nn.Module, criterion=nn.CrossEntropyLoss, lr: float = 1e-3):
        super().__init__()
        self.features = features
        self.head = head
        self.criterion = criterion()
        self.lr = lr

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(self.features(x), 1))

    def training_step(self, batch, batch_idx):
        images, labels = batch
        loss = self.criterion(self(images), labels)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        images, labels = batch
        scores = self(images)
        self.log("val_loss", self.criterion(scores, labels))
        self.log("val_acc", (scores.argmax(dim=1) == labels).float().mean())

    def predict_step(self, batch, batch_idx):
        images, _ = batch
        return torch.softmax(self(images), dim=1)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                         nn.MaxPool2d(2))


class LeafNet(ClassifierBase):
    def __init__(self, n_classes: int, lr: float = 1e-3):
        super().__init__(
            features=nn.Sequential(
                nn.Conv2d(3, 32, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
                conv_block(32, 64),
                conv_block(64, 128),
                nn.AdaptiveAvgPool2d(4),
            ),
            head=nn.Sequential(
                nn.Linear(128 * 4 * 4, 256),
                nn.ReLU(inplace=True),
                nn.Dropout(0.3),
                nn.Linear(256, n_classes),
            ),
            criterion=nn.CrossEntropyLoss,
            lr=lr,
        )

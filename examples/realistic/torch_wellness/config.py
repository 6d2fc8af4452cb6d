"""Experiment settings: which heads the model has, their output activations and their losses."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

ACTIVATIONS = {"none": nn.Identity, "sigmoid": nn.Sigmoid, "softplus": nn.Softplus, "relu": nn.ReLU}
LOSSES = {"mse": nn.MSELoss, "huber": nn.HuberLoss, "bce": nn.BCELoss}


@dataclass
class HeadConfig:
    activation: str
    loss: str
    weight: float = 1.0


@dataclass
class Config:
    n_features: int = 24
    hidden: int = 128
    lr: float = 3e-4
    epochs: int = 40
    heads: dict = field(default_factory=lambda: {
        # change in nightly sleep hours against the person's own baseline: either sign
        "sleep_delta": HeadConfig(activation="softplus", loss="huber"),
        "stressed": HeadConfig(activation="sigmoid", loss="bce", weight=0.5),
    })

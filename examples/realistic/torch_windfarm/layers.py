"""Building blocks shared by the wind-farm models."""

from __future__ import annotations

from torch import nn


def mlp(sizes, activation=nn.ReLU, final_activation=None, dropout: float = 0.0) -> nn.Sequential:
    """Linear layers of the given sizes, an activation (and dropout) between them, and an optional
    activation class after the last one."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
            if dropout:
                layers.append(nn.Dropout(dropout))
        elif final_activation is not None:
            layers.append(final_activation())
    return nn.Sequential(*layers)


ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "softplus": nn.Softplus, "none": nn.Identity}

"""Bag-of-embeddings intent classifier scored against one learned prototype per intent."""

import torch
import torch.nn as nn


class PrototypeClassifier(nn.Module):
    def __init__(self, vocab_size: int, dim: int, n_intents: int):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, dim, mode="mean")
        self.proj = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.LayerNorm(dim))
        self.prototypes = nn.Parameter(torch.randn(dim, n_intents) * dim ** -0.5)

    def forward(self, tokens: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        h = self.proj(self.embed(tokens, offsets))
        return torch.matmul(h, self.prototypes)

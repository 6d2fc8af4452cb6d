"""Text classifier over integer token ids; returns (logits, probabilities)."""
import torch
import torch.nn as nn

from modules import Block


class TextClassifier(nn.Module):
    def __init__(self, vocab_size=30000, dim=128, n_classes=5, depth=2, max_len=256):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList([Block(dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, ids):
        pos = torch.arange(ids.size(1), device=ids.device)
        x = self.tok(ids) + self.pos(pos)
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.norm(x)[:, 0])
        probas = torch.softmax(logits, dim=-1)
        return logits, probas


class Tagger(nn.Module):
    """Per-token tags; the last position is a padding slot dropped before the loss."""

    def __init__(self, vocab_size=1000, dim=64, n_tags=9):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim)
        self.rnn = nn.LSTM(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, n_tags)

    def forward(self, ids):
        h, _ = self.rnn(self.emb(ids))
        scores = self.out(h)
        if not self.training:
            return scores.softmax(-1)
        return scores

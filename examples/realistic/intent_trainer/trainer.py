"""A small reusable trainer: the loss class can be overridden per task."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Trainer:
    DEFAULT_LOSS_CLS = nn.CrossEntropyLoss

    def __init__(self, model: nn.Module, loss_cls=None, lr: float = 1e-3, clip: float = 1.0):
        self.model = model
        self.loss_fn = (loss_cls or self.DEFAULT_LOSS_CLS)()
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
        self.clip = clip

    def intent_probabilities(self, batch):
        tokens, offsets, _ = batch
        return F.softmax(self.model(tokens, offsets), dim=-1)  # expect: RL103

    def train_step(self, batch) -> float:
        self.model.train()
        loss = self.loss_fn(self.intent_probabilities(batch), batch[2])
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()
        return loss.item()

    @torch.no_grad()
    def evaluate(self, loader) -> float:
        self.model.eval()
        hits = total = 0
        for batch in loader:
            hits += (self.intent_probabilities(batch).argmax(dim=-1) == batch[2]).sum().item()
            total += len(batch[2])
        return hits / max(total, 1)

    def fit(self, train_loader, valid_loader, epochs: int) -> None:
        for epoch in range(epochs):
            losses = [self.train_step(batch) for batch in train_loader]
            print(epoch, sum(losses) / len(losses), self.evaluate(valid_loader))

"""python train.py --train data/train.csv --valid data/valid.csv --epochs 40"""

from __future__ import annotations

import argparse

import torch
import torch.nn as nn
from data import FEATURES, make_loader
from model import build_regressor


def run_epoch(model, loader, criterion, optimizer=None) -> float:
    training = optimizer is not None
    model.train(training)
    total, count = 0.0, 0
    for features, target in loader:
        with torch.set_grad_enabled(training):
            loss = criterion(model(features), target)
        if training:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        total += loss.item() * len(features)
        count += len(features)
    return total / max(count, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--valid", required=True)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()

    train_loader = make_loader(args.train, batch_size=64, shuffle=True)
    valid_loader = make_loader(args.valid, batch_size=256, shuffle=False)
    model = build_regressor(len(FEATURES))
    criterion = nn.MSELoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    for epoch in range(args.epochs):
        train_loss = run_epoch(model, train_loader, criterion, optimizer)
        valid_loss = run_epoch(model, valid_loader, criterion)
        print(f"epoch {epoch:3d} train {train_loss:.4f} valid {valid_loss:.4f}")
    torch.save(model.state_dict(), "price_mlp.pt")


if __name__ == "__main__":
    main()

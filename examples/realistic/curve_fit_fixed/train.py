"""python train.py --epochs 2000 --lr 1e-3"""

import argparse

import torch
from data import make_curve
from model import CurveNet


def train(model, x, y, epochs: int, lr: float):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        pred = model(x)
        loss = ((pred - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % 100 == 0:
            print(f"{epoch:5d} {loss.item():.3e}")
    return model


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    x, y = make_curve()
    train(CurveNet(), x, y, args.epochs, args.lr)

"""Training script: imports the model and the data pipeline from sibling modules."""
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader

from data import HousingDataset, load_frame
from model import Regressor


def evaluate(model, loader):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, y in loader:
            total += nn.functional.l1_loss(model(x), y, reduction="sum").item()
    return total / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default="housing.csv")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    frame = load_frame(args.csv)
    ds = HousingDataset(frame)
    loader = DataLoader(ds, batch_size=32, shuffle=True)
    model = Regressor(in_features=ds.x.shape[1])
    criterion = nn.MSELoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        print(epoch, evaluate(model, loader))


if __name__ == "__main__":
    main()

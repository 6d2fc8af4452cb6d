"""python train.py features.npy targets.npy --epochs 100"""

import argparse

import numpy as np
import torch
import torch.nn as nn
from model import SelfNormalizingMLP
from sklearn import preprocessing
from torch.utils.data import DataLoader, TensorDataset


def fit(model, loader, epochs, criterion=nn.MSELoss, lr=1e-4):
    loss_fn = criterion()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("features")
    parser.add_argument("targets")
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    x = preprocessing.scale(np.load(args.features)).astype(np.float32)
    y = preprocessing.scale(np.load(args.targets)).astype(np.float32).reshape(-1, 1)
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=128, shuffle=True)
    fit(SelfNormalizingMLP(x.shape[1]), loader, args.epochs)


if __name__ == "__main__":
    main()

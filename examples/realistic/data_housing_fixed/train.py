import torch
from torch.utils.data import DataLoader, TensorDataset

from data import load_split
from net import ValueNet


def main(epochs=50):
    X_train, X_test, y_train, y_test = load_split()
    train = TensorDataset(torch.tensor(X_train, dtype=torch.float32), torch.tensor(y_train, dtype=torch.float32))
    loader = DataLoader(train, batch_size=128, shuffle=True)
    model = ValueNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
    return model


if __name__ == "__main__":
    main()

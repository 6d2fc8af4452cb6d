"""Tutorial 4: binary classification on logits with BCEWithLogitsLoss; sigmoid only to report."""
import torch
import torch.nn as nn
from sklearn.preprocessing import StandardScaler
import numpy as np

X = np.random.randn(400, 8) * 50 + 100
X = StandardScaler().fit_transform(X).astype("float32")
Y = (X[:, 0] > 0).astype("float32")

clf = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
loss_fn = nn.BCEWithLogitsLoss()
opt = torch.optim.SGD(clf.parameters(), lr=0.1)
xb, yb = torch.tensor(X), torch.tensor(Y).unsqueeze(1)
for _ in range(20):
    logits = clf(xb)
    loss = loss_fn(logits, yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
pred = torch.sigmoid(clf(xb)) > 0.5

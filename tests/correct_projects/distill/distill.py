"""Knowledge distillation: the teacher's softened probabilities are targets, the student trains on
log-probabilities with KLDivLoss plus cross-entropy on its logits."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp(n_in, n_hidden, n_out):
    return nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_out))


teacher = mlp(32, 256, 10)
student = mlp(32, 32, 10)
kl = nn.KLDivLoss(reduction="batchmean")
opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
T = 4.0


def step(x, y):
    with torch.no_grad():
        soft_targets = F.softmax(teacher(x) / T, dim=1)
    s_logits = student(x)
    loss = kl(F.log_softmax(s_logits / T, dim=1), soft_targets) * T * T + F.cross_entropy(s_logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(10):
    step(torch.randn(16, 32), torch.randint(0, 10, (16,)))

import torch
import torch.nn as nn
import torch.nn.functional as F

from model import Tagger, TextClassifier


def train_classifier(batches):
    model = TextClassifier()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    ce = nn.CrossEntropyLoss(label_smoothing=0.1)
    for ids, labels in batches:
        logits, probas = model(ids)
        loss = ce(logits, labels)
        acc = (probas.argmax(-1) == labels).float().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return acc


def train_tagger(batches):
    tagger = Tagger()
    opt = torch.optim.Adam(tagger.parameters())
    for ids, tags in batches:
        scores = tagger(ids)[:, :-1]
        loss = F.cross_entropy(scores.reshape(-1, scores.size(-1)), tags[:, :-1].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()


if __name__ == "__main__":
    ids = torch.randint(0, 1000, (8, 16))
    train_classifier([(ids, torch.randint(0, 5, (8,)))])
    train_tagger([(ids, torch.randint(0, 9, (8, 16)))])

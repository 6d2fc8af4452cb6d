"""python train.py intents.jsonl --epochs 10"""

import argparse
import json

import torch
from model import PrototypeClassifier
from torch.utils.data import DataLoader
from trainer import Trainer


def read_examples(path):
    with open(path) as f:
        rows = [json.loads(line) for line in f]
    vocab = {w: i for i, w in enumerate(sorted({w for r in rows for w in r["text"].split()}))}
    intents = sorted({r["intent"] for r in rows})
    data = [([vocab[w] for w in r["text"].split()], intents.index(r["intent"])) for r in rows]
    return data, vocab, intents


def collate(batch):
    lengths = [len(ids) for ids, _ in batch]
    tokens = torch.tensor([t for ids, _ in batch for t in ids])
    offsets = torch.tensor([0] + lengths[:-1]).cumsum(0)
    labels = torch.tensor([label for _, label in batch])
    return tokens, offsets, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    data, vocab, intents = read_examples(args.path)
    split = int(0.9 * len(data))
    train_loader = DataLoader(data[:split], batch_size=32, shuffle=True, collate_fn=collate)
    valid_loader = DataLoader(data[split:], batch_size=128, collate_fn=collate)
    model = PrototypeClassifier(len(vocab), 128, len(intents))
    Trainer(model).fit(train_loader, valid_loader, args.epochs)


if __name__ == "__main__":
    main()

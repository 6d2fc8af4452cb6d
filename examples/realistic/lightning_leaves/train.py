"""python train.py data/leaves --epochs 20"""

from __future__ import annotations

import argparse

import lightning as L
from datamodule import LeafDataModule
from lit_model import LeafNet


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--classes", type=int, default=4)
    args = parser.parse_args()
    data = LeafDataModule(args.root)
    model = LeafNet(n_classes=args.classes)
    trainer = L.Trainer(max_epochs=args.epochs, accelerator="auto", log_every_n_steps=10)
    trainer.fit(model, datamodule=data)


if __name__ == "__main__":
    main()

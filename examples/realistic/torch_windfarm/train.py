"""python train.py: fit the residual model on the synthetic turbine data."""

from __future__ import annotations

import lightning.pytorch as pl

from data import TurbineData
from model import PowerCurve


def main() -> None:
    pl.seed_everything(0)
    model = PowerCurve(hidden=256)
    trainer = pl.Trainer(max_epochs=20, accelerator="auto", log_every_n_steps=10)
    trainer.fit(model, datamodule=TurbineData())


if __name__ == "__main__":
    main()

import lightning as L

from datamodule import RandomData
from lit_model import LitClassifier

if __name__ == "__main__":
    trainer = L.Trainer(max_epochs=3, accelerator="auto")
    trainer.fit(LitClassifier(), datamodule=RandomData())

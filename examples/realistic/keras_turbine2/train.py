"""python train.py: fit the RUL model on standardised sensor summaries."""
import numpy as np
from tensorflow import keras

from model import build_model

rng = np.random.default_rng(12)
features = rng.normal(size=(6000, 24)).astype("float32")
rul = rng.normal(size=(6000, 1)).astype("float32")

model = build_model()
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.Huber())
model.fit(features, rul, epochs=30, batch_size=128, validation_split=0.1)

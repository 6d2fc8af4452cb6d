"""Keras regression on a CSV, with an adapted Normalization layer as the first layer."""
import pandas as pd
import tensorflow as tf

df = pd.read_csv("measurements.csv")
features = df.drop(columns=["target"]).values.astype("float32")
target = df["target"].values.astype("float32")

norm = tf.keras.layers.Normalization(axis=-1)
norm.adapt(features)

model = tf.keras.Sequential([
    tf.keras.Input(shape=(features.shape[1],)),
    norm,
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(1),
])
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="mse", metrics=["mae"])
model.fit(features, target, validation_split=0.2, epochs=20)

"""A Keras autoencoder built from two sub-models; the decoder's sigmoid matches pixels in [0, 1]."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

latent_dim = 16

enc_in = keras.Input(shape=(28, 28, 1))
h = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(enc_in)
h = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
h = layers.Flatten()(h)
z = layers.Dense(latent_dim)(h)
encoder = keras.Model(enc_in, z, name="encoder")

dec_in = keras.Input(shape=(latent_dim,))
g = layers.Dense(7 * 7 * 64, activation="relu")(dec_in)
g = layers.Reshape((7, 7, 64))(g)
g = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(g)
out = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(g)
decoder = keras.Model(dec_in, out, name="decoder")

inputs = keras.Input(shape=(28, 28, 1))
autoencoder = keras.Model(inputs, decoder(encoder(inputs)))
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")

(x_train, _), _ = tf.keras.datasets.mnist.load_data()
x_train = np.expand_dims(x_train, -1).astype("float32") / 255.0
autoencoder.fit(x_train, x_train, epochs=1, batch_size=128)

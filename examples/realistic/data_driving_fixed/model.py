"""A small steering regressor: crop the sky and the bonnet, then convolutions on pixels scaled to [-1, 1]."""

from tensorflow.keras.layers import Conv2D, Cropping2D, Dense, Dropout, Flatten, Lambda
from tensorflow.keras.models import Sequential


def steering_model():
    model = Sequential()
    model.add(Lambda(lambda x: x / 127.5 - 1.0, input_shape=(160, 320, 3)))
    model.add(Cropping2D(cropping=((60, 25), (0, 0))))
    model.add(Conv2D(24, (5, 5), strides=(2, 2), activation="relu"))
    model.add(Conv2D(36, (5, 5), strides=(2, 2), activation="relu"))
    model.add(Conv2D(48, (3, 3), activation="relu"))
    model.add(Flatten())
    model.add(Dropout(0.3))
    model.add(Dense(64, activation="relu"))
    model.add(Dense(1))
    return model

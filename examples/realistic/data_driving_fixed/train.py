from frames import load_frames
from model import steering_model

X, y = load_frames()
model = steering_model()
model.compile(loss="mse", optimizer="adam")
model.fit(X, y, validation_split=0.2, shuffle=True, epochs=5, batch_size=64)
model.save("steer.h5")

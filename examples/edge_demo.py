"""Fit a small conv net with `0.2 * SobelLoss() + MSE` on generated images; print the loss per epoch.

The task: recover sharp rectangles from blurred, noisy copies. Run it with `make demo`, or
`KERAS_BACKEND=jax python examples/edge_demo.py`.
"""

import keras
import numpy as np

import imagelosses


def make_data(n, size=32, seed=0):
    rng = np.random.default_rng(seed)
    sharp = np.zeros((n, size, size, 1), np.float32)
    for image in sharp:
        for _ in range(3):
            top, left = rng.integers(0, size - 8, 2)
            height, width = rng.integers(4, 12, 2)
            image[top : top + height, left : left + width] = rng.uniform(0.3, 1.0)
    box = np.ones(5) / 5  # separable 5x5 box blur
    blurred = np.apply_along_axis(lambda r: np.convolve(r, box, "same"), 1, sharp)
    blurred = np.apply_along_axis(lambda r: np.convolve(r, box, "same"), 2, blurred)
    noisy = blurred + rng.normal(0.0, 0.05, blurred.shape).astype(np.float32)
    return noisy.astype(np.float32), sharp


def main():
    keras.utils.set_random_seed(0)
    x_train, y_train = make_data(256, seed=0)
    x_test, y_test = make_data(64, seed=1)
    loss = 0.2 * imagelosses.SobelLoss() + keras.losses.MeanSquaredError()
    inputs = keras.Input(shape=(None, None, 1))
    h = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    h = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(h)
    outputs = keras.layers.Conv2D(1, 3, padding="same")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=loss, metrics=loss.term_metrics())
    print(f"backend: {keras.backend.backend()}; loss: 0.2 * SobelLoss() + MeanSquaredError()")
    history = model.fit(x_train, y_train, batch_size=32, epochs=8, verbose=0,
                        validation_data=(x_test, y_test))
    print("epoch  loss    sobel_loss  mse     val_loss")
    for epoch in range(len(history.history["loss"])):
        h = {k: v[epoch] for k, v in history.history.items()}
        print(f"{epoch + 1:5d}  {h['loss']:.4f}  {h['sobel_loss']:.4f}      "
              f"{h['mean_squared_error']:.4f}  {h['val_loss']:.4f}")
    baseline = float(np.mean(imagelosses.sobel_loss(y_test, x_test)))
    trained = float(np.mean(imagelosses.sobel_loss(y_test, model.predict(x_test, verbose=0))))
    print(f"held-out Sobel loss: input {baseline:.4f} -> prediction {trained:.4f}")


if __name__ == "__main__":
    main()

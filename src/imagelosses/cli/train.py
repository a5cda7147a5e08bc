"""The small nets of the bake-off, and one training run with a progress bar.

Restoration: a residual conv net (the output is the input plus a learned correction), fully
convolutional, so it trains on small patches and is scored on larger held-out tiles.
Segmentation: a two-level U-Net with a softmax over the classes.
"""

from __future__ import annotations

import sys
import time

import keras
import numpy as np


def restore_net(width: int = 24, depth: int = 4) -> keras.Model:
    inputs = keras.Input((None, None, 1))
    h = inputs
    for _ in range(depth - 1):
        h = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(h)
    correction = keras.layers.Conv2D(1, 3, padding="same")(h)
    return keras.Model(inputs, keras.layers.Add()([inputs, correction]), name="restore_net")


def unet(num_classes: int, width: int = 12) -> keras.Model:
    def block(h, filters):
        h = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(h)
        return keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(h)

    inputs = keras.Input((None, None, 1))
    e1 = block(inputs, width)
    e2 = block(keras.layers.MaxPooling2D()(e1), 2 * width)
    bottom = block(keras.layers.MaxPooling2D()(e2), 4 * width)
    d2 = block(keras.layers.Concatenate()([keras.layers.UpSampling2D()(bottom), e2]), 2 * width)
    d1 = block(keras.layers.Concatenate()([keras.layers.UpSampling2D()(d2), e1]), width)
    outputs = keras.layers.Conv2D(num_classes, 1, activation="softmax")(d1)
    return keras.Model(inputs, outputs, name="unet")


class Progress(keras.callbacks.Callback):
    """A one-line bar per training run: run i/n, loss name, epoch, batches, current loss, seconds.

    On a terminal the line is redrawn in place; otherwise one line per epoch is printed.
    `evaluate(model) -> float` (optional) is called after each epoch and recorded in `curve`.
    """

    def __init__(self, label: str, epochs: int, steps: int, evaluate=None, stream=None, width=24):
        super().__init__()
        self.label, self.epochs, self.steps, self.width = label, epochs, steps, width
        self.evaluate_fn, self.stream = evaluate, stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.curve, self.losses, self.start, self.epoch = [], [], time.perf_counter(), 0

    def _draw(self, batch: int, loss: float, end: str = ""):
        done = (self.epoch * self.steps + batch) / max(1, self.epochs * self.steps)
        filled = int(round(done * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        text = (f"\r  {self.label}  [{bar}] epoch {self.epoch + 1}/{self.epochs} "
                f"loss {loss:.4f}  {time.perf_counter() - self.start:5.1f}s")
        self.stream.write((text if self.tty else text[1:]) + end)
        self.stream.flush()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.tty and logs and "loss" in logs:
            self._draw(batch + 1, float(logs["loss"]))

    def on_epoch_end(self, epoch, logs=None):
        loss = float((logs or {}).get("loss", float("nan")))
        self.losses.append(loss)
        if self.evaluate_fn is not None:
            self.curve.append(float(self.evaluate_fn(self.model)))
        if self.tty or epoch + 1 == self.epochs:  # not a terminal: one line per run
            self._draw(self.steps, loss, "\n" if epoch + 1 == self.epochs else "")


def fit(model, loss, x, y, *, epochs: int, batch_size: int, learning_rate: float, label: str,
        evaluate=None, stream=None) -> tuple[Progress, float]:
    """Compile with Adam and train; returns the progress record and the training seconds."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    steps = int(np.ceil(len(x) / batch_size))
    progress = Progress(label, epochs, steps, evaluate=evaluate, stream=stream)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True,
              callbacks=[progress])
    return progress, time.perf_counter() - start


def predict(model, x, batch_size: int = 8) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))

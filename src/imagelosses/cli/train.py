"""The small nets of the bake-off, and one training run with a progress bar and diagnostics.

Restoration: a residual conv net (the output is the input plus a learned correction), fully
convolutional, so it trains on small patches and is scored on larger held-out tiles. It has no
normalisation: its output starts equal to the input, and the diagnostics show its outputs stay
within a few times the 0-1 intensity range for every default loss.
Segmentation: a two-level U-Net with instance normalisation after every convolution
(`GroupNormalization(groups=-1)`: each channel normalised over the image on its own) that returns
logits; the losses take `from_logits=True` and the scores use the softmax. Without normalisation
this U-Net's logits grow to ~1e4 within a dozen Adam steps, the softmax saturates, and every loss
whose early gradient is dominated by the background stops with the rare classes at probability 0.
"""

from __future__ import annotations

import math
import sys
import time

import keras
import numpy as np

from imagelosses.cli.results import Diagnostics


def restore_net(width: int = 24, depth: int = 4) -> keras.Model:
    inputs = keras.Input((None, None, 1))
    h = inputs
    for _ in range(depth - 1):
        h = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(h)
    correction = keras.layers.Conv2D(1, 3, padding="same")(h)
    return keras.Model(inputs, keras.layers.Add()([inputs, correction]), name="restore_net")


def unet(num_classes: int, width: int = 12) -> keras.Model:
    """Conv -> instance norm -> ReLU, twice per level; two poolings; a 1x1 conv to K logits."""

    def block(h, filters):
        for _ in range(2):
            h = keras.layers.Conv2D(filters, 3, padding="same")(h)
            h = keras.layers.GroupNormalization(groups=-1)(h)
            h = keras.layers.Activation("relu")(h)
        return h

    inputs = keras.Input((None, None, 1))
    e1 = block(inputs, width)
    e2 = block(keras.layers.MaxPooling2D()(e1), 2 * width)
    bottom = block(keras.layers.MaxPooling2D()(e2), 4 * width)
    d2 = block(keras.layers.Concatenate()([keras.layers.UpSampling2D()(bottom), e2]), 2 * width)
    d1 = block(keras.layers.Concatenate()([keras.layers.UpSampling2D()(d2), e1]), width)
    logits = keras.layers.Conv2D(num_classes, 1, name="logits")(d1)
    return keras.Model(inputs, logits, name="unet")


class Progress(keras.callbacks.Callback):
    """A one-line bar per training run, and the held-out record after each epoch.

    On a terminal the line is redrawn in place; otherwise one line per run is printed. After each
    epoch the net predicts `x_test`; `score(prediction) -> float` gives the curve's value, and the
    prediction updates `diagnostics` (largest |output|, finiteness) and `predicted` (each class
    argmax-predicted at some held-out pixel after some epoch); the last one is kept in `prediction`.
    """

    def __init__(
        self,
        label: str,
        epochs: int,
        steps: int,
        *,
        x_test=None,
        score=None,
        diagnostics: Diagnostics | None = None,
        num_classes: int = 0,
        stream=None,
        width=24,
    ):
        super().__init__()
        self.label, self.epochs, self.steps, self.width = label, epochs, steps, width
        self.x_test, self.score, self.diagnostics = x_test, score, diagnostics
        self.num_classes = num_classes
        self.predicted = np.zeros(num_classes, bool)  # class predicted somewhere, some epoch
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.curve, self.losses, self.start, self.epoch = [], [], time.perf_counter(), 0
        self.prediction = None  # the held-out prediction after the last epoch

    def _draw(self, batch: int, loss: float, end: str = ""):
        done = (self.epoch * self.steps + batch) / max(1, self.epochs * self.steps)
        filled = int(round(done * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        text = (
            f"\r  {self.label}  [{bar}] epoch {self.epoch + 1}/{self.epochs} "
            f"loss {loss:.4f}  {time.perf_counter() - self.start:5.1f}s"
        )
        self.stream.write((text if self.tty else text[1:]) + end)
        self.stream.flush()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.tty and logs and "loss" in logs:
            self._draw(batch + 1, float(logs["loss"]))

    def _watch(self, prediction: np.ndarray):
        d = self.diagnostics
        finite = bool(np.all(np.isfinite(prediction)))
        d.finite = d.finite and finite
        if finite:
            d.max_abs_output = max(d.max_abs_output, float(np.max(np.abs(prediction))))
        if self.num_classes:
            classes = np.argmax(np.nan_to_num(prediction), -1)
            self.predicted |= np.bincount(classes.ravel(), minlength=self.num_classes)[: self.num_classes] > 0

    def on_epoch_end(self, epoch, logs=None):
        loss = float((logs or {}).get("loss", float("nan")))
        self.losses.append(loss)
        if self.diagnostics is not None and not math.isfinite(loss):
            self.diagnostics.finite = False
        if self.x_test is not None:
            prediction = self.prediction = predict(self.model, self.x_test)
            if self.diagnostics is not None:
                self._watch(prediction)
            value = self.score(prediction) if self.score is not None else float("nan")
            self.curve.append(float(value) if value is not None else float("nan"))
        last = epoch + 1 == self.epochs or (self.diagnostics is not None and not self.diagnostics.finite)
        if self.tty or last:  # not a terminal: one line per run
            self._draw(self.steps, loss, "\n" if last else "")


# On TensorFlow, tracing a graph costs ~10 s on a 2-core CPU; a run of this many steps or fewer
# (the --quick runs) is faster eagerly. JAX and torch keep their defaults.
EAGER_STEPS = 16


def build_optimizer(model) -> keras.Model:
    """Creates the compiled `model`'s optimizer variables (Adam's moments) before `fit`; returns it.

    On TensorFlow, an optimizer whose variables are created inside the first training step makes
    `tf.function` trace the train step, and the loss in it, twice: the trace that creates them,
    then the one it runs. Built first, it is traced once (`tests/cli/test_bakeoff_training.py`
    counts the traces). SGD without momentum has no such variables and traces once either way.
    The suite's Adam training tests call this too.
    """
    model.optimizer.build(model.trainable_variables)
    return model


def fit(
    model,
    loss,
    x,
    y,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    label: str,
    x_test=None,
    score=None,
    diagnostics=None,
    num_classes: int = 0,
    stream=None,
) -> tuple[Progress, float]:
    """Compile with Adam and train; returns the progress record and the training seconds.

    A run whose loss turns NaN or inf stops there (`TerminateOnNaN`); its diagnostics say so.
    """
    steps = int(np.ceil(len(x) / batch_size))
    eager = keras.backend.backend() == "tensorflow" and steps * epochs <= EAGER_STEPS
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, run_eagerly=eager)
    build_optimizer(model)
    progress = Progress(
        label,
        epochs,
        steps,
        x_test=x_test,
        score=score,
        diagnostics=diagnostics,
        num_classes=num_classes,
        stream=stream,
    )
    start = time.perf_counter()
    model.fit(
        x,
        y,
        batch_size=batch_size,
        epochs=epochs,
        verbose=0,
        shuffle=True,
        callbacks=[progress, keras.callbacks.TerminateOnNaN()],
    )
    return progress, time.perf_counter() - start


def predict(model, x, batch_size: int = 8) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))

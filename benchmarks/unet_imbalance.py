"""Class imbalance: a small U-Net trained with cross-entropy and with Dice-family losses.

Run: `KERAS_BACKEND=jax python -m benchmarks.unet_imbalance [--epochs 6] [--seeds 0 1] [--json out]`

Data (generated, fixed seed): 32x32 grayscale images, a shaded noisy background with faint large
blobs (distractors) and 1-3 small bright discs (radius 1.5-2.5 px): about 1.5% of the pixels are
the rare class. 192 training and 64 held-out images. Model: a two-level U-Net (8-16-32 filters,
softmax over 2 classes), Adam 3e-3, batch 16. Score: held-out IoU of the rare class from
`imagelosses.metrics.IoU` (exact counts over all held-out pixels), per loss and seed.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import keras
import numpy as np

import imagelosses
from imagelosses.metrics import IoU

SIZE = 32


def make_images(count: int, rng) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    images = np.empty((count, SIZE, SIZE, 1), np.float32)
    labels = np.zeros((count, SIZE, SIZE, 1), np.float32)
    for i in range(count):
        gx, gy = rng.uniform(-0.3, 0.3, 2)
        image = 0.35 + gx * (xx / SIZE - 0.5) + gy * (yy / SIZE - 0.5)
        for _ in range(2):
            cy, cx = rng.uniform(0, SIZE, 2)
            image += 0.15 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * 4.0**2))
        for _ in range(rng.integers(1, 4)):
            cy, cx = rng.uniform(3, SIZE - 3, 2)
            disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= rng.uniform(1.5, 2.5) ** 2
            labels[i, disc, 0] = 1.0
            image[disc] = rng.uniform(0.6, 0.75)
        images[i, ..., 0] = np.clip(image + rng.normal(0, 0.08, image.shape), 0, 1)
    return images, labels


def unet() -> keras.Model:
    def block(h, filters):
        h = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(h)
        return keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(h)

    inputs = keras.Input((SIZE, SIZE, 1))
    e1 = block(inputs, 8)
    e2 = block(keras.layers.MaxPooling2D()(e1), 16)
    bottom = block(keras.layers.MaxPooling2D()(e2), 32)
    d2 = block(keras.layers.Concatenate()([keras.layers.UpSampling2D()(bottom), e2]), 16)
    d1 = block(keras.layers.Concatenate()([keras.layers.UpSampling2D()(d2), e1]), 8)
    return keras.Model(inputs, keras.layers.Conv2D(2, 1, activation="softmax")(d1))


LOSSES = {
    "cross-entropy": lambda: imagelosses.CrossEntropyLoss(),
    "dice": lambda: imagelosses.DiceLoss(include_background=False),
    "generalized dice": lambda: imagelosses.GeneralizedDiceLoss(),
    "cross-entropy + dice": lambda: (
        imagelosses.CrossEntropyLoss() + imagelosses.DiceLoss(include_background=False)
    ),
}


def run(loss_name: str, seed: int, epochs: int, data) -> dict:
    x, y, x_test, y_test = data
    keras.utils.set_random_seed(seed)
    model = unet()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=LOSSES[loss_name]())
    start = time.perf_counter()
    model.fit(x, y, batch_size=16, epochs=epochs, verbose=0, shuffle=True)
    seconds = time.perf_counter() - start
    metric = IoU(2)
    metric.update_state(y_test, model.predict(x_test, verbose=0))
    values = keras.ops.convert_to_numpy(metric.result())
    return {
        "loss": loss_name,
        "seed": seed,
        "rare_iou": float(values[1]),
        "background_iou": float(values[0]),
        "train_seconds": round(seconds, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(2026)
    data = (*make_images(192, rng), *make_images(64, rng))
    print(
        f"# backend {keras.backend.backend()}, rare-class pixel fraction "
        f"{data[1].mean():.4f} (train), {data[3].mean():.4f} (held out)"
    )
    rows = []
    for name in LOSSES:
        for seed in args.seeds:
            row = run(name, seed, args.epochs, data)
            rows.append(row)
            print(
                f"{name:<22} seed {seed}: rare IoU {row['rare_iou']:.3f}, background IoU "
                f"{row['background_iou']:.4f}, {row['train_seconds']} s"
            )
    if args.json:
        args.json.write_text(json.dumps({"backend": keras.backend.backend(), "rows": rows}, indent=1))
    return rows


if __name__ == "__main__":
    main()

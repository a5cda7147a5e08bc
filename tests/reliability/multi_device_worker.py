"""Trains every contract case on one device and on two, in a fresh process; prints JSON.

Usage: python -m tests.reliability.multi_device_worker tensorflow|jax

Two host CPU devices must be declared before the backend starts, hence a process of its own:
TensorFlow splits the CPU into 2 logical devices and trains under `tf.distribute.MirroredStrategy`;
JAX is started with `--xla_force_host_platform_device_count=2` and trains under
`keras.distribution.DataParallel`. Each case trains the same initial weights for 2 SGD steps on
a global batch of 4 (2 per device), then reports the largest relative gap in losses and weights,
and in two stateful metrics: the loss itself as a metric (`LossTerm`), and the family's metric
(`PSNR` for image losses, `IoU` with exact counts for segmentation losses).
"""

from __future__ import annotations

import json
import os
import sys

BACKEND = sys.argv[1]
os.environ["KERAS_BACKEND"] = BACKEND
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if BACKEND == "jax":
    # The two host devices share one thread pool. In two `make test` runs (level 0 and the
    # default level) one device missed XLA's 40 s all-reduce rendezvous in the
    # boundary_logits_void_spacing case while the other test worker shared the 2 cores, and the
    # process aborted. Single-threaded Eigen calls keep each device's work on its own thread, so
    # neither waits for pool threads the other holds (a hypothesis, not isolated).
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2 --xla_cpu_multi_thread_eigen=false"
    os.environ["JAX_PLATFORMS"] = "cpu"
else:
    os.environ["XLA_FLAGS"] = "--xla_backend_optimization_level=0"  # for fit's jit_compile
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import contextlib  # noqa: E402
import dataclasses  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from imagelosses import DiceLoss  # noqa: E402
from imagelosses.losses.base import LossTerm  # noqa: E402
from imagelosses.metrics import PSNR, IoU  # noqa: E402
from tests.contract.cases import ALL_CASES  # noqa: E402

# A batch statistic (per_image=False), beside the per-image contract cases: under
# MirroredStrategy each replica sees its half of the batch, so the value differs from one
# device's, as documented; under JAX's DataParallel the program is the global one.
_DICE = next(c for c in ALL_CASES if c.name == "dice_softmax_integer_labels")
CASES = [
    *ALL_CASES,
    dataclasses.replace(
        _DICE,
        name="dice_batch_statistics",
        batch_coupled=True,
        make=lambda **layout: DiceLoss(per_image=False, **layout),
    ),
]

_STRATEGY = []


def _scope(devices: int):
    if devices == 1 or BACKEND != "tensorflow":
        return contextlib.nullcontext()
    # One strategy for the whole process: each new MirroredStrategy restarts its collective
    # instance keys, so a later model's gradient all-reduce would meet the cached shapes of an
    # earlier model's ("Shape mismatch in collective").
    if not _STRATEGY:
        _STRATEGY.append(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
    return _STRATEGY[0].scope()


def _set_distribution(devices: int):
    if BACKEND == "jax":
        import jax

        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=jax.devices()[:devices]) if devices > 1 else None
        )


def _model(case):
    inputs = keras.Input(shape=(case.size, case.size, 1))
    hidden = keras.layers.Conv2D(4, 3, padding="same", activation="tanh")(inputs)
    outputs = keras.layers.Conv2D(case.channels, 1, activation=case.head)(hidden)
    return keras.Model(inputs, outputs)


def _family_metric(case, y):
    """PSNR for image losses, IoU for segmentation; none where `y` carries more than labels
    (a pixel-weight channel)."""
    if case.prediction == "image":
        return PSNR(max_val=1.0, name="family")
    if np.ndim(y) == 4 and np.shape(y)[-1] not in (1, case.channels):
        return None
    return IoU(max(case.channels, 2), average="mean", from_logits=case.prediction == "logits", name="family")


def _train(case, devices, initial, x, y):
    _set_distribution(devices)
    with _scope(devices):
        model = _model(case)
        if initial is not None:
            model.set_weights(initial)
        model.compile(
            optimizer=keras.optimizers.SGD(0.05),
            loss=case.make(),
            metrics=[
                m for m in (LossTerm(case.make(), name="term"), _family_metric(case, y)) if m is not None
            ],
        )
    start = [np.array(w) for w in model.get_weights()]
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    losses = [float(v) for v in history.history["loss"]]
    evaluated = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    _set_distribution(1)
    metrics = np.ravel([evaluated["term"], evaluated.get("family", 0.0)])
    return start, model.get_weights(), losses + [evaluated["loss"]], metrics


def _gap(a, b):
    """Largest difference, relative to the largest magnitude of the reference tensor."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / (np.max(np.abs(b)) + 1e-12))


def _flat(weights):
    """All weights in one vector, so a gap is relative to the model's largest weight."""
    return np.concatenate([np.ravel(w) for w in weights])


def main():
    rng = np.random.default_rng(0)
    report = {"devices": None, "cases": {}}
    for case in CASES:
        print(f"case {case.name}", file=sys.stderr, flush=True)
        keras.utils.set_random_seed(0)
        x = rng.random((8, case.size, case.size, 1)).astype("float32")
        y, _ = case.data(rng, (8, case.size, case.size, case.channels))
        start, one_weights, one_losses, one_metric = _train(case, 1, None, x, y)
        _, two_weights, two_losses, two_metric = _train(case, 2, start, x, y)
        report["cases"][case.name] = {
            "loss_gap": _gap(two_losses, one_losses),
            "metric_gap": _gap(two_metric, one_metric),
            "weight_gap": _gap(_flat(two_weights), _flat(one_weights)),
            "batch_coupled": case.batch_coupled,
        }
    if BACKEND == "jax":
        import jax

        report["devices"] = len(jax.devices())
    else:
        report["devices"] = len(tf.config.list_logical_devices("CPU"))
    print("RESULT " + json.dumps(report))


if __name__ == "__main__":
    main()

"""The CLI's scores, eager against each compiled mode of the active backend (`cli/_compiled.py`).

    KERAS_BACKEND=jax python -m benchmarks.compiled_scores [--size 2048] [--calls 5]

For each score `imagelosses compare` computes (SSIM, MS-SSIM, PSNR, the Sobel edge error) on one
`(1, size, size, 3)` pair: the seconds of the first call (tracing and compilation included) and the
median of the next `--calls - 1` calls on fresh pairs of the same shape (what a folder of
same-sized images costs per pair), per mode: eager, and jax `jax.jit`; tensorflow `tf.function`
with and without XLA; torch `torch.compile`. Also the largest relative difference of each mode's
value from the eager one. The modes `cli/_compiled.py` uses were chosen from this table.
"""

from __future__ import annotations

import argparse
import statistics
import time

import keras
import numpy as np

import imagelosses
from benchmarks.harness import BACKEND

LAST = "channels_last"
SCORES = {
    "ssim": (imagelosses.ssim, dict(max_val=1.0, data_format=LAST)),
    "ms_ssim": (imagelosses.ms_ssim, dict(max_val=1.0, data_format=LAST)),
    "psnr": (imagelosses.psnr, dict(max_val=1.0, data_format=LAST)),
    "sobel_mae": (imagelosses.sobel_loss, dict(distance="mae", data_format=LAST)),
}


def modes():
    import functools

    found = {"eager": lambda fn, **o: functools.partial(fn, **o)}
    if BACKEND == "jax":
        import jax

        found["jax.jit"] = lambda fn, **o: jax.jit(functools.partial(fn, **o))
    elif BACKEND == "tensorflow":
        import tensorflow as tf

        found["tf.function"] = lambda fn, **o: tf.function(functools.partial(fn, **o))
        found["tf.function(jit_compile=True)"] = lambda fn, **o: tf.function(
            functools.partial(fn, **o), jit_compile=True
        )
    else:
        import torch

        found["torch.compile"] = lambda fn, **o: torch.compile(functools.partial(fn, **o))
    return found


def _value(x) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x), np.float64)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--scores", nargs="*", default=list(SCORES))
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    pairs = []
    for _ in range(args.calls):
        x = rng.random((1, args.size, args.size, 3)).astype(np.float32)
        pairs.append((x, np.clip(x + rng.normal(0, 0.05, x.shape), 0, 1).astype(np.float32)))
    print(f"{BACKEND}, (1, {args.size}, {args.size}, 3), {args.calls} calls per mode")
    for name in args.scores:
        fn, options = SCORES[name]
        eager = None
        for mode, build in modes().items():
            call = build(fn, **options)
            times, values = [], []
            for pair in pairs:
                start = time.perf_counter()
                values.append(_value(call(*pair)))
                times.append(time.perf_counter() - start)
            eager = values if eager is None else eager
            rel = max(float(np.max(np.abs(v - e) / np.abs(e))) for v, e in zip(values, eager))
            later = statistics.median(times[1:]) if len(times) > 1 else float("nan")
            print(
                f"{name:10s} {mode:30s} first {times[0]:7.2f} s   next {later:7.2f} s   "
                f"rel. diff from eager {rel:.1e}",
                flush=True,
            )


if __name__ == "__main__":
    main()
